"""The ward map page and its exports: offline assets, figures, notices, caching and invalidation."""

import json
import re
import subprocess
import sys

import pytest

from chonaikai.associations.models import HouseholdCount
from chonaikai.associations.stats.services import summaries_refresh
from maps import builders, metrics, tasks
from maps import cache as map_cache
from tests.maps import synthetic_wards
from tests.maps.boundary_files import REPO, synthetic_boundaries
from tests.maps.conftest import D23, WARD_CODES
from wards.boundaries import import_ward_boundaries
from wards.models import WardBoundary

pytestmark = pytest.mark.django_db

PAGE, EXPORT_HTML, EXPORT_PNG = "/maps/", "/maps/export.html", "/maps/export.png"


def embedded_geojson(html: str) -> dict:
    """The FeatureCollection folium embeds in the map script."""
    match = re.search(r"_add\((\{)", html)
    assert match, "no GeoJSON in the page"
    data, _end = json.JSONDecoder().raw_decode(html, match.start(1))
    return data


def tooltip(response, code: str) -> str:
    data = embedded_geojson(response.content.decode())
    return next(f["properties"]["tooltip"] for f in data["features"] if f["properties"]["code"] == code)


def external_assets(html: str) -> list[str]:
    srcs = re.findall(r"<script[^>]*\ssrc=\"([^\"]*)\"", html)
    hrefs = re.findall(r"<link[^>]*\shref=\"([^\"]*)\"", html)
    return [url for url in srcs + hrefs if re.match(r"(https?:)?//", url)]


@pytest.fixture
def renders(monkeypatch):
    """Counts how many times a map is actually rendered (not served from the cache)."""
    calls = []
    original = tasks.render

    def counting(**kwargs):
        calls.append(kwargs["kind"])
        return original(**kwargs)

    monkeypatch.setattr(tasks, "render", counting)
    return calls


# --- the page ----------------------------------------------------------------------------------


def test_map_page_draws_the_ten_wards_with_scripts_and_styles_from_this_site_only(boundaries, counts, client):
    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    data = embedded_geojson(html)
    assert sorted(f["properties"]["code"] for f in data["features"]) == WARD_CODES
    assert external_assets(html) == []
    assert '<script src="/static/leaflet/leaflet.js">' in html
    assert 'href="/static/leaflet/leaflet.css"' in html
    for library in ("jquery", "bootstrap", "font-awesome", "fontawesome", "cdn.jsdelivr", "cdnjs"):
        assert library not in html.lower()
    geometry_bytes = len(json.dumps([f["geometry"] for f in data["features"]]).encode())
    assert geometry_bytes < 100 * 1024


def test_the_official_boundary_file_draws_light_and_carries_its_citation(official_boundaries, counts, client):
    """The one map test on the real wards (about 17,000 vertices): skipped without the official file."""
    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    data = embedded_geojson(html)
    assert sorted(f["properties"]["code"] for f in data["features"]) == WARD_CODES
    # The page draws the simplified wards: a few tens of kilobytes, not the file's 900 KB.
    geometry_bytes = len(json.dumps([f["geometry"] for f in data["features"]]).encode())
    assert geometry_bytes < 100 * 1024
    assert official_boundaries.attribution in html
    assert "加工して作成" in official_boundaries.attribution  # MLIT's terms: "processed from" its data


def test_map_has_a_japanese_legend_tooltips_labels_and_the_attribution_line(boundaries, counts, client):
    response = client.get(PAGE, {"survey_date": "2024-01-01", "metric": "rate"})
    html = response.content.decode()

    text = tooltip(response, "01101")
    assert "<strong>中央区</strong>" in text
    assert "加入率 61.00%" in text
    assert "調査基準日 令和6年1月1日（2024-01-01）" in text
    legend = "\\u52a0\\u5165\\u7387\\uff08%\\uff09"  # 加入率（%） as folium's tojson writes it
    assert legend in html
    assert "\\u4e2d\\u592e\\u533a" in html  # the 中央区 label
    assert boundaries.attribution in html
    assert boundaries.attribution == synthetic_wards.ATTRIBUTION  # the file's own attribution member


def test_table_below_the_map_has_the_same_figures(boundaries, counts, client):
    html = client.get(PAGE, {"survey_date": "2024-01-01"}).content.decode()

    chuo = re.search(r'<tr data-ward="01101">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', chuo)
    assert cells[:4] == ["1,000", "610", "61.00%", "+1.00ポイント"]


