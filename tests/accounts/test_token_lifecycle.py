"""API tokens over their life: a password change or reset revokes the user's tokens through one
service (tokens.api_tokens_revoke_for_password_change), audited with whoever changed it; tokens
carry an expiry (settings.API_TOKEN_LIFETIME_DAYS) and an expired token is a 401 in the error shape."""

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from chonaikai.accounts import tokens
from chonaikai.accounts.models import ApiToken
from chonaikai.audit.models import AuditEvent
from tests.api.conftest import error, is_japanese
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.UserFactory
NEW_PASSWORD = "a much longer new passphrase 42"
ROUNDS = "/api/v1/rounds/"


def token_client(user, **kwargs):
    _token, key = tokens.api_token_create(actor=None, user=user, name="script", **kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def revocations(user):
    return AuditEvent.objects.filter(action="api_token.revoked_all", subject_id=str(user.pk))


# The service


def test_the_service_revokes_every_active_token_of_the_user_and_records_the_actor(
    ward_staff_chuo, ward_staff_kita, city_admin
):
    token_client(ward_staff_chuo), token_client(ward_staff_chuo)
    kept = token_client(ward_staff_kita)

    revoked = tokens.api_tokens_revoke_all(actor=city_admin, owner=ward_staff_chuo, reason="password_changed")

    assert revoked == 2
    assert not ApiToken.objects.filter(user=ward_staff_chuo, revoked_at__isnull=True).exists()
    event = revocations(ward_staff_chuo).get()
    assert event.actor == city_admin and event.after == {"revoked": 2, "reason": "password_changed"}
    assert kept.get(ROUNDS).status_code == 200


def test_no_post_save_receiver_on_the_user_model_revokes_tokens():
    """Revocation is the views' and commands' explicit call, not a receiver reading a private field."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save

    assert not post_save.disconnect(
        sender=get_user_model(), dispatch_uid="api-revoke-tokens-on-password-change"
    )


# Every way a password is changed


def test_the_password_change_page_revokes_the_tokens_with_the_user_as_actor(client, ward_staff_chuo):
    leaked = token_client(ward_staff_chuo)
    client.force_login(ward_staff_chuo)

    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    error(leaked.get(ROUNDS), 401)
    assert revocations(ward_staff_chuo).get().actor == ward_staff_chuo


def test_a_password_reset_revokes_the_tokens_with_the_user_as_actor(client, ward_staff_chuo):
    leaked = token_client(ward_staff_chuo)
    uid = urlsafe_base64_encode(force_bytes(ward_staff_chuo.pk))
    link = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(ward_staff_chuo)}/")

    client.post(link["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    error(leaked.get(ROUNDS), 401)
    event = revocations(ward_staff_chuo).get()
    assert event.actor == ward_staff_chuo and event.after["reason"] == "password_reset"


def test_a_failed_password_change_keeps_the_tokens(client, ward_staff_chuo):
    kept = token_client(ward_staff_chuo)
    client.force_login(ward_staff_chuo)

    client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert kept.get(ROUNDS).status_code == 200 and not revocations(ward_staff_chuo).exists()


def test_the_admins_password_change_revokes_the_tokens_with_the_admin_as_actor(client, ward_staff_chuo):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    leaked = token_client(ward_staff_chuo)
    client.force_login(admin)

    response = client.post(
        f"/admin/auth/user/{ward_staff_chuo.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content[:500]
    error(leaked.get(ROUNDS), 401)
    event = revocations(ward_staff_chuo).get()
    assert event.actor == admin and event.after["reason"] == "password_changed_by_admin"


def test_the_changepassword_command_revokes_the_tokens(ward_staff_chuo, monkeypatch):
    leaked = token_client(ward_staff_chuo)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)

    call_command("changepassword", ward_staff_chuo.username, stdout=io.StringIO())

    error(leaked.get(ROUNDS), 401)
    assert revocations(ward_staff_chuo).get().actor is None  # the server's operator


# Expiry


def test_a_new_token_expires_after_the_configured_lifetime(ward_staff_chuo, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    with time_machine.travel(timezone.now(), tick=False):
        token, _key = tokens.api_token_create(actor=None, user=ward_staff_chuo)

    assert token.expires_at - token.created_at == dt.timedelta(days=30)


def test_a_lifetime_of_zero_gives_tokens_that_do_not_expire(ward_staff_chuo, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 0
    token, _key = tokens.api_token_create(actor=None, user=ward_staff_chuo)

    assert token.expires_at is None


def test_an_expired_token_is_refused_with_401_in_the_error_shape(ward_staff_chuo, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client = token_client(ward_staff_chuo)
    with time_machine.travel(start + dt.timedelta(days=29), tick=False):
        assert client.get(ROUNDS).status_code == 200
    with time_machine.travel(start + dt.timedelta(days=30, seconds=1), tick=False):
        body = error(client.get(ROUNDS), 401)
    assert is_japanese(body["message"]) and "期限" in body["message"]


def test_the_token_list_shows_the_expiry(ward_staff_chuo, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 90
    token, _key = tokens.api_token_create(actor=None, user=ward_staff_chuo, name="script")
    client = APIClient()
    client.force_login(ward_staff_chuo)

    listed = client.get("/api/v1/auth/tokens/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    row = next(r for r in rows if r["id"] == token.pk)
    assert row["expires_at"] is not None and row["is_active"] is True
