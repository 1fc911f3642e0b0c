"""The entry grid at the size of a real ward, in a real browser: ward staff of 中央区 (298
associations in seed_demo's sample data), DEBUG off. Three counts are typed (with Enter moving down
a column), a save that fails keeps what was typed in the browser and puts it back when the grid is
opened again, the next save stores all three, and the filter and the layout work at 1366×768 in
Japanese and English. Screenshots in artifacts/screenshots/grid_full_ward*/."""

from urllib.parse import parse_qsl

import pytest

from chonaikai.associations.models import Association, HouseholdCount

from .conftest import SURVEY
from .harness import BROWSER_TEST

pytestmark = BROWSER_TEST

GRID = f"/counts/01101/{SURVEY.isoformat()}/"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def chuo_grid(settings, survey_round, ward_staff_chuo):
    """The round is open, DEBUG is off, and three of 中央区's associations (first, middle, last)
    are chosen with last year's figures (read before the browser starts)."""
    settings.DEBUG = False
    associations = list(Association.objects.active().filter(ward__code="01101").order_by("code"))
    assert len(associations) == 298
    chosen = [associations[0], associations[149], associations[297]]
    previous = {
        c.association_id: c
        for c in HouseholdCount.objects.filter(association__in=chosen, survey_date=dt_previous())
    }
    return {
        "user": ward_staff_chuo,
        "chosen": [(a, previous[a.pk].households + 1, previous[a.pk].member_households + 1) for a in chosen],
    }


def dt_previous():
    import datetime as dt

    return dt.date(2025, 1, 1)  # seed_demo's latest survey: the grid's 「前回」


def stored():
    return {
        c.association_id: (c.households, c.member_households)
        for c in HouseholdCount.objects.filter(survey_date=SURVEY, association__ward__code="01101")
    }


def typed(number: int) -> str:
    """A count as a clerk may type it: full-width digits with a thousands separator (１，２３４)."""
    return f"{number:,}".translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def first_screen_boxes(page) -> dict:
    return page.evaluate(
        """() => {
          const box = (s) => { const e = document.querySelector(s); if (!e) return null;
                               const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; };
          return {filter: box("#grid-filter"), flagged: box("#grid-filter-flagged"),
                  count: box("#grid-filter-count"), row: box("tr[data-row]"),
                  bar: box(".count-grid-savebar")};
        }"""
    )


def first_screen_shows_rows(page) -> bool:
    """At the top of the page, the first association row is on screen above the sticky save bar,
    and the bar covers nothing of the filter (its 要確認 checkbox and its count included)."""
    b = first_screen_boxes(page)
    bar = b["bar"]["top"]
    return b["row"]["bottom"] <= bar and all(b[k]["bottom"] <= bar for k in ("filter", "flagged", "count"))


