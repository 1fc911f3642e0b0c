"""What every public page shares: base.html, language, no external resources."""

import re

import pytest

from tests.pages.conftest import page_text

PAGES = ["/", "/associations/", "/wards/", "/wards/01101/"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_page(city):
    return [*PAGES, f"/associations/{city.odori.code}/"]


def test_every_page_is_japanese_by_default_with_skip_link_nav_and_language_form(client, every_page):
    for url in every_page:
        html = page_text(client.get(url))
        assert '<html lang="ja">' in html, url
        assert 'href="#main"' in html and 'id="main"' in html, url
        for label in ("ダッシュボード", "町内会一覧", "区一覧", "地図"):
            assert label in html, (url, label)
        assert 'href="/maps/"' in html
        assert 'action="/i18n/setlang/"' in html
        assert 'name="language" value="en"' in html
        assert "（サンプル）" in html  # the footer's note on sample data


def test_every_page_has_its_own_title(client, every_page, city):
    titles = {
        url: re.search(r"<title>(.*?)</title>", page_text(client.get(url)), re.S).group(1)
        for url in every_page
    }
    assert len(set(titles.values())) == len(titles), titles
    assert city.odori.name in titles[f"/associations/{city.odori.code}/"]
    assert "町内会・自治会 加入状況システム" in titles["/"]


def test_no_page_loads_scripts_or_stylesheets_from_another_site(client, every_page):
    for url in every_page:
        html = page_text(client.get(url))
        assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html, re.I), url
        assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", html, re.I), url
        assert "@import" not in html


def test_the_navigation_marks_the_current_section(client):
    html = page_text(client.get("/wards/"))
    assert re.search(r'href="/wards/"\s+aria-current="page"', html)
    assert not re.search(r'href="/"\s+aria-current="page"', html)


def test_pages_render_in_english_when_chosen_in_the_menu(client, every_page, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in every_page:
        html = page_text(client.get(url))
        assert '<html lang="en">' in html, url


def test_pages_stay_japanese_when_only_the_browser_asks_for_english(client, every_page):
    for url in every_page:
        html = page_text(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
        assert '<html lang="ja">' in html, url


def test_the_language_form_switches_to_english_and_returns_to_the_page(client, city):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/wards/"})
    assert response.status_code == 302 and response["Location"] == "/wards/"
    assert '<html lang="en">' in page_text(client.get("/wards/"))


def test_unknown_pages_answer_404_with_the_site_layout(client, settings):
    settings.DEBUG = False
    response = client.get("/associations/99999-9999/")
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_the_stylesheet_is_served_locally():
    from django.contrib.staticfiles import finders

    path = finders.find("css/site.css")
    assert path
    with open(path, encoding="utf-8") as f:
        css = f.read()
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "@import" not in css
    assert ":focus-visible" in css
