"""A large area's entry grid, one district (or, in a city without districts, one federation) at a
time: settings.COUNTS_GRID_MAX_ROWS. Most tests lower the setting to 5 rather than making hundreds
of associations; one makes 450 at the default of 400."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chonaikai.associations.models import Association, HouseholdCount
from tests.factories import AssociationFactory, DistrictFactory, FederationFactory, ward

from .helpers import PREVIOUS, SURVEY, change, form_data, save

pytestmark = pytest.mark.django_db

URL = reverse("associations:count_entry", kwargs={"ward_code": "01101", "survey_date": SURVEY.isoformat()})


def key(association) -> str:
    return f"a{association.pk}"


def rows(response) -> list[str]:
    """The association codes of the grid's rows, in page order."""
    return re.findall(
        r'<tr class="count-grid__row[^"]*"[^>]*data-association="([^"]+)"', response.content.decode()
    )


def options(response) -> list[tuple[str, str]]:
    """The group chooser's (value, text) pairs."""
    chooser = re.search(
        r'<select name="group" id="grid-group">(.*?)</select>', response.content.decode(), re.S
    )
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', chooser.group(1)) if chooser else []


def selected(response) -> str:
    return re.search(r'<option value="([^"]*)" selected>', response.content.decode()).group(1)


@pytest.fixture
def staff(client, ward_staff_chuo, survey_round):
    client.force_login(ward_staff_chuo)
    return client


@pytest.fixture
def small_pages(settings):
    settings.COUNTS_GRID_MAX_ROWS = 5


@pytest.fixture
def districts(db):
    """中央区 with two districts of 4 and 3 associations and 2 associations of no district (9 rows),
    each with last year's count."""
    chuo = ward("01101")
    east = DistrictFactory(code="D-EAST", name="東テスト地区", ward=chuo)  # i18n: data
    west = DistrictFactory(code="D-WEST", name="西テスト地区", ward=chuo)  # i18n: data
    made = {
        "D-EAST": [AssociationFactory(ward=chuo, district=east) for _ in range(4)],
        "D-WEST": [AssociationFactory(ward=chuo, district=west) for _ in range(3)],
        "-": [AssociationFactory(ward=chuo) for _ in range(2)],
    }
    HouseholdCount.objects.bulk_create(
        HouseholdCount(association=a, survey_date=PREVIOUS, households=100, member_households=70)
        for group in made.values()
        for a in group
    )
    return made


def codes(associations) -> list[str]:
    return sorted(a.code for a in associations)


# ---------------------------------------------------------------------------------------------
# Over the limit: one group per page, chosen with ?group=
# ---------------------------------------------------------------------------------------------


def test_an_area_over_the_limit_shows_one_district_with_a_chooser_of_every_district(
    staff, small_pages, districts
):
    response = staff.get(URL)
    assert response.status_code == 200
    assert rows(response) == codes(districts["D-EAST"])
    # Every group with its progress (entered / active), the associations of no district last.
    assert options(response) == [
        ("D-EAST", "東テスト地区（0／4）"),
        ("D-WEST", "西テスト地区（0／3）"),
        ("-", "（まちづくりセンターに属さない町内会）（0／2）"),
    ]
    assert selected(response) == "D-EAST"
    page = response.content.decode()
    # A plain GET form: a label, the select and a button; no script needed.
    assert re.search(
        r'<form method="get" action="/counts/01101/2025-01-01/" class="count-grid-pages__form">', page
    )
    assert '<label for="grid-group">' in page
    assert '<button type="submit" class="button button--secondary">表示する</button>' in page
    assert 'rel="prev"' not in page
    assert '<a href="/counts/01101/2025-01-01/?group=D-WEST" rel="next">次: 西テスト地区 →</a>' in page
    # The save posts back to the shown group; drafts are kept per group.
    assert 'action="/counts/01101/2025-01-01/?group=D-EAST"' in page
    assert ':01101:2025-01-01:D-EAST"' in page
    assert "中央区 東テスト地区の活動中の町内会（4件）" in page


