"""API tokens: issued for a password (shown once, hashed at rest), used, listed, revoked."""

import hashlib

import pytest
from rest_framework.test import APIClient

from chonaikai.accounts.models import ApiToken
from chonaikai.audit.models import AuditEvent
from tests.api.conftest import error, is_japanese

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
TOKENS_URL = "/api/v1/auth/tokens/"
PASSWORD = "correct horse battery"  # tests.factories.UserFactory


def obtain(client, username, password=PASSWORD, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password, **extra}, format="json")


def test_a_password_gets_a_token_that_is_stored_only_as_a_hash(anon, ward_staff_chuo):
    response = obtain(anon, "ward_staff_chuo", name="集計スクリプト")
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["token"]
    assert key.startswith("cnk_") and body["prefix"] == key[:12] and body["name"] == "集計スクリプト"
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {str(getattr(token, f.attname)) for f in ApiToken._meta.fields}
    assert AuditEvent.objects.filter(action="api_token.created", actor=ward_staff_chuo).exists()


def test_the_token_authenticates_and_records_its_use(anon, ward_staff_chuo):
    key = obtain(anon, "ward_staff_chuo").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/rounds/").status_code == 200  # ward staff only
    assert ApiToken.objects.get().last_used_at is not None


def test_a_wrong_password_is_refused_in_japanese(anon, ward_staff_chuo):
    body = error(obtain(anon, "ward_staff_chuo", password="wrong password!"), 400)
    assert is_japanese(body["message"])
    assert not ApiToken.objects.exists()


def test_missing_credentials_are_named(anon):
    body = error(anon.post(TOKEN_URL, {}, format="json"), 400)
    assert set(body["extra"]["fields"]) == {"username", "password"}


def test_an_inactive_user_gets_no_token(anon, ward_staff_chuo):
    ward_staff_chuo.is_active = False
    ward_staff_chuo.save()
    error(obtain(anon, "ward_staff_chuo"), 400)


def test_delete_revokes_the_token_in_use(anon, ward_staff_chuo):
    key = obtain(anon, "ward_staff_chuo").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete(TOKEN_URL).status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    body = error(client.get("/api/v1/rounds/"), 401)
    assert "無効" in body["message"]
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_delete_without_a_token_is_unauthenticated(anon):
    error(anon.delete(TOKEN_URL), 401)


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token cnk_not-a-real-key", "Token 日本語"])
def test_malformed_or_unknown_tokens_are_401_even_on_public_endpoints(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
    body = error(client.get("/api/v1/wards/"), 401)
    assert is_japanese(body["message"])


def test_a_deactivated_users_token_stops_working(client_for, ward_staff_chuo):
    client = client_for(ward_staff_chuo)
    ward_staff_chuo.is_active = False
    ward_staff_chuo.save()
    error(client.get("/api/v1/rounds/"), 401)


def test_users_list_their_own_tokens_and_admins_everyones(client_for, ward_staff_chuo, city_admin):
    staff = client_for(ward_staff_chuo)
    admin = client_for(city_admin)
    own = staff.get(TOKENS_URL).json()["results"]
    assert {t["user"] for t in own} == {"ward_staff_chuo"}
    assert "token" not in own[0] and "key_hash" not in own[0]
    assert {t["user"] for t in admin.get(TOKENS_URL).json()["results"]} == {"ward_staff_chuo", "city_admin"}


def test_a_signed_in_user_creates_a_named_token_for_themselves(client_for, leader_a):
    response = client_for(leader_a, session=True).post(TOKENS_URL, {"name": "自分用"}, format="json")
    assert response.status_code == 201
    assert response.json()["user"] == "leader_a" and response.json()["token"].startswith("cnk_")


def test_the_city_admin_creates_a_token_for_someone_else(client_for, city_admin, ward_staff_kita):
    response = client_for(city_admin, session=True).post(
        TOKENS_URL, {"user": "ward_staff_kita"}, format="json"
    )
    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert (token.user, token.created_by) == (ward_staff_kita, city_admin)


def test_others_cannot_create_or_revoke_someone_elses_tokens(client_for, ward_staff_chuo, ward_staff_kita):
    chuo = client_for(ward_staff_chuo, session=True)
    error(chuo.post(TOKENS_URL, {"user": "ward_staff_kita"}, format="json"), 404)
    kita_token = ApiToken.objects.create(user=ward_staff_kita, key_hash="x" * 64, prefix="cnk_x")
    error(chuo.delete(f"{TOKENS_URL}{kita_token.pk}/"), 404)
    kita_token.refresh_from_db()
    assert kita_token.revoked_at is None


def test_the_city_admin_revokes_a_leaked_token(client_for, city_admin, ward_staff_kita):
    leaked = client_for(ward_staff_kita)
    token = ApiToken.objects.get(user=ward_staff_kita)
    assert client_for(city_admin).delete(f"{TOKENS_URL}{token.pk}/").status_code == 204
    error(leaked.get("/api/v1/rounds/"), 401)


def test_password_exchange_is_rate_limited(anon, ward_staff_chuo, api_settings):
    api_settings.REST_FRAMEWORK = {
        **api_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "login": "3/minute"},
    }
    for _ in range(3):
        obtain(anon, "ward_staff_chuo", password="wrong password!")
    body = error(obtain(anon, "ward_staff_chuo"), 429)
    assert is_japanese(body["message"]) and body["extra"]["wait"] > 0


def test_a_locked_out_login_answers_json_not_the_lockout_page(anon, ward_staff_chuo, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        obtain(anon, "ward_staff_chuo", password="wrong password!")
    response = obtain(anon, "ward_staff_chuo")  # the right password, but locked out
    body = error(response, 429)
    assert is_japanese(body["message"]) and int(response["Retry-After"]) == body["extra"]["wait"]
    assert not ApiToken.objects.exists()


def test_the_command_line_prints_a_working_token(ward_staff_chuo):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_api_token", "ward_staff_chuo", "--name", "CI", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/rounds/").status_code == 200
    assert ApiToken.objects.get().created_by is None  # the operator, not a user
