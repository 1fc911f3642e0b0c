"""manage.py create_account USERNAME --role ROLE [--ward CODE] [--association CODE] [--email E]

The password comes from the CHONAIKAI_PASSWORD environment variable, or is asked for twice.
Here with the operations, above the domains: it reads the association a leader is given, which the
accounts' role core does not know (README, Architecture).
"""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.accounts.models import Role, role_label
from chonaikai.accounts.services import account_check, account_create
from chonaikai.associations import code_format
from chonaikai.associations.models import Association
from chonaikai.cities.texts import labelled, words
from wards.models import Ward

PASSWORD_ENV = "CHONAIKAI_PASSWORD"

FIELD_LABELS = {
    "username": gettext_lazy("ユーザー名"),
    "role": gettext_lazy("役割（--role）"),
    "ward": labelled(gettext_lazy("%(area)s（--ward）")),
    "association": gettext_lazy("町内会（--association）"),
    "email": gettext_lazy("メールアドレス（--email）"),
    "password": gettext_lazy("パスワード"),
}


def format_validation_error(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return "\n".join(error.messages)
    return "\n".join(
        _("%(field)s: %(message)s") % {"field": FIELD_LABELS.get(field, field), "message": message}
        for field, messages in error.message_dict.items()
        for message in messages
    )


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return _(
            "利用者アカウントを1件作成し、役割を割り当てます。パスワードは環境変数 "
            "CHONAIKAI_PASSWORD から読むか、対話的に2回入力します。"
        )

    def add_arguments(self, parser):
        parser.add_argument("username", help=gettext_lazy("ユーザー名"))
        parser.add_argument(
            "--role",
            required=True,
            choices=Role.values,
            help=_("役割: %(roles)s") % {"roles": _("、").join(f"{r.value}={role_label(r)}" for r in Role)},
        )
        parser.add_argument(
            "--ward",
            metavar="CODE",
            help=labelled(gettext_lazy("担当%(area)sの%(area)sコード（ward_staff のみ。例: %(area_code)s）")),
        )
        parser.add_argument(
            "--association",
            metavar="CODE",
            help=gettext_lazy("担当町内会の町内会コード（association_leader のみ）"),
        )
        parser.add_argument(
            "--email", default="", help=gettext_lazy("メールアドレス（パスワード再設定に使います）")
        )

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
        values = {"username": user.get_username(), "role": role_label(role), "scope": scope}
        if scope:
            message = (
                _("アカウント「%(username)s」を作成しました（役割: %(role)s、担当: %(scope)s）。") % values
            )
        else:
            message = _("アカウント「%(username)s」を作成しました（役割: %(role)s）。") % values
        self.stdout.write(self.style.SUCCESS(message))

    def _ward(self, code):
        if not code:
            return None
        code = code.strip()
        ward = Ward.objects.filter(code=code).first()
        if ward is None:
            raise CommandError(
                _(
                    "%(area)sコード「%(code)s」の%(area)sが見つかりません（5桁の%(area)sコード、例: %(area_code)s）。"
                )
                % {**words(), "code": code}
            )
        return ward

    def _association(self, code):
        if not code:
            return None
        code = code.strip()
        association = Association.objects.filter(code=code).first()
        if association is None:
            raise CommandError(
                _("町内会コード「%(code)s」の町内会が見つかりません（例: %(example)s）。")
                % {"code": code, "example": code_format.example()}
            )
        return association

    def _password(self) -> str:
        password = os.environ.get(PASSWORD_ENV)
        if password is not None:
            if not password:
                raise CommandError(_("環境変数 %(name)s が空です。") % {"name": PASSWORD_ENV})
            return password
        try:
            first = getpass.getpass(_("パスワード: "))
            second = getpass.getpass(_("パスワード（確認）: "))
        except (EOFError, KeyboardInterrupt) as e:
            raise CommandError(_("パスワードの入力が中断されました。")) from e
        if first != second:
            raise CommandError(_("2回入力したパスワードが一致しません。"))
        if not first:
            raise CommandError(_("パスワードを入力してください。"))
        return first