def test_the_chooser_switches_to_another_group_with_links_both_ways(staff, small_pages, districts):
    response = staff.get(URL, {"group": "D-WEST"})
    assert rows(response) == codes(districts["D-WEST"])
    assert selected(response) == "D-WEST"
    page = response.content.decode()
    assert '<a href="/counts/01101/2025-01-01/?group=D-EAST" rel="prev">← 前: 東テスト地区</a>' in page
    assert '<a href="/counts/01101/2025-01-01/?group=-" rel="next">' in page

    unassigned = staff.get(URL, {"group": "-"})
    assert rows(unassigned) == codes(districts["-"])
    assert 'rel="next"' not in unassigned.content.decode()


def test_an_unknown_group_is_not_found(staff, small_pages, districts):
    assert staff.get(URL, {"group": "D-NOWHERE"}).status_code == 404
    assert staff.post(URL + "?group=D-NOWHERE", {}).status_code == 404


def test_without_a_group_the_first_one_with_counts_still_to_enter_is_shown(staff, small_pages, districts):
    save(None, "01101", *(change(a, 100, 70) for a in districts["D-EAST"]))
    response = staff.get(URL)
    assert selected(response) == "D-WEST"
    assert rows(response) == codes(districts["D-WEST"])
    assert ("D-EAST", "東テスト地区（4／4）") in options(response)


def test_progress_is_the_whole_areas_with_the_groups_beside_it(staff, small_pages, districts):
    save(None, "01101", change(districts["D-EAST"][0], 100, 70), change(districts["D-WEST"][0], 100, 70))
    page = staff.get(URL, {"group": "D-WEST"}).content.decode()
    assert "入力済み: 中央区全体 2／9町内会、西テスト地区 1／3町内会" in page


# ---------------------------------------------------------------------------------------------
# Saving a group
# ---------------------------------------------------------------------------------------------


def test_saving_a_group_stores_its_rows_and_comes_back_to_the_same_group(staff, small_pages, districts):
    west = districts["D-WEST"]
    response = staff.get(URL, {"group": "D-WEST"})
    data = form_data(response)
    # Only the shown group's rows are on the page and posted.
    assert {name.split("-")[0] for name in data if name.startswith("a")} == {key(a) for a in west}
    for n, a in enumerate(west):
        data[f"{key(a)}-households"] = str(101 + n)
        data[f"{key(a)}-member_households"] = "71"
    response = staff.post(URL + "?group=D-WEST", data)
    assert response.status_code == 302
    assert response["Location"] == URL + "?group=D-WEST"
    saved = HouseholdCount.objects.filter(survey_date=SURVEY)
    assert {c.association_id: c.households for c in saved} == {a.pk: 101 + n for n, a in enumerate(west)}
    again = staff.get(response["Location"])
    assert selected(again) == "D-WEST"
    assert "保存しました（新規 3件、更新 0件）。" in again.content.decode()


def test_rows_of_another_group_posted_to_a_group_are_not_saved(staff, small_pages, districts):
    """The shown group is what is saved: a row of another district in the post is not touched."""
    east = districts["D-EAST"][0]
    west = districts["D-WEST"][0]
    data = form_data(staff.get(URL, {"group": "D-WEST"}))
    data[f"{key(west)}-households"] = "110"
    data[f"{key(west)}-member_households"] = "80"
    data.update(
        {
            f"{key(east)}-households": "120",
            f"{key(east)}-member_households": "90",
            f"{key(east)}-version": "0",
        }
    )
    assert staff.post(URL + "?group=D-WEST", data).status_code == 302
    assert list(
        HouseholdCount.objects.filter(survey_date=SURVEY).values_list("association_id", "households")
    ) == [(west.pk, 110)]


def test_a_save_without_a_group_is_read_against_the_whole_area(staff, small_pages, districts):
    """A page loaded before the area grew past the limit posts to the bare address: every posted row
    counts, whichever group it is in (none is left out), and the grid opens at its first group."""
    east, west = districts["D-EAST"][0], districts["D-WEST"][0]
    data = {}
    for a, households in ((east, "120"), (west, "110")):
        data.update(
            {
                f"{key(a)}-households": households,
                f"{key(a)}-member_households": "70",
                f"{key(a)}-version": "0",
                f"initial-{key(a)}-households": "",
                f"initial-{key(a)}-member_households": "",
                f"initial-{key(a)}-note": "",
            }
        )
    response = staff.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL
    assert dict(
        HouseholdCount.objects.filter(survey_date=SURVEY).values_list("association_id", "households")
    ) == {
        east.pk: 120,
        west.pk: 110,
    }


