"""Japanese by default whatever the browser asks for; English when chosen in the menu."""

import pytest

pytestmark = pytest.mark.django_db


def test_pages_are_japanese_even_when_the_browser_prefers_english(client):
    response = client.get("/wards/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="ja">' in response.text
    assert response["Content-Language"] == "ja"


def test_language_menu_switches_to_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/wards/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/wards/").text
    client.post("/i18n/setlang/", {"language": "ja", "next": "/wards/"})
    assert '<html lang="ja">' in client.get("/wards/").text


def test_unknown_language_cookie_falls_back_to_japanese(client):
    client.cookies["django_language"] = "xx"
    assert '<html lang="ja">' in client.get("/wards/").text