@pytest.mark.parametrize("metric", ["rate", "change", "members", "gap"])
def test_every_metric_can_be_drawn(boundaries, counts, client, metric):
    response = client.get(PAGE, {"metric": metric})

    assert response.status_code == 200
    assert str(metrics.METRICS[metric].label) in response.content.decode()  # the map's heading


def test_gap_shares_add_up_to_the_gap_and_the_method_is_explained(boundaries, counts, client):
    html = client.get(PAGE, {"metric": "gap"}).content.decode()

    shares = [int(s.replace(",", "")) for s in re.findall(r'<td class="num">([\d,]+)</td>\s*</tr>', html)]
    members = sum(600 + 10 * n for n in range(1, 11))
    assert sum(shares) == 723778 - members
    assert shares == [71723] * 8 + [71722] * 2  # equal households: the remainder goes in code order
    assert "区域内世帯数に比例して割り当てた値" in html
    assert "区の割当 = 不足分 × 区の区域内世帯数 ÷ 全区の区域内世帯数" in html


def test_wards_without_counts_are_drawn_grey_not_black(boundaries, client):
    from tests.factories import AssociationFactory, HouseholdCountFactory, ward

    HouseholdCountFactory(association=AssociationFactory(ward=ward("01101")), survey_date=D23)

    html = client.get(PAGE).content.decode()

    assert f'"fillColor": "{metrics.NO_DATA_COLOUR}"' in html
    assert '"fillColor": "#000000"' not in html
    assert "この調査基準日のデータはありません" in html


def test_an_unknown_survey_date_or_metric_is_a_bad_request(boundaries, counts, client):
    assert client.get(PAGE, {"survey_date": "1999-01-01"}).status_code == 400
    assert client.get(PAGE, {"metric": "population"}).status_code == 400
    assert client.get(EXPORT_PNG, {"metric": "population"}).status_code == 400


def test_without_boundaries_the_page_shows_the_table_and_how_to_import_them(counts, client):
    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert "manage.py import_boundaries FILE" in html
    assert "国土数値情報" in html
    assert '<tr data-ward="01101">' in html
    assert "leaflet.js" not in html


def test_without_any_counts_the_map_is_all_grey(boundaries, client):
    response = client.get(PAGE)

    assert response.status_code == 200
    assert "世帯数がまだ登録されていない" in response.content.decode()
    assert len(embedded_geojson(response.content.decode())["features"]) == 10


# --- exports -----------------------------------------------------------------------------------


