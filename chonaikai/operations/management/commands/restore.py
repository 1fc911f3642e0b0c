"""manage.py restore INPUT [--force]: load a backup made by manage.py backup, all or nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.operations.backup import BackupError, restore_backup
from chonaikai.operations.backup.common import require_migrated


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return _(
            "manage.py backup で作成したバックアップを復元します（形式はファイルから判断します）。"
            "復元先は空のデータベースです（JSON形式は manage.py migrate 済みのもの、pg_dump 形式は createdb で作ったもの）"
            "（データがある場合は --force が必要で、その内容はすべて置き換えられます）。途中で失敗した場合は何も変更しません。"
        )

    def add_arguments(self, parser):
        parser.add_argument("input", help=gettext_lazy("バックアップファイル（.zip）"))
        parser.add_argument(
            "--force",
            action="store_true",
            help=gettext_lazy(
                "データのあるデータベースに復元する（既存のデータはすべてバックアップの内容で置き換えられます）"
            ),
        )
        parser.add_argument(
            "--database",
            default="default",
            help=gettext_lazy("復元先のデータベース（settings.DATABASES の名前）"),
        )

    def handle(self, *args, input, force, database, **options):
        try:
            summary = restore_backup(input, force=force, using=database)
        except BackupError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(
            _(
                "復元しました: %(path)s（%(rows)s 行、ファイル %(files)s 件）。"
                "ログイン中だった利用者は、もう一度ログインする必要があります。"
            )
            % {"path": summary.path, "rows": summary.total_rows, "files": len(summary.files)}
        )
        try:
            require_migrated(using=database)
        except BackupError as e:  # an older backup: the schema is the backup's until migrate runs
            self.stderr.write(str(e))
        if summary.missing_files:
            self.stderr.write(
                _("バックアップ作成時に見つからなかったため、次のファイルは復元されていません: %(files)s")
                % {"files": _("、").join(summary.missing_files)}
            )
