"""manage.py create_api_token USERNAME [--name NAME]

Prints a new API token for the user (the only time it is shown; the server keeps its hash).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.accounts.tokens import api_token_create


class Command(BaseCommand):
    @property
    def help(self):  # translated when the help is shown (argparse needs a plain str)
        return _("利用者のAPIトークンを発行し、標準出力に表示します（表示はこの一度だけです）。")

    def add_arguments(self, parser):
        parser.add_argument("username", help=gettext_lazy("ユーザー名"))
        parser.add_argument("--name", default="", help=gettext_lazy("トークンの名前（用途）"))

    def handle(self, *args, username, name, **options):
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(_("利用者「%(username)s」はいません。") % {"username": username})
        try:
            _token, key = api_token_create(actor=None, user=user, name=name)
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from e
        # The key alone on stdout, so that scripts can capture it: TOKEN=$(manage.py create_api_token …)
        self.stdout.write(key)
        self.stderr.write(
            _("利用者「%(username)s」のAPIトークンを発行しました。表示はこの一度だけです。")
            % {"username": username}
        )