def test_html_export_is_a_standalone_file_with_leaflet_inline(boundaries, counts, client):
    response = client.get(EXPORT_HTML, {"survey_date": "2024-01-01", "metric": "change"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ward-map-2024-01-01-change.html"'
    html = response.content.decode()
    assert "Leaflet 1.9.3" in html  # the library itself, inline
    assert ".leaflet-container" in html
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert "<link" not in html
    features = embedded_geojson(html)["features"]
    assert len(features) == 10
    # Exports keep the full geometry.
    full = sum(len(b) for b in WardBoundary.objects.values_list("geometry", flat=True))
    assert len(json.dumps([f["geometry"] for f in features])) > 0.9 * full


def test_png_export_is_drawn_on_the_server(boundaries, counts, client):
    response = client.get(EXPORT_PNG, {"metric": "members"})

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="ward-map-2024-01-01-members.png"'
    )
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.filterwarnings("error:Glyph:UserWarning")  # no character drawn as a missing-glyph box
def test_png_export_falls_back_to_english_labels_without_a_japanese_font(
    boundaries, counts, client, monkeypatch
):
    monkeypatch.setattr(builders, "japanese_font", lambda: None)

    response = client.get(EXPORT_PNG, {"metric": "change"})

    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")


def test_exports_without_boundaries_are_not_found(counts, client):
    response = client.get(EXPORT_HTML)

    assert response.status_code == 404
    assert "import_boundaries" in response.content.decode()


# --- rendering through the task and the cache ---------------------------------------------------


def test_a_rendered_map_is_served_from_the_cache(boundaries, counts, client, renders):
    first = client.get(PAGE).content
    second = client.get(PAGE).content

    assert renders == ["page"]
    assert embedded_geojson(first.decode()) == embedded_geojson(second.decode())


def test_saving_a_household_count_invalidates_the_cached_maps(boundaries, counts, client, renders):
    assert "加入率 61.00%" in tooltip(client.get(PAGE), "01101")
    version = map_cache.sections_version()

    count = counts["01101"]
    count.member_households = 700
    count.save()
    # What a service does after writing counts (services.summaries); the save's signal bumps the version.
    summaries_refresh([(count.association.ward_id, count.survey_date)])

    assert map_cache.sections_version() != version
    assert "加入率 70.00%" in tooltip(client.get(PAGE), "01101")
    assert renders == ["page", "page"]


def test_saving_a_count_redraws_no_map_whose_figures_it_leaves_alone(boundaries, counts, client, renders):
    earlier = {"survey_date": D23.isoformat()}
    client.get(PAGE, earlier)
    assert renders == ["page"]

    count = counts["01101"]  # a count of the latest survey: the earlier survey's figures stay
    count.member_households = 700
    count.save()
    summaries_refresh([(count.association.ward_id, count.survey_date)])

    response = client.get(PAGE, earlier)
    assert response.status_code == 200
    assert renders == ["page"]  # the page's figures were read again, the map came from the cache
    assert "加入率 70.00%" in tooltip(client.get(PAGE), "01101")
    assert renders == ["page", "page"]


def test_bulk_updates_that_send_no_signal_still_show_the_new_figures(boundaries, counts, client, renders):
    client.get(PAGE)

    HouseholdCount.objects.filter(pk=counts["01101"].pk).update(member_households=800)
    summaries_refresh([(counts["01101"].association.ward_id, counts["01101"].survey_date)])  # no signal

    assert "加入率 80.00%" in tooltip(client.get(PAGE), "01101")
    assert renders == ["page", "page"]


def test_reimporting_boundaries_invalidates_the_cached_maps(boundaries, counts, client, renders):
    client.get(PAGE)

    import_ward_boundaries(path=_boundaries_path(boundaries))
    client.get(PAGE)

    assert renders == ["page", "page"]


def test_with_a_worker_the_page_shows_the_table_until_the_map_is_rendered(
    boundaries, counts, client, settings, monkeypatch
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr("maps.views.enqueue", lambda task, **kwargs: queued.append(kwargs))

    first = client.get(PAGE)
    second = client.get(PAGE)
    export = client.get(EXPORT_PNG)

    assert first.status_code == second.status_code == 200
    assert "地図を作成しています" in first.content.decode()
    assert '<tr data-ward="01101">' in first.content.decode()
    assert export.status_code == 202
    assert [q["kind"] for q in queued] == ["page", "png"]  # the page is queued once, not per request

    tasks.render_ward_map(**queued[0])  # what the worker does
    assert "leaflet.js" in client.get(PAGE).content.decode()


def test_map_libraries_are_not_imported_by_the_map_views_module():
    """geopandas and folium cost ~1 s and ~70 MB per process: only the render may import them."""
    code = (
        "import django, sys; django.setup(); "
        "import chonaikai.urls, maps.views, maps.tasks, maps.selectors, wards.boundaries; "
        "loaded = [m for m in ('geopandas', 'folium', 'matplotlib', 'mapclassify', 'shapely') if m in sys.modules]; "
        "print(','.join(loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "chonaikai.test_settings", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert result.stdout.strip() == ""


def _boundaries_path(report):
    assert report.source_file == synthetic_boundaries().name
    return synthetic_boundaries()


def test_tiles_are_drawn_only_from_the_configured_tile_server(boundaries, counts, client, settings):
    assert "L.tileLayer" not in client.get(PAGE).content.decode()

    settings.MAP_TILES_URL = "/tiles/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "地理院タイル"
    html = client.get(PAGE).content.decode()

    assert "L.tileLayer" in html
    assert '"/tiles/{z}/{x}/{y}.png"' in html
    assert external_assets(html) == []


def test_a_worker_without_a_shared_cache_is_reported_by_the_system_checks(settings):
    from maps.apps import check_shared_cache

    assert check_shared_cache() == []
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert [w.id for w in check_shared_cache()] == ["maps.W001"]


def test_a_cached_map_page_costs_a_constant_handful_of_queries(
    boundaries, counts, client, django_assert_max_num_queries
):
    client.get(PAGE)

    with django_assert_max_num_queries(16):
        response = client.get(PAGE)

    assert "leaflet.js" in response.content.decode()
