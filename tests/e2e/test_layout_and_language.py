"""The key pages with text at 200% on a 1280-pixel screen and on a 375-pixel phone: nothing spills
sideways (wide tables scroll inside their own region, WCAG 1.4.4 / 1.4.10), and what a person needs
stays on the screen. And the language: Japanese (lang="ja") whatever the browser prefers, English
when chosen in the menu, with the right lang."""

import pytest

from chonaikai.subsidies.workflow import Status
from tests.subsidies.helpers import make_application

from .conftest import SURVEY
from .harness import BROWSER_TEST

pytestmark = BROWSER_TEST

TOLERANCE = 2  # pixels of rounding

# Pages a person must be able to read and use, for the city administrator (who sees every menu).
CITY_PAGES = [
    ("dashboard", "/"),
    ("associations", "/associations/"),
    ("association", "/associations/01101-9001/"),
    ("wards", "/wards/"),
    ("ward", "/wards/01101/"),
    ("map", "/maps/"),
    ("target", "/maps/target/"),
    ("rounds", "/counts/"),
    ("round-overview", f"/counts/rounds/{SURVEY.isoformat()}/"),
    ("count-entry", f"/counts/01101/{SURVEY.isoformat()}/"),
    ("import", "/import/"),
    ("export", "/export/"),
    ("subsidy-queue", "/subsidies/applications/"),
]

OVERFLOW = """(tolerance) => {
    const root = document.scrollingElement;
    // Elements sticking out on the right, outside any region that scrolls by itself.
    const out = [];
    for (const e of document.querySelectorAll("body *")) {
        if (e.closest(".table-scroll, .chart, .leaflet-container")) continue;
        const box = e.getBoundingClientRect();
        if (box.width && box.right > root.clientWidth + tolerance) {
            out.push(`${e.tagName.toLowerCase()}.${e.className} (${Math.round(box.right)}px)`);
        }
    }
    return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, out: out.slice(0, 5),
            fontSize: parseFloat(getComputedStyle(document.body).fontSize)};
}"""


@pytest.fixture
def applications(association_a, association_b, leader_a, digital_programme):
    """leader_a's draft (its expense lines: the widest form) and association B's forwarded one."""
    return {
        "draft": make_application(association_a, programme=digital_programme),
        "forwarded": make_application(association_b, programme=digital_programme, status=Status.FORWARDED),
    }


def check_layout(journey, pages, *, text_size: str | None = None) -> list[str]:
    """Open each page (text enlarged if asked), screenshot it, return what spills sideways."""
    problems = []
    for name, path in pages:
        journey.page.goto(journey.url(path), wait_until="load")
        if text_size:
            journey.page.evaluate(f"() => {{ document.documentElement.style.fontSize = '{text_size}'; }}")
        found = journey.page.evaluate(OVERFLOW, TOLERANCE)
        journey.page.evaluate("() => document.getElementById('main').scrollIntoView()")  # show the content
        journey.step(name, full_page=False, audit=text_size is None)
        if found["scrollWidth"] > found["clientWidth"] + TOLERANCE or found["out"]:
            problems.append(
                f"{path}: page {found['scrollWidth']}px wide in {found['clientWidth']}px: {found['out']}"
            )
        if text_size is None and found["fontSize"] < 16:
            problems.append(f"{path}: body text {found['fontSize']}px")
    return problems


def test_text_at_200_percent_and_a_phone_screen_need_no_sideways_scrolling(
    new_journey, survey_round, city_admin, leader_a, applications
):
    app = applications["draft"]
    leader_pages = [
        ("subsidy-home", "/subsidies/"),
        ("subsidy-lines", f"/subsidies/applications/{app.pk}/edit/lines/"),
        ("subsidy-print", f"/subsidies/applications/{app.pk}/print/"),
    ]
    city_pages = [*CITY_PAGES, ("subsidy-detail", f"/subsidies/applications/{applications['forwarded'].pk}/")]
    problems = []

    text = new_journey("text_200", width=1280, user=city_admin)
    problems += check_layout(text, city_pages, text_size="200%")
    text = new_journey("text_200_leader", width=1280, user=leader_a)
    problems += check_layout(text, leader_pages, text_size="200%")

    phone = new_journey("phone_375", width=375, height=812, user=city_admin)
    problems += check_layout(phone, city_pages)
    # The menus stay usable: every link of the main menu is on the screen, none cut off.
    links = phone.page.get_by_role("navigation", name="メインメニュー").get_by_role("link")
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 + TOLERANCE, links.nth(i).inner_text()
    phone.finish()
    phone = new_journey("phone_375_leader", width=375, height=812, user=leader_a)
    problems += check_layout(phone, leader_pages)
    phone.finish()

    assert not problems, "\n".join(problems)


def test_pages_are_japanese_whatever_the_browser_prefers_and_english_from_the_menu(new_journey, db):
    journey = new_journey("language", locale="en-US")  # a browser set up in English
    page = journey.page
    journey.goto("/wards/", "japanese-by-default")
    assert page.evaluate("() => document.documentElement.lang") == "ja"
    assert page.get_by_role("link", name="本文へ移動").count() == 1

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("load")
    journey.lang = "en"
    journey.step("english")
    assert page.url.endswith("/wards/")  # the same page, now in English
    assert page.get_by_role("button", name="English").get_attribute("aria-pressed") == "true"
    menu = page.get_by_role("navigation", name="Main menu")
    assert menu.get_by_role("link", name="Dashboard").count() == 1
    assert page.get_by_role("link", name="Skip to main content").count() == 1
    # The button back to Japanese says so in Japanese, marked as such for screen readers.
    assert page.get_by_role("button", name="日本語").get_attribute("lang") == "ja"

    page.get_by_role("button", name="日本語").click()
    page.wait_for_load_state("load")
    journey.lang = "ja"
    journey.step("japanese-again")
    assert (
        page.get_by_role("navigation", name="メインメニュー")
        .get_by_role("link", name="ダッシュボード")
        .count()
    )
    journey.finish()
