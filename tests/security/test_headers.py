"""Security headers on every page: CSP with a per-request nonce and no inline script, framing, referrer."""

import re

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_pages_send_a_content_security_policy_without_inline_scripts(client):
    policy = directives(client.get("/"))

    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["style-src"]
    assert policy["img-src"][:2] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_a_page_without_inline_script_gets_no_nonce(client):
    """django-csp adds the nonce only when a template used it: no nonce nobody needs."""
    policy = directives(client.get("/associations/"))

    assert not any(v.startswith("'nonce-") for v in policy["script-src"])


def test_framing_referrer_and_sniffing_are_refused(client):
    response = client.get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_staff_sessions_end_after_a_working_day_or_when_the_browser_closes(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_the_tile_server_is_allowed_for_images_only_when_configured():
    from chonaikai.settings import _tile_sources

    assert _tile_sources("") == []
    assert _tile_sources("/tiles/{z}/{x}/{y}.png") == []
    assert _tile_sources("https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png") == [
        "https://cyberjapandata.gsi.go.jp"
    ]
    assert _tile_sources("https://{s}.tile.example.jp/{z}/{x}/{y}.png") == ["https://*.tile.example.jp"]


class TestMapPage:
    """folium writes inline <script> and <style>: each carries the request's nonce, or the map is blank."""

    @pytest.fixture(autouse=True)
    def _map_data(self, db):
        from django.core.cache import cache

        from tests.factories import AssociationFactory, HouseholdCountFactory
        from tests.maps.boundary_files import import_synthetic_boundaries

        cache.clear()
        import_synthetic_boundaries()
        HouseholdCountFactory(association=AssociationFactory(), households=1000, member_households=700)
        yield
        cache.clear()

    def test_every_inline_script_and_style_of_the_map_page_carries_the_nonce(self, client):
        response = client.get("/maps/")
        html = response.content.decode()
        nonces = [v for v in directives(response)["script-src"] if v.startswith("'nonce-")]

        assert response.status_code == 200
        assert "L.map(" in html  # the folium map is on the page
        assert len(nonces) == 1
        nonce = nonces[0].removeprefix("'nonce-").removesuffix("'")
        inline_scripts = [
            tag
            for tag in re.findall(r"<script\b[^>]*>", html)
            if "src=" not in tag and "application/json" not in tag
        ]
        styles = re.findall(r"<style\b[^>]*>", html)
        assert inline_scripts and styles
        assert all(f'nonce="{nonce}"' in tag for tag in inline_scripts + styles), inline_scripts + styles
        assert not re.search(r"\son[a-z]+\s*=", html), "inline event handlers would be blocked"
        assert "javascript:" not in html

    def test_the_nonce_changes_with_every_request(self, client):
        first = directives(client.get("/maps/"))["script-src"]
        second = directives(client.get("/maps/"))["script-src"]

        assert first != second


# Downloaded files opened from disk, where no Content-Security-Policy applies.
STANDALONE_TEMPLATES = {"maps/templates/maps/ward_map_export.html"}


def project_templates():
    from tests.maps.boundary_files import REPO

    for path in sorted(REPO.glob("*/**/templates/**/*.html")):
        relative = path.relative_to(REPO).as_posix()
        if not relative.startswith((".venv/", "staticfiles/")) and relative not in STANDALONE_TEMPLATES:
            yield relative, path.read_text(encoding="utf-8")


def test_no_template_has_an_inline_script_or_style_without_the_nonce():
    """The policy blocks them: a template that needs one writes nonce="{{ request.csp_nonce }}"."""
    offenders = []
    for name, text in project_templates():
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
            if "src=" in tag or "application/json" in tag or "request.csp_nonce" in tag:
                continue
            offenders.append(f"{name}: {tag}")
        for handler in re.findall(r"""\son[a-z]+\s*=\s*["']|javascript:""", text):
            offenders.append(f"{name}: {handler.strip()}")
    assert offenders == []
