"""One publication rule everywhere: an anonymous caller sees no figure of an area below
the city's publication threshold and no meeting-hall position, on any page, endpoint or export.

The small association (city.b: 15 households, 10 members, rate 66.67 %) and its hall position are
looked for in every public answer: as figures in JSON, and as text in pages, CSV and workbooks.
"""

import io
import json

import openpyxl
import pytest

from tests.api.conftest import LATEST

pytestmark = pytest.mark.django_db

HALL = ("43.054321", "141.354321")
SMALL_RATE = "66.67"  # 10 / 15: no other area of the city fixture has this rate

API = [
    "/api/v1/associations/",
    "/api/v1/associations/{b}/",
    "/api/v1/associations/{b}/counts/",
    "/api/v1/counts/",
    "/api/v1/counts/?association={b}",
    "/api/v1/counts/?survey_date={latest}&ward=01101",
    "/api/v1/stats/membership/",
    "/api/v1/stats/membership/?level=ward",
    "/api/v1/stats/membership/?level=district&ward=01101",
    "/api/v1/stats/membership/?level=federation&ward=01101",
    "/api/v1/stats/membership.csv?level=federation&ward=01101",
    "/api/v1/stats/membership.xlsx?level=district&ward=01101",
    "/api/v1/stats/city-summary.xlsx",
    "/api/v1/stats/target/",
    "/api/v1/opendata/membership.json",
    "/api/v1/opendata/membership.csv",
    "/api/v1/wards/",
    "/api/v1/districts/",
    "/api/v1/federations/",
]
PAGES = [
    "/",
    "/associations/",
    "/associations/?q={b_name}",
    "/associations/{b}/",
    "/wards/",
    "/wards/01101/",
    "/maps/",
    "/maps/?level=association",
    "/maps/series/",
    "/maps/target/",
    "/maps/halls.json",
    "/maps/halls.json?survey_date={latest}",
    "/plan/",
]


@pytest.fixture
def small_city(city):
    city.b.hall_latitude, city.b.hall_longitude = HALL
    city.b.save()
    return city


def urls(templates, city):
    return [t.format(b=city.b.code, b_name=city.b.name, latest=LATEST.isoformat()) for t in templates]


def text_of(response) -> str:
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return response.content.decode("utf-8-sig")


def leaked_figures(data, code: str) -> list:
    """Every dict in a JSON answer that names `code` and still carries its households or members."""
    found = []
    if isinstance(data, dict):
        if code in (data.get("code"), data.get("association")):
            for name in ("households", "member_households", "rate", "change"):
                if data.get(name) is not None:
                    found.append((name, data[name]))
            latest = data.get("latest_count") or {}
            if latest.get("households") is not None or latest.get("member_households") is not None:
                found.append(("latest_count", latest))
        for value in data.values():
            found.extend(leaked_figures(value, code))
    elif isinstance(data, list):
        for item in data:
            found.extend(leaked_figures(item, code))
    return found


def assert_nothing_leaks(response, city, where):
    text = text_of(response)
    assert SMALL_RATE not in text, where
    assert HALL[0][:8] not in text and HALL[1][:9] not in text, where
    if response.get("Content-Type", "").startswith("application/json"):
        assert leaked_figures(json.loads(text), city.b.code) == [], where


@pytest.mark.parametrize("template", API + PAGES)
def test_an_anonymous_caller_sees_no_figure_of_a_small_area_and_no_hall(client, small_city, template):
    for url in urls([template], small_city):
        response = client.get(url)

        assert response.status_code in (200, 302, 400, 401, 403, 404), (url, response.status_code)
        if response.status_code == 200:
            assert_nothing_leaks(response, small_city, url)


def test_the_small_association_says_why_its_figures_are_missing(client, small_city):
    api = client.get(f"/api/v1/associations/{small_city.b.code}/").json()
    history = client.get(f"/api/v1/associations/{small_city.b.code}/counts/").json()
    page = client.get(f"/associations/{small_city.b.code}/").content.decode()

    assert api["latest_count"] == {
        "survey_date": LATEST.isoformat(),
        "households": None,
        "member_households": None,
        "rate": None,
        "suppressed": True,
    }
    assert history[-1]["suppressed"] is True and history[-1]["households"] is None
    assert "世帯数が少ないため非公表" in page


def test_the_change_after_a_withheld_count_is_withheld_too(client, small_city):
    from tests.factories import HouseholdCountFactory

    HouseholdCountFactory(
        association=small_city.b, survey_date=LATEST.replace(year=2026), households=40, member_households=20
    )

    history = client.get(f"/api/v1/associations/{small_city.b.code}/counts/").json()

    assert [(r["households"], r["suppressed"]) for r in history] == [(None, True), (40, False)]
    assert history[-1]["rate"] == 50.0 and history[-1]["change"] is None  # 50 − change = the small rate


@pytest.mark.parametrize("persona", ["city_admin", "ward_staff_chuo", "leader_b", "viewer"])
def test_role_holders_see_the_small_areas_figures(client_for, small_city, persona, request):
    user = request.getfixturevalue(persona)

    body = client_for(user).get(f"/api/v1/associations/{small_city.b.code}/").json()

    assert body["latest_count"]["households"] == 15 and body["latest_count"]["suppressed"] is False


@pytest.mark.parametrize(
    ("persona", "sees_hall"),
    [
        ("city_admin", True),
        ("viewer", True),
        ("ward_staff_chuo", True),
        ("leader_b", True),
        ("ward_staff_kita", False),
        ("leader_a", False),
    ],
)
def test_hall_positions_only_for_roles_whose_scope_covers_them(
    client_for, small_city, persona, sees_hall, request
):
    user = request.getfixturevalue(persona)

    rows = client_for(user).get("/api/v1/associations/", {"ward": "01101"}).json()["results"]
    b = next(r for r in rows if r["code"] == small_city.b.code)

    assert (b["hall_latitude"] is not None) == sees_hall


def test_open_data_the_map_and_the_stats_api_withhold_the_same_areas(anon, city, city_row):
    from maps import selectors as map_selectors

    city_row(publication_min_households=150)  # 北区 (100 households) is withheld
    api = anon.get("/api/v1/stats/membership/", {"level": "ward"}).json()["results"]
    api_withheld = {r["code"] for r in api if r["suppressed"]}
    records = anon.get("/api/v1/opendata/membership.json").json()["records"]
    open_withheld = {r["code"] for r in records if r["survey_date"] == LATEST.isoformat() and r["suppressed"]}
    figures = map_selectors.map_data(survey_date=LATEST, level="ward").figures
    map_withheld = {f.code for f in figures if f.suppressed}
    assert api_withheld == {"01102"} and open_withheld == {"01100", "01102"}  # + the revealing city
    assert map_withheld == api_withheld


def test_open_data_notes_use_the_pages_wording_for_a_withheld_figure(anon, city):
    from chonaikai.associations.stats.publication import WITHHELD

    assert str(WITHHELD) in anon.get("/api/v1/opendata/membership.json").json()["notes"]
