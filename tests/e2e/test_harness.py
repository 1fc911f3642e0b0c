"""The journeys' harness: the browser's life (harness.chromium) and the axe-core audit, what it leaves
out of long tables and what it never leaves out."""

import pytest

from .harness import CHROMIUM, Journey, chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no Chromium at {CHROMIUM}"),
]

# An image without a text alternative is a critical violation (axe's image-alt).
BARE_IMAGE = '<img id="image-{n}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'


def _row(n: int, *, image: bool = False, css: str = "") -> str:
    cell = BARE_IMAGE.format(n=n) if image else f"町内会{n}"
    return f'<tr class="{css}"><td>{n}</td><td>{cell}</td></tr>'


def _audited_rows(browser, rows: list[str]) -> list[str]:
    page = browser.new_page()
    try:
        page.set_content(
            '<!doctype html><html lang="ja"><head><title>表</title></head><body><main>'
            "<table><thead><tr><th>番号</th><th>名前</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></main></body></html>"
        )
        journey = Journey(page=page, name="harness-axe", base_url="http://127.0.0.1")
        journey.audit("table")
        return [t for finding in journey.findings if finding["id"] == "image-alt" for t in finding["targets"]]
    finally:
        page.close()


def test_axe_audits_the_first_25_rows_and_every_marked_row_of_a_long_table(browser):
    rows = [_row(n) for n in range(1, 61)]
    rows[2] = _row(3, image=True)  # among the first 25
    rows[39] = _row(40, image=True, css="preview-row preview-row--error")  # marked, far down
    rows[44] = _row(45, image=True, css="count-grid__row")  # plain, far down: left out
    found = _audited_rows(browser, rows)
    assert sorted(found) == ["#image-3", "#image-40"]


@pytest.mark.django_db
def test_database_connections_opened_while_the_browser_runs_are_closed_with_it():
    """On PostgreSQL, one left open kept the test database from being dropped at the end of a run."""
    from django.contrib.auth import get_user_model
    from django.db import connections

    outside = connections["default"]
    with chromium():
        get_user_model().objects.exists()
        inside = connections["default"]
        assert inside is not outside  # asgiref's Local follows playwright's running event loop
        assert inside.connection is not None
    # Django never closes an in-memory SQLite test database's connection (it would lose the data).
    kept = inside.vendor == "sqlite" and inside.is_in_memory_db()
    assert inside.connection is None or kept
