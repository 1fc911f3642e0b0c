"""Account forms."""

import unicodedata

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model

UserModel = get_user_model()


def _same_email(a: str, b: str) -> bool:
    # As Django's reset form compares: NFKC, then case-folded.
    return unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, but also for active users who have never set a password.

    Accounts provisioned by import_accounts start with an unusable password and set one through
    this link; Django's form skips such users, which would leave an expired invitation with no
    way forward. Accounts are disabled with is_active=False here, never with an unusable password.
    """

    def get_users(self, email):
        email_field_name = UserModel.get_email_field_name()
        users = UserModel._default_manager.filter(**{f"{email_field_name}__iexact": email, "is_active": True})
        return (u for u in users if _same_email(email, getattr(u, email_field_name)))