def test_an_error_shows_the_same_group_again_with_what_was_typed(staff, small_pages, districts):
    west = districts["D-WEST"]
    data = form_data(staff.get(URL, {"group": "D-WEST"}))
    data[f"{key(west[0])}-households"] = "105"
    data[f"{key(west[0])}-member_households"] = "70"
    data[f"{key(west[1])}-households"] = "abc"
    response = staff.post(URL + "?group=D-WEST", data)
    assert response.status_code == 400
    assert rows(response) == codes(west)
    assert selected(response) == "D-WEST"
    page = response.content.decode()
    assert 'action="/counts/01101/2025-01-01/?group=D-WEST"' in page
    assert re.search(rf'name="{key(west[0])}-households"[^>]*value="105"', page)
    assert re.search(rf'name="{key(west[1])}-households"[^>]*value="abc"', page)
    assert not HouseholdCount.objects.filter(survey_date=SURVEY).exists()


def test_submitting_still_covers_the_whole_area(staff, small_pages, districts):
    """The ward's summary counts every group: one group entered leaves the others missing."""
    save(None, "01101", *(change(a, 100, 70) for a in districts["D-EAST"]))
    summary = staff.get(
        reverse(
            "associations:count_submission", kwargs={"survey_date": SURVEY.isoformat(), "ward_code": "01101"}
        )
    )
    assert "4／9町内会" in summary.content.decode()


# ---------------------------------------------------------------------------------------------
# A city without districts: one page per federation
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def federations(db, city_row):
    """A city without districts whose federations are called 市民委員会: 中央区 with two federations
    (3 associations each) and 2 associations of none."""
    city_row(district_label="", federation_label="市民委員会")  # i18n: data
    chuo = ward("01101")
    first = FederationFactory(code="F-ONE", name="一条テスト市民委員会", ward=chuo)  # i18n: data
    second = FederationFactory(code="F-TWO", name="二条テスト市民委員会", ward=chuo)  # i18n: data
    return {
        "F-ONE": [AssociationFactory(ward=chuo, federation=first) for _ in range(3)],
        "F-TWO": [AssociationFactory(ward=chuo, federation=second) for _ in range(3)],
        "-": [AssociationFactory(ward=chuo) for _ in range(2)],
    }


def test_a_city_without_districts_pages_by_federation_and_names_the_associations_of_none(
    staff, small_pages, federations
):
    response = staff.get(URL)
    assert options(response) == [
        ("F-ONE", "一条テスト市民委員会（0／3）"),
        ("F-TWO", "二条テスト市民委員会（0／3）"),
        ("-", "（市民委員会に属さない町内会）（0／2）"),
    ]
    assert rows(response) == codes(federations["F-ONE"])
    page = response.content.decode()
    assert "中央区の活動中の町内会は8件あるため、市民委員会ごとに表示しています。" in page
    # A page that is one federation has no federation filter; the text search is still there.
    assert 'id="grid-filter-federation"' not in page
    assert 'id="grid-filter-text"' in page

    unassigned = staff.get(URL, {"group": "-"})
    assert rows(unassigned) == codes(federations["-"])
    assert "中央区 （市民委員会に属さない町内会）の活動中の町内会（2件）" in unassigned.content.decode()


def test_the_federation_filter_lists_the_federations_of_the_shown_district_only(
    staff, small_pages, districts
):
    chuo = ward("01101")
    east_federation = FederationFactory(code="F-EAST", name="東テスト連合町内会", ward=chuo)  # i18n: data
    west_federation = FederationFactory(code="F-WEST", name="西テスト連合町内会", ward=chuo)  # i18n: data
    Association.objects.filter(pk=districts["D-EAST"][0].pk).update(federation=east_federation)
    Association.objects.filter(pk=districts["D-WEST"][0].pk).update(federation=west_federation)
    page = staff.get(URL, {"group": "D-EAST"}).content.decode()
    assert '<option value="東テスト連合町内会">東テスト連合町内会</option>' in page
    assert "西テスト連合町内会" not in page
    assert 'data-federation="東テスト連合町内会"' in page


