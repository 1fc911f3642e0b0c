"""Finding one association among a ward's ~300 by the name on a paper form, in a real browser:
ward staff of 中央区 (seed_demo's sample data, 298 associations) type a reading into the filter box of
the paper application form and of the merge form, keyboard only. Screenshots in
artifacts/screenshots/select_filter/."""

import pytest

from chonaikai.associations.models import Association

from .harness import BROWSER_TEST

pytestmark = BROWSER_TEST


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def chuo(demo_data, ward_staff_chuo):
    from tests.factories import AssociationFactory, ward

    sought = AssociationFactory(
        ward=ward("01101"), code="01101-9005", name="北一条東テスト町内会", kana="きたいちじょうひがしてすと"
    )
    return {
        "user": ward_staff_chuo,
        "sought": sought,
        "active": Association.objects.active().filter(ward__code="01101").count(),
    }


def test_ward_staff_find_an_association_by_its_reading_in_the_long_lists(new_journey, chuo):
    sought, active = chuo["sought"], chuo["active"]
    journey = new_journey("select_filter", user=chuo["user"])
    page = journey.page

    # The paper application form: the list holds the whole ward.
    journey.goto("/subsidies/paper/new/")
    select = page.locator("#id_association")
    box = page.get_by_role("searchbox", name="名前・よみがな・番号で絞り込む （申請した町内会）")
    expect(box).to_be_visible()
    expect(select.locator("option")).to_have_count(active + 1)  # and （選んでください）
    # A short list needs no filter: the ward's halls (none in the sample data) come without one.
    expect(page.locator("#id_hall")).to_be_visible()
    expect(page.locator("#id_hall_filter")).to_be_hidden()

    # Half-width katakana, as some office keyboards give it: one association is left, and chosen.
    box.focus()
    page.keyboard.type("ｷﾀｲﾁｼﾞｮｳﾋｶﾞｼ")
    expect(select.locator("option")).to_have_count(2)
    expect(select).to_have_value(str(sought.pk))
    status = page.locator("#id_association_filter_status")
    expect(status).to_contain_text(f"{active}件中 1件を表示")
    expect(status).to_contain_text("「北一条東テスト町内会（01101-9005）」を選びました。")
    journey.step("paper-one-found")

    # Enter goes on to the list; it does not send the form.
    url = page.url
    page.keyboard.press("Enter")
    expect(select).to_be_focused()
    assert page.url == url
    expect(page.locator("#error-summary")).to_have_count(0)

    # Another search keeps the chosen association in the list; clearing the box brings back all.
    box.fill("ちゅうおう まる")  # two words: both must be found
    expect(select).to_have_value(str(sought.pk))
    box.fill("該当しない名前")
    expect(status).to_have_text("該当する町内会はありません。")
    expect(select.locator("option")).to_have_count(2)  # （選んでください） and the chosen one
    box.fill("")
    expect(select.locator("option")).to_have_count(active + 1)
    expect(select).to_have_value(str(sought.pk))

    # The merge form's tick list: rows narrow, a ticked row stays.
    journey.goto("/registry/01101/merge/")
    ticks = page.locator("#id_predecessors input[type=checkbox]")
    box = page.locator("#id_predecessors_filter")
    box.fill("きたいちじょうひがし")
    expect(page.locator("#id_predecessors input[type=checkbox]:visible")).to_have_count(1)
    box.press("Enter")  # on to the first row shown, which Space ticks
    sought_box = page.get_by_label("北一条東テスト町内会（01101-9005）", exact=True)
    expect(sought_box).to_be_focused()
    page.keyboard.press("Space")
    expect(sought_box).to_be_checked()
    box.fill("該当しない名前")
    expect(page.locator("#id_predecessors input[type=checkbox]:visible")).to_have_count(1)
    box.fill("")
    expect(page.locator("#id_predecessors input[type=checkbox]:visible")).to_have_count(ticks.count())
    journey.step("merge-filter")
    journey.finish()
