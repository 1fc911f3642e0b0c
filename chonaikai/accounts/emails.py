"""Account emails. Texts are templates under templates/accounts/emails/ (Japanese)."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from chonaikai.cities.current import city

from .policy import role_of


def password_setup_url(user, *, site_url: str) -> str:
    """The one-time link to set a password: Django's password-reset confirm page."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    return site_url.rstrip("/") + path


def send_password_setup_email(*, user, site_url: str) -> None:
    """Tell a new user their username and where to set their password."""
    assignment = role_of(user)
    context = {
        "user": user,
        "username": user.get_username(),
        "assignment": assignment,
        "url": password_setup_url(user, site_url=site_url),
        "login_url": site_url.rstrip("/") + reverse("login"),
        "reset_url": site_url.rstrip("/") + reverse("password_reset"),
        "site_title": settings.SITE_TITLE,
        "city_name": city().name,
        "timeout_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    # In the site's language: the new user is not the administrator whose request may send this.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("accounts/emails/password_setup_subject.txt", context)
        subject = "".join(subject.splitlines())  # a newline in a subject breaks the header
        body = render_to_string("accounts/emails/password_setup_email.txt", context)
    send_mail(subject, body, None, [user.email])
