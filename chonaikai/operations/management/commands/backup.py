"""manage.py backup OUTPUT [--format json|pg_dump]: the database and the stored files in one zip.

pg_dump on PostgreSQL, the portable JSON form on SQLite or with --format json (chonaikai.operations.backup).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.operations.backup import ENGINES, BackupError, create_backup


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return _(
            "データベースの全テーブル（変更履歴・操作記録を含む）と保存ファイルを1つのzipファイルにバックアップします。"
            "OUTPUTにフォルダを指定すると、日時入りのファイル名で作成します。"
            "PostgreSQL では pg_dump で、SQLite では移行用のJSON形式で作成します。"
        )

    def add_arguments(self, parser):
        parser.add_argument("output", help=gettext_lazy("作成するバックアップファイル（.zip）またはフォルダ"))
        parser.add_argument(
            "--no-media",
            action="store_true",
            help=gettext_lazy("保存ファイル（アップロードされた書類など）を含めない"),
        )
        parser.add_argument(
            "--format",
            choices=ENGINES,
            default=None,
            help=gettext_lazy(
                "形式: pg_dump（PostgreSQL の既定）または json（SQLite の既定。データベース間の移行用）"
            ),
        )
        parser.add_argument(
            "--database",
            default="default",
            help=gettext_lazy("対象のデータベース（settings.DATABASES の名前）"),
        )

    def handle(self, *args, output, no_media, database, format=None, **options):
        try:
            summary = create_backup(output, engine=format, include_media=not no_media, using=database)
        except BackupError as e:
            raise CommandError(str(e)) from e
        tables = sum(1 for n in summary.rows.values() if n)
        self.stdout.write(
            _(
                "バックアップを作成しました: %(path)s（%(engine)s 形式、%(tables)s 表・%(rows)s 行、"
                "ファイル %(files)s 件）"
            )
            % {
                "path": summary.path,
                "engine": summary.engine,
                "tables": tables,
                "rows": summary.total_rows,
                "files": len(summary.files),
            }
        )
        if summary.missing_files:
            self.stderr.write(
                _("次のファイルは記録がありますが保存場所に見つからず、含めていません: %(files)s")
                % {"files": _("、").join(summary.missing_files)}
            )
