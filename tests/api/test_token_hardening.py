"""Tokens as a bank would do them: a token cannot mint another; a password change or reset revokes
the user's tokens (a leaked token ends with the password that was changed because of it)."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from chonaikai.accounts import tokens
from chonaikai.accounts.models import ApiToken
from tests.api.conftest import error, is_japanese

pytestmark = pytest.mark.django_db

TOKENS_URL = "/api/v1/auth/tokens/"
PASSWORD = "correct horse battery"  # tests.factories.UserFactory
NEW_PASSWORD = "a much longer new passphrase 42"


def token_client(user):
    _token, key = tokens.api_token_create(actor=None, user=user, name="leaked")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_cannot_mint_a_new_token(ward_staff_chuo):
    body = error(token_client(ward_staff_chuo).post(TOKENS_URL, {"name": "more"}, format="json"), 403)

    assert is_japanese(body["message"])
    assert ApiToken.objects.count() == 1


def test_a_city_admins_token_cannot_mint_a_token_for_someone_else(city_admin, ward_staff_kita):
    error(token_client(city_admin).post(TOKENS_URL, {"user": "ward_staff_kita"}, format="json"), 403)

    assert not ApiToken.objects.filter(user=ward_staff_kita).exists()


def test_a_signed_in_session_still_mints_tokens(client_for, leader_a):
    response = client_for(leader_a, session=True).post(TOKENS_URL, {"name": "script"}, format="json")

    assert response.status_code == 201, response.content


def test_a_token_still_lists_and_revokes_tokens(ward_staff_chuo):
    client = token_client(ward_staff_chuo)

    assert client.get(TOKENS_URL).status_code == 200


def test_changing_the_password_on_the_site_revokes_the_users_tokens(client, ward_staff_chuo):
    leaked = token_client(ward_staff_chuo)
    assert leaked.get("/api/v1/rounds/").status_code == 200
    client.force_login(ward_staff_chuo)

    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302, response.content[:300]
    error(leaked.get("/api/v1/rounds/"), 401)
    assert not ApiToken.objects.filter(user=ward_staff_chuo, revoked_at__isnull=True).exists()


def test_a_password_reset_revokes_the_users_tokens(client, ward_staff_chuo, ward_staff_kita):
    leaked = token_client(ward_staff_chuo)
    others = token_client(ward_staff_kita)
    uid = urlsafe_base64_encode(force_bytes(ward_staff_chuo.pk))
    link = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(ward_staff_chuo)}/")
    assert link.status_code == 302  # to the set-password form

    response = client.post(link["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302, response.content[:300]
    error(leaked.get("/api/v1/rounds/"), 401)
    assert others.get("/api/v1/rounds/").status_code == 200  # only that user's tokens


def test_saving_a_user_without_a_new_password_keeps_the_tokens(ward_staff_chuo):
    client = token_client(ward_staff_chuo)
    ward_staff_chuo.email = "new@example.jp"
    ward_staff_chuo.save()

    assert client.get("/api/v1/rounds/").status_code == 200


REVOKE_ALL = "/api/v1/auth/tokens/revoke-all/"


def test_a_user_revokes_all_their_tokens_at_once(ward_staff_chuo, ward_staff_kita):
    first, second = token_client(ward_staff_chuo), token_client(ward_staff_chuo)
    other = token_client(ward_staff_kita)

    response = first.post(REVOKE_ALL, {}, format="json")

    assert response.status_code == 200 and response.json() == {"revoked": 2}
    error(first.get("/api/v1/rounds/"), 401)
    error(second.get("/api/v1/rounds/"), 401)
    assert other.get("/api/v1/rounds/").status_code == 200


def test_the_city_admin_revokes_all_of_someone_elses_tokens(client_for, city_admin, ward_staff_kita):
    leaked = token_client(ward_staff_kita)

    response = client_for(city_admin).post(REVOKE_ALL, {"user": "ward_staff_kita"}, format="json")

    assert response.json() == {"revoked": 1}
    error(leaked.get("/api/v1/rounds/"), 401)


def test_others_cannot_revoke_someone_elses_tokens_at_once(client_for, ward_staff_chuo, ward_staff_kita):
    kept = token_client(ward_staff_kita)

    error(client_for(ward_staff_chuo).post(REVOKE_ALL, {"user": "ward_staff_kita"}, format="json"), 404)

    assert kept.get("/api/v1/rounds/").status_code == 200
