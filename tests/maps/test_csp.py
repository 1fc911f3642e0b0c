"""The map page under the site's Content-Security-Policy: every inline script and style carries the nonce."""

import re

import pytest

from maps.templatetags.map_tags import with_nonce

pytestmark = pytest.mark.django_db


def test_folium_styles_and_scripts_get_the_requests_nonce():
    html = "<style>\n#m {}</style><script>var m;</script><scripted-element></scripted-element>"

    assert with_nonce(html, "abc") == (
        '<style nonce="abc">\n#m {}</style><script nonce="abc">var m;</script><scripted-element></scripted-element>'
    )
    assert with_nonce(html, "") == html  # no CSP middleware: unchanged


def test_every_inline_script_and_style_of_the_map_page_has_the_policys_nonce(
    client, boundaries, counts, viewer
):
    client.force_login(viewer)  # with the association layer's scripts too
    response = client.get("/maps/")

    policy = response.headers.get("Content-Security-Policy", "")
    match = re.search(r"'nonce-([^']+)'", policy)
    if match is None:
        pytest.skip("no Content-Security-Policy with a nonce is configured")
    nonce = match.group(1)
    html = response.content.decode()
    inline = [
        tag
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", html)
        if " src=" not in tag and 'type="application/json"' not in tag
    ]
    assert inline, "the map page has inline elements"
    assert all(f'nonce="{nonce}"' in tag for tag in inline), inline
