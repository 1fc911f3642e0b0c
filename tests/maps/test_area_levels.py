"""Maps of districts and associations (level=…): areas from imported boundaries, the same figures in the
table, the notice without boundaries, small areas withheld, the cached figures section and its refresh."""

import json
import re

import pytest

from chonaikai.associations.models import HouseholdCount
from chonaikai.associations.stats.services import summaries_refresh
from maps import selectors
from tests.factories import AssociationFactory, DistrictFactory, HouseholdCountFactory, ward
from tests.maps.conftest import D23, D24
from wards.boundaries import import_boundaries
from wards.models import AreaBoundary

pytestmark = pytest.mark.django_db

PAGE = "/maps/"
WEST, SOUTH, SIDE = 141.330, 43.050, 0.01


def square(i):
    x, y = WEST + i * SIDE, SOUTH
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + SIDE, y], [x + SIDE, y + SIDE], [x, y + SIDE], [x, y]]],
    }


def geojson_file(path, codes: dict[str, int]):
    """A FeatureCollection of squares side by side: code → position."""
    features = [
        {"type": "Feature", "properties": {"code": code}, "geometry": square(i)} for code, i in codes.items()
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


@pytest.fixture
def areas(db):
    """Three districts of 中央区 with one association each (and one in 北区, without an area).

    大通 100 → 110 households (70 → 77 members), 桑園 200 (120 → 130), 円山 30 → 100 (20 → 60).
    """
    result = {}
    for n, (name, counts) in enumerate(
        [
            ("大通地区", [(100, 70), (110, 77)]),
            ("桑園地区", [(200, 120), (200, 130)]),
            ("円山地区", [(30, 20), (100, 60)]),
        ],
        start=1,
    ):
        district = DistrictFactory(code=f"0110{n}", name=name, ward=ward("01101"))
        association = AssociationFactory(
            ward=ward("01101"),
            district=district,
            code=f"01101-000{n}",
            name=f"{name[:2]}町内会",
            hall_latitude=f"{SOUTH + SIDE / 2:.6f}",
            hall_longitude=f"{WEST + (n - 1 + 0.5) * SIDE:.6f}",
        )
        for day, (households, members) in zip((D23, D24), counts, strict=True):
            result[(association.code, day)] = HouseholdCountFactory(
                association=association, survey_date=day, households=households, member_households=members
            )
    kita = AssociationFactory(
        ward=ward("01102"),
        code="01102-0001",
        name="北町内会",
        hall_latitude="43.100000",
        hall_longitude="141.340000",
    )
    for day in (D23, D24):
        HouseholdCountFactory(association=kita, survey_date=day, households=100, member_households=50)
    return result


@pytest.fixture
def district_areas(areas, tmp_path):
    return import_boundaries(
        path=geojson_file(tmp_path / "districts.geojson", {"01101": 0, "01102": 1, "01103": 2}),
        level="district",
    )


@pytest.fixture
def association_areas(areas, tmp_path):
    return import_boundaries(
        path=geojson_file(
            tmp_path / "associations.geojson", {"01101-0001": 0, "01101-0002": 1, "01101-0003": 2}
        ),
        level="association",
    )


def embedded_geojson(html: str) -> dict:
    match = re.search(r"_add\((\{)", html)
    assert match, "no GeoJSON in the page"
    data, _end = json.JSONDecoder().raw_decode(html, match.start(1))
    return data


def tooltip(html: str, code: str) -> str:
    return next(
        f["properties"]["tooltip"]
        for f in embedded_geojson(html)["features"]
        if f["properties"]["code"] == code
    )


def row(html: str, attribute: str, code: str) -> list[str]:
    found = re.search(rf'<tr data-{attribute}="{re.escape(code)}">(.*?)</tr>', html, re.S)
    assert found, f"no table row for {code}"
    return [
        re.sub(r"\s+", " ", cell).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", found.group(1), re.S)
    ]


# --- the district and association maps ----------------------------------------------------------


def test_the_district_map_draws_the_imported_areas_and_the_table_lists_the_same_figures(
    district_areas, client
):
    response = client.get(PAGE, {"level": "district"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>まちづくりセンター地区別の地図</h1>" in html
    assert sorted(f["properties"]["code"] for f in embedded_geojson(html)["features"]) == [
        "01101",
        "01102",
        "01103",
    ]
    assert "加入率 70.00%" in tooltip(html, "01101")  # 大通: 77 / 110
    assert "まちづくりセンター地区別の加入状況" in html
    assert row(html, "district", "01101")[:5] == ["大通地区", "110", "77", "70.00%", "0.00ポイント"]
    assert row(html, "district", "01102")[:5] == ["桑園地区", "200", "130", "65.00%", "+5.00ポイント"]
    assert 'data-ward="' not in html  # districts only, not the wards' table
    assert "境界: districts.geojson" in html  # a file without an attribution member: its name


def test_the_association_map_draws_association_areas(association_areas, client):
    html = client.get(PAGE, {"level": "association", "metric": "members"}).content.decode()

    assert "<h1>町内会別の地図</h1>" in html
    assert sorted(f["properties"]["code"] for f in embedded_geojson(html)["features"]) == [
        "01101-0001",
        "01101-0002",
        "01101-0003",
    ]
    assert row(html, "association", "01101-0002")[:3] == ["桑園町内会", "200", "130"]
    assert "01102-0001" not in html  # no area imported for 北町内会: neither on the map nor in the table


def test_levels_are_offered_once_their_boundaries_are_imported(areas, client, tmp_path):
    before = client.get(PAGE).content.decode()
    assert '<input type="hidden" name="level"' in before
    assert '<select name="level"' not in before

    import_boundaries(path=geojson_file(tmp_path / "d.geojson", {"01101": 0}), level="district")
    after = client.get(PAGE).content.decode()

    select = re.search(r'<select name="level".*?</select>', after, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', select) == ["ward", "district"]


def test_a_level_without_boundaries_shows_the_notice_and_no_map(district_areas, client):
    response = client.get(PAGE, {"level": "association"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-boundaries"' in html
    assert "manage.py import_boundaries FILE --level association" in html
    assert "leaflet.js" not in html
    assert "境界が取り込まれている区域はありません。" in html
    assert client.get("/maps/export.png", {"level": "association"}).status_code == 404


def test_an_unknown_level_is_a_bad_request(areas, client):
    assert client.get(PAGE, {"level": "federation"}).status_code == 400


def test_exports_are_drawn_at_the_chosen_level(district_areas, client):
    response = client.get("/maps/export.html", {"level": "district", "survey_date": "2024-01-01"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="district-map-2024-01-01-rate.html"'
    html = response.content.decode()
    assert len(embedded_geojson(html)["features"]) == 3
    assert "まちづくりセンター地区別の加入状況" in html


# --- withheld small areas --------------------------------------------------------------------------


def test_a_small_association_area_is_withheld_on_the_map_in_the_table_and_in_the_exports(
    association_areas, client, city_row, viewer
):
    city_row(publication_min_households=105)  # 大通 has 110 households, 円山 100 (30 before)

    for who in (None, viewer):  # the choropleth is the published map, signed in or not
        if who:
            client.force_login(who)
        html = client.get(PAGE, {"level": "association", "survey_date": "2024-01-01"}).content.decode()

        assert row(html, "association", "01101-0003") == ["円山町内会", "世帯数が少ないため非公表"]
        assert "世帯数が少ないため非公表" in tooltip(html, "01101-0003")
        assert "60.00%" not in tooltip(html, "01101-0003")
        assert row(html, "association", "01101-0001")[:4] == ["大通町内会", "110", "77", "70.00%"]
    exported = client.get("/maps/export.html", {"level": "association"}).content.decode()
    assert "世帯数が少ないため非公表" in exported and "60.00%" not in exported


def test_the_change_is_withheld_where_the_previous_survey_was_small(association_areas, client, city_row):
    city_row(publication_min_households=50)  # 円山: 30 households before, 100 now

    html = client.get(PAGE, {"level": "association"}).content.decode()

    assert row(html, "association", "01101-0003")[:5] == ["円山町内会", "100", "60", "60.00%", "—"]
    assert row(html, "association", "01101-0001")[4] == "0.00ポイント"  # 70 % then and now


def test_ward_staff_get_their_wards_halls_over_the_association_map(
    association_areas, client, ward_staff_kita
):
    client.force_login(ward_staff_kita)

    html = client.get(PAGE, {"level": "association"}).content.decode()

    payload = json.loads(
        re.search(
            r'<script type="application/json" id="association-layer-data">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert [p[5] for p in payload["points"]] == ["北町内会"]
    assert len(embedded_geojson(html)["features"]) == 3  # the published areas, whoever's ward


# --- the cached figures section -----------------------------------------------------------------


@pytest.fixture
def reads(monkeypatch):
    """Counts how many times the figures are read (a cached page reads none)."""
    calls = []
    original = selectors.map_data

    def counting(**kwargs):
        calls.append(kwargs["level"])
        return original(**kwargs)

    monkeypatch.setattr(selectors, "map_data", counting)
    return calls


def test_the_table_is_cached_with_the_map_and_refreshed_when_a_count_is_saved(district_areas, client, reads):
    client.get(PAGE, {"level": "district"})
    client.get(PAGE, {"level": "district"})
    assert reads == ["district"]

    count = HouseholdCount.objects.get(association__code="01101-0001", survey_date=D24)
    count.member_households = 88
    count.save()
    summaries_refresh([(count.association.ward_id, D24)])

    html = client.get(PAGE, {"level": "district"}).content.decode()
    assert row(html, "district", "01101")[:4] == ["大通地区", "110", "88", "80.00%"]
    assert "加入率 80.00%" in tooltip(html, "01101")


def test_the_cached_ward_table_is_refreshed_after_a_bulk_write_of_counts(areas, client, reads):
    html = client.get(PAGE).content.decode()  # no ward boundaries: the table alone, cached all the same
    assert row(html, "ward", "01101")[:3] == ["中央区", "410", "267"]

    HouseholdCount.objects.filter(association__code="01101-0001", survey_date=D24).update(
        member_households=100
    )
    summaries_refresh([(ward("01101").pk, D24)])  # what every writer of counts calls: it signals the change

    html = client.get(PAGE).content.decode()
    assert row(html, "ward", "01101")[:3] == ["中央区", "410", "290"]
    assert reads == ["ward", "ward"]


def test_renaming_a_district_or_reimporting_its_areas_refreshes_the_page(
    district_areas, client, tmp_path, reads
):
    client.get(PAGE, {"level": "district"})
    district = AreaBoundary.objects.get(level="district", code="01101")
    from wards.models import District

    odori = District.objects.get(code=district.code)
    odori.name = "大通・創成地区"
    odori.save()
    assert (
        row(client.get(PAGE, {"level": "district"}).content.decode(), "district", "01101")[0]
        == "大通・創成地区"
    )

    import_boundaries(path=geojson_file(tmp_path / "two.geojson", {"01101": 0, "01102": 1}), level="district")
    html = client.get(PAGE, {"level": "district"}).content.decode()
    assert sorted(f["properties"]["code"] for f in embedded_geojson(html)["features"]) == ["01101", "01102"]
    assert reads == ["district"] * 3


def test_a_process_that_missed_the_data_version_bump_still_sees_a_count_written_elsewhere(
    district_areas, client, reads
):
    """Without a shared cache each web process has its own data version: the history ids decide."""
    from django.core.cache import cache

    from maps import cache as map_cache

    client.get(PAGE, {"level": "district"})
    seen = cache.get(map_cache.DATA_VERSION_KEY)

    count = HouseholdCount.objects.get(association__code="01101-0001", survey_date=D24)
    count.member_households = 99
    count.save()  # in another process: leaves a history row, bumps that process's data version
    # … and, as every service that writes counts does, refreshes the summaries the page reads.
    from chonaikai.associations.stats.services import summaries_refresh

    summaries_refresh([(count.association.ward_id, D24)])
    cache.set(map_cache.DATA_VERSION_KEY, seen, None)  # … which this process never saw

    html = client.get(PAGE, {"level": "district"}).content.decode()
    assert row(html, "district", "01101")[:4] == ["大通地区", "110", "99", "90.00%"]
