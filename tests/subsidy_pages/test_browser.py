"""The expense-lines step and the printable form in headless Chromium, under the real
Content-Security-Policy: the live breakdown (static JS calling the JSON endpoint) and print media.

Needs Debian's chromium (/usr/bin/chromium) and the `playwright` Python package (no browser is
downloaded); skipped otherwise. Run alone with `pytest -m browser`.
"""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.e2e.harness import CHROMIUM, chromium

SCREENSHOTS = os.environ.get("SUBSIDY_SCREENSHOTS")  # a directory, to look at the pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def apps(association_a, make_app, meeting_hall):
    """The applications the pages show."""
    return {
        "empty": make_app(association_a, lines=()),
        "full": make_app(
            association_a, programme=meeting_hall, category="repair", lines=(("works", "屋根", 30_000),)
        ),
    }


@pytest.fixture
def browser_page(live_server, client, leader_a, apps):
    client.force_login(leader_a)
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ja-JP")
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        # "Failed to load resource" is the 400 the breakdown endpoint answers for lines it cannot
        # compute yet (and the missing favicon): expected. Anything else (a CSP refusal) is not.
        page.on(
            "console",
            lambda message: (
                errors.append(message.text)
                if message.type == "error" and not message.text.startswith("Failed to load resource")
                else None
            ),
        )
        yield page, errors


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def test_the_amount_follows_the_lines_as_they_are_typed(live_server, browser_page, apps):
    page, errors = browser_page
    app = apps["empty"]
    page.goto(live_server.url + reverse("subsidies:edit_lines", args=[app.pk]), wait_until="networkidle")
    page.fill("#id_lines-0-description", "講師謝礼")
    page.select_option("#id_lines-0-kind", "service")
    page.fill("#id_lines-0-amount", "30000")
    page.fill("#id_lines-1-description", "タブレット")
    page.select_option("#id_lines-1-kind", "goods")
    page.fill("#id_lines-1-amount", "60,000")
    # Locator assertions poll from playwright's own world: the page's CSP forbids evaluating strings.
    expect(page.locator("#breakdown-live")).to_contain_text("70,000円", timeout=10000)
    live = page.inner_text("#breakdown-live")
    assert "物品・備品購入費・工事費 60,000円 × 2/3 = 40,000円" in live and "まだ保存していません" in live
    shot(page, "subsidy_lines")

    page.fill("#id_lines-1-amount", "-1")
    expect(page.locator("#breakdown-live")).to_contain_text("0円以上", timeout=10000)
    assert not errors, errors  # no CSP violation, no script error


def test_the_printed_form_has_no_navigation(live_server, browser_page, apps):
    page, errors = browser_page
    app = apps["full"]
    page.goto(live_server.url + reverse("subsidies:print", args=[app.pk]), wait_until="networkidle")
    assert page.is_visible("[data-print]")  # the script shows the print button
    shot(page, "subsidy_print_screen")
    page.emulate_media(media="print")
    assert not page.is_visible(".site-header") and not page.is_visible(".site-footer")
    assert not page.is_visible(".print-toolbar")
    assert page.is_visible(".sheet") and "10,000円" in page.inner_text(".sheet")  # 30,000 × 1/3
    shot(page, "subsidy_print")
    assert not errors, errors
