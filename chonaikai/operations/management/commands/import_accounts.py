"""manage.py import_accounts FILE.csv: provision many accounts (usually association leaders) at once.

All or nothing: if any row is wrong, every error is listed with its row and column and nothing is
written. Passwords are never in the file: accounts start without one; users with an email address
get a password-set email, the others are listed so that an administrator can set one.

Here with the operations, above the domains: the rows name associations, which the accounts' role
core does not know (README, Architecture); this command reads them for accounts_import.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from chonaikai.accounts.imports import CsvFileError, format_error, parse_rows
from chonaikai.accounts.services import AccountImportError, accounts_import
from chonaikai.associations.models import Association


def associations_by_code(codes: set[str]) -> dict[str, Association]:
    return Association.objects.in_bulk(codes, field_name="code")


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return _(
            "CSV（UTF-8、BOM付きUTF-8、CP932）から利用者アカウントを一括作成します。見出し: "
            "username,role,ward,association,email（または ユーザー名,役割,区コード,町内会コード,メールアドレス）。"
            "1行でも誤りがあれば1件も登録しません。"
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help=gettext_lazy("CSVファイル"))
        parser.add_argument(
            "--site-url",
            default=None,
            help=gettext_lazy(
                "パスワード設定メールのリンクに使うサイトのURL（例: https://chonaikai.example.jp）。"
                "省略時は設定 SITE_URL（DEBUG 時は http://localhost:8000）。"
            ),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=gettext_lazy("検査だけ行い、登録しません。")
        )

    def handle(self, *args, file, site_url, dry_run, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as e:
            raise CommandError(
                _("ファイル「%(file)s」を読めません（%(error)s）。") % {"file": file, "error": e.strerror}
            ) from e
        if site_url is None:
            site_url = getattr(settings, "SITE_URL", "") or (
                "http://localhost:8000" if settings.DEBUG else ""
            )

        try:
            rows, errors, encoding = parse_rows(data)
        except CsvFileError as e:
            raise CommandError(_("%(file)s: %(error)s") % {"file": path.name, "error": e}) from e
        self.stdout.write(
            _("%(file)s: 文字コード %(encoding)s、%(rows)d行")
            % {"file": path.name, "encoding": encoding, "rows": len(rows) + len(errors)}
        )
        if not site_url and any(row.email for row in rows):
            raise CommandError(
                _(
                    "パスワード設定メールのリンクに使うサイトのURLを --site-url で指定してください"
                    "（例: --site-url https://chonaikai.example.jp）。設定 SITE_URL でも指定できます。"
                )
            )

        created = []
        if not errors:
            try:
                with transaction.atomic():
                    created = accounts_import(
                        actor=None, rows=rows, find_associations=associations_by_code, site_url=site_url
                    )
                    if dry_run:
                        transaction.set_rollback(True)  # also discards the scheduled emails
            except AccountImportError as e:
                errors = e.errors
        if errors:
            for error in sorted(errors, key=lambda e: e.line):
                self.stderr.write(format_error(error))
            raise CommandError(
                ngettext(
                    "%(n)d件の誤りがあるため、1件も登録していません。",
                    "%(n)d件の誤りがあるため、1件も登録していません。",
                    len(errors),
                )
                % {"n": len(errors)}
            )

        without_email = []
        for account in created:
            username = account.user.get_username()
            if account.invited:
                note = _("パスワード設定メールを送ります")
            else:
                note = _("メールアドレスがないため、パスワードは未設定です")
                without_email.append(username)
            self.stdout.write(f"  {username}: {note}")
        if dry_run:
            message = ngettext(
                "%(n)d件のアカウントを登録できます（--dry-run のため登録していません）。",
                "%(n)d件のアカウントを登録できます（--dry-run のため登録していません）。",
                len(created),
            )
        else:
            message = ngettext(
                "%(n)d件のアカウントを登録しました。", "%(n)d件のアカウントを登録しました。", len(created)
            )
        self.stdout.write(self.style.SUCCESS(message % {"n": len(created)}))
        if without_email and not dry_run:
            self.stdout.write(
                _(
                    "メールアドレスのないアカウントはまだログインできません。"
                    "「manage.py changepassword ユーザー名」でパスワードを設定して本人に伝えるか、"
                    "管理画面でメールアドレスを登録してから、ログイン画面の「パスワードをお忘れの方」で"
                    "再設定メールを送ってください: %(usernames)s"
                )
                % {"usernames": _("、").join(without_email)}
            )
