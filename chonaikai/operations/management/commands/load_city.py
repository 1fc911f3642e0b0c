"""manage.py load_city cities/<name> [--boundaries FILE …]: load a city profile (cities/README.md)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from chonaikai.cities.profile import ProfileError, read_profile
from chonaikai.operations.city_profile import load_profile


class Command(BaseCommand):
    help = _("市町村のプロファイル（cities/<名前>）を読み込みます。何度実行しても同じ結果になります。")

    def add_arguments(self, parser):
        parser.add_argument("profile", help=_("プロファイルのフォルダ（例: cities/sendai）"))
        parser.add_argument(
            "--boundaries",
            nargs="+",
            metavar="FILE",
            help=_("続けて取り込む境界ファイル（import_boundaries と同じ。フォルダ・zip・複数ファイル可）"),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("検査だけをして、何も書き込みません。"))

    def handle(self, *args, profile, boundaries=None, dry_run=False, **options):
        try:
            checked = read_profile(profile)
        except ProfileError as error:
            raise CommandError(self._problems(profile, error)) from None
        if dry_run:
            self.stdout.write(
                _("%(folder)s: 問題はありません（%(name)s、区域 %(areas)d、補助制度の年度 %(years)d）。")
                % {
                    "folder": profile,
                    "name": checked.city["name"],
                    "areas": len(checked.areas),
                    "years": len(checked.programmes),
                }
            )
            return
        try:
            report = load_profile(checked)
        except ProfileError as error:
            raise CommandError(self._problems(profile, error)) from None
        for line in report.created:
            self.stdout.write(_("追加: %(what)s") % {"what": line})
        for line in report.updated:
            self.stdout.write(_("更新: %(what)s") % {"what": line})
        for line in report.not_in_profile:
            self.stdout.write(
                self.style.WARNING(_("プロファイルにない区域（残しています）: %(what)s") % {"what": line})
            )
        if report.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "%(name)s を読み込みました（追加 %(created)d、更新 %(updated)d）。動いているサーバーは再起動してください。"
                    )
                    % {
                        "name": checked.city["name"],
                        "created": len(report.created),
                        "updated": len(report.updated),
                    }
                )
            )
        else:
            self.stdout.write(_("%(name)s: 変更はありません。") % {"name": checked.city["name"]})
        if boundaries:
            call_command("import_boundaries", *boundaries, stdout=self.stdout, stderr=self.stderr)

    @staticmethod
    def _problems(folder, error: ProfileError) -> str:
        lines = [
            _("%(folder)s を読み込めません（%(count)d 件）。何も書き込んでいません。")
            % {"folder": folder, "count": len(error.problems)}
        ]
        return "\n".join(lines + [f"  - {problem}" for problem in error.problems])