# ---------------------------------------------------------------------------------------------
# At or under the limit: the page as always
# ---------------------------------------------------------------------------------------------


def test_an_area_at_the_limit_is_one_page_without_a_chooser(staff, settings, districts):
    settings.COUNTS_GRID_MAX_ROWS = 9
    response = staff.get(URL, {"group": "D-WEST"})  # ignored: there are no groups
    assert response.status_code == 200
    assert rows(response) == codes([a for group in districts.values() for a in group])
    page = response.content.decode()
    assert 'name="group"' not in page and "count-grid-pages" not in page
    assert "中央区の活動中の町内会（9件）" in page
    data = form_data(response)
    data[f"{key(districts['D-WEST'][0])}-households"] = "111"
    data[f"{key(districts['D-WEST'][0])}-member_households"] = "77"
    response = staff.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL


# ---------------------------------------------------------------------------------------------
# Queries and size
# ---------------------------------------------------------------------------------------------


def _queries(callable_):
    with CaptureQueriesContext(connection) as ctx:
        response = callable_()
    return len(ctx), response


def test_the_query_count_of_a_group_does_not_grow_with_its_rows_or_the_number_of_groups(
    staff, small_pages, districts
):
    get_small, _ = _queries(lambda: staff.get(URL, {"group": "D-WEST"}))
    save(None, "01101", *(change(a, 100, 50) for a in districts["D-WEST"]))  # both posts: updates only
    data = form_data(staff.get(URL, {"group": "D-WEST"}))
    for a in districts["D-WEST"]:
        data[f"{key(a)}-households"] = "101"
        data[f"{key(a)}-member_households"] = "71"
    post_small, response = _queries(lambda: staff.post(URL + "?group=D-WEST", data))
    assert response.status_code == 302

    chuo = ward("01101")
    west = districts["D-WEST"][0].district
    more = [AssociationFactory(ward=chuo, district=west) for _ in range(12)]
    for n in range(5):  # five more districts, one association each
        AssociationFactory(ward=chuo, district=DistrictFactory(ward=chuo, code=f"D-MORE{n}"))
    save(None, "01101", *(change(a, 100, 50) for a in more))
    get_large, response = _queries(lambda: staff.get(URL, {"group": "D-WEST"}))
    assert len(rows(response)) == 15
    data = form_data(response)
    for a in districts["D-WEST"] + more:
        data[f"{key(a)}-households"] = "102"
        data[f"{key(a)}-member_households"] = "72"
    post_large, response = _queries(lambda: staff.post(URL + "?group=D-WEST", data))
    assert response.status_code == 302
    assert get_small == get_large
    assert post_small == post_large


def test_a_real_sized_area_at_the_default_limit_shows_one_district_in_a_light_page(staff, settings):
    """450 associations in three districts (over the default 400): 150 rows a page, well under 600 KB."""
    assert settings.COUNTS_GRID_MAX_ROWS == 400
    chuo = ward("01101")
    big = [
        DistrictFactory(ward=chuo, code=f"D-BIG{d}", name=f"大きな地区{d}") for d in range(3)
    ]  # i18n: data
    made = Association.objects.bulk_create(
        Association(
            ward=chuo,
            district=big[d],
            code=f"01101-{d * 150 + n:04d}",
            name=f"大きな区の町内会{d * 150 + n}",  # i18n: data
            kana=f"おおきなく{d * 150 + n}",  # i18n: data
        )
        for d in range(3)
        for n in range(1, 151)
    )
    HouseholdCount.objects.bulk_create(
        HouseholdCount(association=a, survey_date=PREVIOUS, households=100, member_households=70)
        for a in made
    )
    response = staff.get(URL, {"group": "D-BIG1"})
    assert response.status_code == 200
    assert rows(response) == [f"01101-{n:04d}" for n in range(151, 301)]
    assert [value for value, _ in options(response)] == ["D-BIG0", "D-BIG1", "D-BIG2"]
    assert len(response.content) < 600 * 1024
