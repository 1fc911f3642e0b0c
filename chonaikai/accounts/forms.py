"""Account forms."""

import unicodedata

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from chonaikai.cities.texts import labelled

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


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form with its refusals in plain words (the stock sentence names 「スタッフ
    アカウント」 and case sensitivity in terms a leader does not use)."""

    error_messages = {
        "invalid_login": _(
            "ユーザー名かパスワードが違います。もう一度入力してください。"
            "パスワードは大文字と小文字、全角と半角を区別します。"
        ),
        "inactive": labelled(
            _("このアカウントは使えなくなっています。%(area_office)sか市の担当者に連絡してください。")
        ),
    }
