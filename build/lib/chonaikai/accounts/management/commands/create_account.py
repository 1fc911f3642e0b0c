"""manage.py create_account USERNAME --role ROLE [--ward CODE] [--association CODE] [--email E]

The password comes from the CHONAIKAI_PASSWORD environment variable, or is asked for twice.
"""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from chonaikai.accounts.models import Role
from chonaikai.accounts.services import account_check, account_create
from chonaikai.associations.models import Association
from wards.models import Ward

PASSWORD_ENV = "CHONAIKAI_PASSWORD"

FIELD_LABELS = {
    "username": "ユーザー名",
    "role": "役割（--role）",
    "ward": "区（--ward）",
    "association": "町内会（--association）",
    "email": "メールアドレス（--email）",
    "password": "パスワード",
}


def format_validation_error(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return "\n".join(error.messages)
    return "\n".join(
        f"{FIELD_LABELS.get(field, field)}: {message}"
        for field, messages in error.message_dict.items()
        for message in messages
    )


class Command(BaseCommand):
    help = (
        "利用者アカウントを1件作成し、役割を割り当てます。パスワードは環境変数 "
        f"{PASSWORD_ENV} から読むか、対話的に2回入力します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="ユーザー名")
        parser.add_argument(
            "--role",
            required=True,
            choices=Role.values,
            help="役割: " + "、".join(f"{r.value}={r.label}" for r in Role),
        )
        parser.add_argument("--ward", metavar="CODE", help="担当区の区コード（ward_staff のみ。例: 01101）")
        parser.add_argument(
            "--association", metavar="CODE", help="担当町内会の町内会コード（association_leader のみ）"
        )
        parser.add_argument("--email", default="", help="メールアドレス（パスワード再設定に使います）")

    def handle(self, *args, username, role, ward, association, email, **options):
        ward_obj = self._ward(ward)
        association_obj = self._association(association)
        try:
            # Report a taken username or a wrong combination before asking for a password.
            account_check(
                username=username, role=role, ward=ward_obj, association=association_obj, email=email
            )
            user = account_create(
                actor=None,
                username=username,
                role=role,
                ward=ward_obj,
                association=association_obj,
                email=email,
                password=self._password(),
            )
        except ValidationError as e:
            raise CommandError(format_validation_error(e)) from e

        scope = ward_obj or association_obj
        scope_text = f"、担当: {scope}" if scope else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"アカウント「{user.get_username()}」を作成しました（役割: {Role(role).label}{scope_text}）。"
            )
        )

    def _ward(self, code):
        if not code:
            return None
        code = code.strip()
        ward = Ward.objects.filter(code=code).first()
        if ward is None:
            raise CommandError(f"区コード「{code}」の区が見つかりません（5桁の区コード、例: 01101）。")
        return ward

    def _association(self, code):
        if not code:
            return None
        code = code.strip()
        association = Association.objects.filter(code=code).first()
        if association is None:
            raise CommandError(f"町内会コード「{code}」の町内会が見つかりません（例: 01101-0001）。")
        return association

    def _password(self) -> str:
        password = os.environ.get(PASSWORD_ENV)
        if password is not None:
            if not password:
                raise CommandError(f"環境変数 {PASSWORD_ENV} が空です。")
            return password
        try:
            first = getpass.getpass("パスワード: ")
            second = getpass.getpass("パスワード（確認）: ")
        except (EOFError, KeyboardInterrupt) as e:
            raise CommandError("パスワードの入力が中断されました。") from e
        if first != second:
            raise CommandError("2回入力したパスワードが一致しません。")
        if not first:
            raise CommandError("パスワードを入力してください。")
        return first
