"""manage.py changepassword, as Django's, and the new password revokes the user's API tokens."""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.db import transaction

from chonaikai.accounts import tokens


class Command(changepassword.Command):
    def handle(self, *args, **options):
        database = options["database"]
        username = options["username"] or getpass.getuser()  # as Django's command picks the user
        with transaction.atomic(using=database):
            result = super().handle(*args, **options)  # CommandError (nothing changed) on failure
            User = get_user_model()
            user = User._default_manager.using(database).get(**{User.USERNAME_FIELD: username})
            revoked = tokens.api_tokens_revoke_all(
                actor=None, owner=user, reason=tokens.PasswordChange.COMMAND
            )
        if revoked:
            self.stdout.write(f"Revoked {revoked} API token(s) of '{user.get_username()}'.")
        return result
