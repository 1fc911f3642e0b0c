"""Login throttling (django-axes): 5 failures for one username from one address lock that pair for 30 minutes."""

import datetime as dt

import pytest
import time_machine

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct horse battery"


def login(client, username="leader", password=PASSWORD, address="203.0.113.5"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def leader(db):
    return UserFactory(username="leader")


def test_the_fifth_failure_locks_the_account_for_that_address_with_a_japanese_page(client, leader):
    for _ in range(4):
        assert login(client, password="wrong").status_code == 200  # the form again, with its error

    fifth = login(client, password="wrong")
    right_password = login(client)

    assert fifth.status_code == right_password.status_code == 429
    html = right_password.content.decode()
    assert "ログインを一時停止しています" in html
    assert "30分ほどたつと" in html
    assert not logged_in(client)


def test_the_lockout_is_per_username_and_address(client, leader):
    UserFactory(username="other")
    for _ in range(5):
        login(client, password="wrong")

    assert login(client, address="198.51.100.7").status_code == 302  # same user, another address
    client.logout()
    assert login(client, username="other").status_code == 302  # another user, same address


def test_the_lockout_ends_after_thirty_minutes(client, leader):
    start = dt.datetime(2024, 6, 3, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            login(client, password="wrong")
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert login(client).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=31), tick=False):
        assert login(client).status_code == 302
        assert logged_in(client)


def test_a_successful_login_resets_the_failure_count(client, leader):
    for _ in range(4):
        login(client, password="wrong")
    assert login(client).status_code == 302
    client.logout()

    for _ in range(4):
        assert login(client, password="wrong").status_code == 200

    assert login(client).status_code == 302


def test_the_admin_login_is_throttled_too(client, leader):
    for _ in range(5):
        client.post("/admin/login/", {"username": "leader", "password": "wrong"}, REMOTE_ADDR="203.0.113.5")

    assert login(client).status_code == 429


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(settings, rf):
    from chonaikai.operations.security import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    assert client_ip(request) == "10.0.0.2"  # no proxy configured: the header is not trusted

    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.5"  # what our one proxy saw; 1.2.3.4 was made up by the client

    settings.TRUSTED_PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.2"  # fewer entries than proxies: fall back to the peer


def test_password_rules_require_ten_characters_and_no_common_or_numeric_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["short1!", "1234567890123", "password1234"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("kita-ward-2024-spring")
