"""Every form checks its CSRF token: a POST without one is refused (403) and changes nothing."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client():
    """The test client skips CSRF checks unless asked; browsers do not."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize(
    "path, data",
    [
        ("/accounts/login/", {"username": "someone", "password": "correct horse battery"}),
        ("/accounts/password_reset/", {"email": "someone@example.jp"}),
        ("/i18n/setlang/", {"language": "en", "next": "/"}),
        ("/admin/login/", {"username": "someone", "password": "correct horse battery"}),
    ],
)
def test_anonymous_forms_refuse_a_post_without_token(strict_client, path, data):
    UserFactory(username="someone", email="someone@example.jp")

    response = strict_client.post(path, data)

    assert response.status_code == 403
    assert "_auth_user_id" not in strict_client.session
    assert "django_language" not in response.cookies


def test_logout_and_password_change_refuse_a_post_without_token(strict_client):
    user = UserFactory(username="someone")
    strict_client.force_login(user)

    change = strict_client.post(
        "/accounts/password_change/",
        {
            "old_password": "correct horse battery",
            "new_password1": "x7!new-pass-2024",
            "new_password2": "x7!new-pass-2024",
        },
    )
    logout = strict_client.post("/accounts/logout/")

    assert change.status_code == 403
    assert logout.status_code == 403
    user.refresh_from_db()
    assert user.check_password("correct horse battery")
    assert strict_client.session.get("_auth_user_id") == str(user.pk)


def test_the_same_login_with_its_token_is_accepted(strict_client):
    """The refusal above is about the token, not the form: with the token the login works."""
    UserFactory(username="someone")
    page = strict_client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value

    response = strict_client.post(
        "/accounts/login/",
        {"username": "someone", "password": "correct horse battery", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert "_auth_user_id" in strict_client.session