def test_ward_staff_save_three_counts_in_the_298_row_grid_and_a_failed_save_loses_nothing(
    new_journey, chuo_grid
):
    journey = new_journey("grid_full_ward", width=1366, height=768, user=chuo_grid["user"])
    page = journey.page
    journey.goto(GRID)
    rows = page.locator("tr[data-row]")
    expect(rows).to_have_count(298)
    journey.step("grid-1366x768", full_page=False)

    # Compact: one line per association, the header and the save button on screen, nothing off
    # the right edge; a long name is cut but its full text is the title.
    first_row = rows.nth(0).bounding_box()
    assert first_row["height"] < 56, first_row
    assert no_horizontal_overflow(page)
    save_button = page.get_by_role("button", name="まとめて保存する")
    assert in_viewport(page, save_button)
    assert first_screen_shows_rows(page), first_screen_boxes(page)
    names = page.locator(".count-grid__name")
    assert names.nth(0).get_attribute("title") == chuo_grid["chosen"][0][0].name

    # Type the three counts. Enter moves down the households column, like a spreadsheet.
    (a1, h1, m1), (a2, h2, m2), (a3, h3, m3) = chuo_grid["chosen"]
    first = page.locator(f'[name="a{a1.pk}-households"]')
    first.click()
    first.press_sequentially(str(h1))
    first.press("Enter")
    assert (
        page.evaluate("document.activeElement.name")
        == f"a{rows.nth(1).get_attribute('data-row')[1:]}-households"
    )
    page.keyboard.press("Shift+Enter")  # and back up
    assert page.evaluate("document.activeElement.name") == f"a{a1.pk}-households"
    page.locator(f'[name="a{a1.pk}-member_households"]').fill(str(m1))
    for association, households, members in ((a2, h2, m2), (a3, h3, m3)):
        field = page.locator(f'[name="a{association.pk}-households"]')
        field.scroll_into_view_if_needed()
        field.fill(typed(households) if association == a3 else str(households))
        field.press("Tab")
        page.keyboard.type(str(members))
    expect(page.locator("#grid-unsaved")).to_contain_text("3")
    # The last row's inputs are on screen, above the sticky save bar, which is still visible; the
    # column headings stayed at the top of the window.
    assert in_viewport(page, save_button)
    assert abs(page.locator(".count-grid thead th").first.bounding_box()["y"]) < 2
    last = page.locator(f'[name="a{a3.pk}-member_households"]').bounding_box()
    assert last["y"] + last["height"] <= save_button.bounding_box()["y"]
    journey.step("typed-three-rows", full_page=False)

    # The save fails (the server answers 500): nothing is stored, nothing typed is lost.
    posted = []

    def fail(route):
        if route.request.method == "POST":
            posted.append(dict(parse_qsl(route.request.post_data or "", keep_blank_values=True)))
            route.fulfill(
                status=500, content_type="text/html", body="<html lang='ja'><title>500</title></html>"
            )
        else:
            route.fallback()

    page.route(f"**{GRID}", fail)
    with page.expect_navigation():
        save_button.click()
    page.unroute(f"**{GRID}", fail)
    assert stored() == {}
    # Only the three changed rows were sent, each with the values and version it was loaded with.
    assert len(posted) == 1
    sent_rows = {name.split("-")[0] for name in posted[0] if name.startswith("a")}
    assert sent_rows == {f"a{a.pk}" for a in (a1, a2, a3)}
    assert posted[0][f"a{a2.pk}-version"] == "0" and f"initial-a{a2.pk}-households" in posted[0]
    assert len(posted[0]) < 30

    # Opening the grid again puts the typed values back, with a notice.
    journey.goto(GRID)
    notice = page.locator("#grid-restored")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("3行")
    for association, households, members in chuo_grid["chosen"]:
        shown = typed(households) if association == a3 else str(households)
        expect(page.locator(f'[name="a{association.pk}-households"]')).to_have_value(shown)
        expect(page.locator(f'[name="a{association.pk}-member_households"]')).to_have_value(str(members))
    journey.step("restored-after-failed-save", full_page=False)

    # This time the save works, from the keyboard (Ctrl+Enter in a field): all three stored, the
    # browser's copy dropped.
    with page.expect_navigation():
        page.locator(f'[name="a{a2.pk}-note"]').press("Control+Enter")
    expect(page.locator(".flash-messages")).to_contain_text("保存しました（新規 3件、更新 0件）")
    assert stored() == {a.pk: (h, m) for a, h, m in chuo_grid["chosen"]}
    # Dropped from the browser, the full-width one too (it equals the stored number).
    assert page.evaluate("Object.keys(sessionStorage).length") == 0
    expect(page.locator("#grid-restored")).to_be_hidden()
    journey.step("saved", full_page=False)

    # The filter: by name, by "not entered yet".
    page.get_by_label("町内会名・よみがな・コード").fill(a2.name)
    expect(page.locator("tr[data-row]:visible")).to_have_count(1)
    page.get_by_label("町内会名・よみがな・コード").press("Enter")  # filters; never submits the form
    page.wait_for_timeout(500)
    expect(page.locator(".flash-messages")).to_contain_text("保存しました")
    expect(page.locator("tr[data-row]:visible")).to_have_count(1)
    page.get_by_label("町内会名・よみがな・コード").fill("")
    page.get_by_label("未入力の町内会だけ").check()
    expect(page.locator("tr[data-row]:visible")).to_have_count(295)
    expect(page.locator("#grid-filter-count")).to_contain_text("298件中 295件を表示")
    expect(page.locator("#grid-no-match")).to_be_hidden()
    journey.step("filter-not-entered", full_page=False)
    page.get_by_label("町内会名・よみがな・コード").fill("該当なしの町内会")
    expect(page.locator("tr[data-row]:visible")).to_have_count(0)
    expect(page.locator("#grid-no-match")).to_be_visible()
    journey.step("filter-no-match", full_page=False)
    journey.finish()


def test_the_grid_fits_a_1366_screen_in_english(new_journey, chuo_grid, live_server):
    journey = new_journey("grid_full_ward_en", width=1366, height=768, user=chuo_grid["user"])
    journey.lang = "en"
    journey.page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    journey.goto(GRID)
    page = journey.page
    expect(page.locator("tr[data-row]")).to_have_count(298)
    journey.step("grid-en-1366x768", full_page=False)
    page.locator("tr[data-row]").nth(5).scroll_into_view_if_needed()
    journey.step("grid-en-rows", full_page=False, audit=False)
    assert no_horizontal_overflow(page), page.evaluate(
        "[document.documentElement.scrollWidth, document.querySelector('.count-grid').getBoundingClientRect().width,"
        " document.querySelector('.site-header').scrollWidth,"
        " Array.from(document.querySelectorAll('.count-grid thead th')).map(th => th.getBoundingClientRect().width),"
        " Array.from(document.querySelectorAll('.count-grid tbody tr:first-child > *')).map(th => th.getBoundingClientRect().width)]"
    )
    note = page.locator("tr[data-row] .note-input").first
    box = note.bounding_box()
    assert box["x"] + box["width"] <= 1366
    assert in_viewport(page, page.locator(".count-grid-savebar button[type=submit]"))
    assert page.locator("tr[data-row]").nth(0).bounding_box()["height"] < 56
    page.evaluate("window.scrollTo(0, 0)")
    assert first_screen_shows_rows(page), first_screen_boxes(page)
    journey.finish()
