"""Login, logout and password pages are Django's auth views; this adjusts the reset request and has
the password change and reset revoke the user's API tokens (tokens.api_tokens_revoke_all)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import transaction

from chonaikai.cities.current import city

from . import tokens
from .forms import LoginForm, PasswordResetForm


class LoginView(auth_views.LoginView):
    """The login page. A `next` of the top page counts as none: whoever clicked 「ログイン」 there lands
    on their start page (LOGIN_REDIRECT_URL), and is not told 「このページを見るにはログインしてください」."""

    form_class = LoginForm

    def get_redirect_url(self):
        url = super().get_redirect_url()
        return "" if url == "/" else url


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    @property
    def extra_email_context(self):
        return {"site_title": settings.SITE_TITLE, "city_name": city().name}


class PasswordChangeView(auth_views.PasswordChangeView):
    """A new password ends the user's API tokens: a leaked token ends with the leaked password."""

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)  # saves the new password
        tokens.api_tokens_revoke_all(
            actor=self.request.user, owner=form.user, reason=tokens.PasswordChange.CHANGED
        )
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """As PasswordChangeView, for the emailed reset link (the actor is the user who had the link)."""

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        tokens.api_tokens_revoke_all(actor=form.user, owner=form.user, reason=tokens.PasswordChange.RESET)
        return response
