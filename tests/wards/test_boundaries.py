"""Importing official ward boundaries: formats, matching, repair, dissolve, simplification, atomicity."""

import io
import itertools
import json

import pytest
import shapely
from django.core.management import CommandError, call_command

from tests.maps.boundary_files import shared_boundaries, write_n03_shapefile_zip
from wards import boundaries
from wards.models import WardBoundary

WARD_CODES = [f"011{n:02d}" for n in range(1, 11)]


@pytest.fixture
def boundaries_file():
    return shared_boundaries()


def run_import(*args) -> str:
    out = io.StringIO()
    call_command("import_boundaries", *map(str, args), stdout=out)
    return out.getvalue()


def feature_collection(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def square(x, y, size=0.01):
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


# --- pure helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("01101", "01101"),
        (1101, "01101"),
        (1101.0, "01101"),
        ("011011", "01101"),  # with its check digit
        ("131016", "13101"),
        ("011012", None),  # wrong check digit
        ("０１１０１", "01101"),  # full-width digits
        ("札幌市", None),
        (None, None),
        (float("nan"), None),
    ],
)
def test_codes_in_files_are_normalised_to_five_digits(value, expected):
    assert boundaries.normalise_code(value) == expected


# --- importing ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_geojson_import_matches_the_ten_wards_and_reports_the_city_outline_as_unmatched(boundaries_file):
    out = run_import(boundaries_file)

    assert sorted(WardBoundary.objects.values_list("ward__code", flat=True)) == WARD_CODES
    assert "区に一致しない地物（無視）: 01100" in out
    assert "10 区の境界を取り込みました" in out
    boundary = WardBoundary.objects.get(ward__code="01101")
    assert boundary.source_file == boundaries_file.name
    assert boundary.feature_count == 1
    assert "国土数値情報" in boundary.attribution  # the file's top-level `attribution` member
    assert shapely.is_valid(shapely.from_geojson(boundary.geometry))


@pytest.mark.django_db
def test_zipped_n03_shapefile_in_jgd2011_is_reprojected_merged_and_matched_on_n03_007(
    boundaries_file, tmp_path
):
    archive = write_n03_shapefile_zip(boundaries_file, tmp_path, split_ward="01106")

    out = run_import(archive)

    assert "EPSG:6668" in out
    assert "照合列 N03_007" in out
    assert "01106 南区（2 件の地物を統合）" in out
    assert sorted(WardBoundary.objects.values_list("ward__code", flat=True)) == WARD_CODES
    minami = WardBoundary.objects.get(ward__code="01106")
    assert minami.feature_count == 2
    merged = shapely.from_geojson(minami.geometry)
    assert merged.geom_type == "Polygon"  # the two pieces dissolved back into one
    # JGD2011 → WGS 84 moves nothing measurable: the bounds agree with the GeoJSON to ~1 cm.
    original = _source_geometry(boundaries_file, "01106")
    assert merged.bounds == pytest.approx(original.bounds, abs=1e-7)
    assert merged.area == pytest.approx(original.area, rel=1e-6)
    # Without a top-level attribution member, MLIT's citation is used.
    assert minami.attribution == boundaries.DEFAULT_ATTRIBUTION


@pytest.mark.django_db
def test_wards_can_be_matched_by_name(boundaries_file):
    out = run_import(boundaries_file, "--name-field", "name_full_ja")  # 札幌市中央区 → 中央区

    assert WardBoundary.objects.count() == 10
    assert "照合列 name_full_ja" in out


@pytest.mark.django_db
def test_an_invalid_ring_is_repaired_and_features_of_unknown_wards_are_ignored(tmp_path):
    bowtie = [[[141.30, 43.00], [141.32, 43.02], [141.32, 43.00], [141.30, 43.02], [141.30, 43.00]]]
    path = feature_collection(
        tmp_path / "wards.geojson",
        [
            {
                "type": "Feature",
                "properties": {"code": "01101"},
                "geometry": {"type": "Polygon", "coordinates": bowtie},
            },
            {
                "type": "Feature",
                "properties": {"code": "01102"},
                "geometry": {"type": "Polygon", "coordinates": square(141.33, 43.0)},
            },
            {
                "type": "Feature",
                "properties": {"code": "99999"},
                "geometry": {"type": "Polygon", "coordinates": square(141.4, 43.0)},
            },
        ],
    )

    out = run_import(path)

    assert "不正なリングを修復した地物: 1 件" in out
    assert "区に一致しない地物（無視）: 99999" in out
    assert "境界のない区:" in out
    repaired = shapely.from_geojson(WardBoundary.objects.get(ward__code="01101").geometry)
    assert repaired.is_valid
    assert repaired.area == pytest.approx(2 * 0.5 * 0.02 * 0.01)  # both triangles of the bow-tie kept


@pytest.mark.django_db
def test_a_broken_file_is_refused_in_japanese_and_changes_nothing(boundaries_file, tmp_path):
    run_import(boundaries_file)
    before = list(WardBoundary.objects.values_list("id", "imported_at"))
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"type": ', encoding="utf-8")

    with pytest.raises(CommandError, match=r"境界ファイルを読み込めません.*境界は変更していません"):
        run_import(broken)

    assert list(WardBoundary.objects.values_list("id", "imported_at")) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("features", "message"),
    [
        ([], "地物がありません"),
        (
            [
                {
                    "type": "Feature",
                    "properties": {"code": "01100"},
                    "geometry": {"type": "Polygon", "coordinates": square(141.3, 43.0)},
                }
            ],
            "ファイルにあるのは札幌市全体（01100）を1つにした境界で、区ごとの境界ではありません",
        ),
        (
            [
                {
                    "type": "Feature",
                    "properties": {"code": "01101"},
                    "geometry": {"type": "Point", "coordinates": [141.3, 43.0]},
                }
            ],
            "unusable.geojson の地物は点（ポイント）で、区域のポリゴンではありません",
        ),
        (
            [
                {
                    "type": "Feature",
                    "properties": {"name": "中央区"},
                    "geometry": {"type": "Polygon", "coordinates": square(141.3, 43.0)},
                }
            ],
            "区コードの列が見つかりません",
        ),
    ],
    ids=["empty", "whole-city", "points", "no-code-column"],
)
def test_a_file_without_usable_features_is_refused(tmp_path, features, message):
    path = feature_collection(tmp_path / "unusable.geojson", features)

    with pytest.raises(CommandError, match=message):
        run_import(path)

    assert not WardBoundary.objects.exists()


@pytest.mark.django_db
def test_an_unknown_level_is_refused(boundaries_file):
    with pytest.raises(CommandError, match="invalid choice: 'federation'"):
        run_import(boundaries_file, "--level", "federation")

    with pytest.raises(boundaries.BoundaryFileError, match="区分「federation」の境界は取り込めません"):
        boundaries.import_boundaries(path=boundaries_file, level="federation")


@pytest.mark.django_db
def test_a_missing_file_is_refused():
    with pytest.raises(CommandError, match="ファイルが見つかりません"):
        run_import("/nonexistent/wards.geojson")


@pytest.mark.django_db
def test_reimport_replaces_every_boundary(boundaries_file, tmp_path):
    run_import(boundaries_file)
    path = feature_collection(
        tmp_path / "two.geojson",
        [
            {
                "type": "Feature",
                "properties": {"code": code},
                "geometry": {"type": "Polygon", "coordinates": square(141.3 + i * 0.01, 43.0)},
            }
            for i, code in enumerate(["01101", "01102"])
        ],
    )

    run_import(path)

    assert sorted(WardBoundary.objects.values_list("ward__code", flat=True)) == ["01101", "01102"]
    assert set(WardBoundary.objects.values_list("source_file", flat=True)) == {"two.geojson"}


@pytest.mark.django_db
def test_reimport_is_atomic_when_writing_fails(boundaries_file, monkeypatch):
    run_import(boundaries_file)
    before = list(WardBoundary.objects.values_list("id", "imported_at"))

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(WardBoundary.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        run_import(boundaries_file)

    assert list(WardBoundary.objects.values_list("id", "imported_at")) == before


# --- simplified geometry for the web ----------------------------------------------------------


@pytest.mark.django_db
def test_simplified_wards_are_small_and_still_tile_the_city_without_gaps_or_overlaps(boundaries_file):
    run_import(boundaries_file)
    rows = list(WardBoundary.objects.values_list("simplified", "geometry"))

    assert sum(len(light.encode()) for light, _full in rows) < 100 * 1024
    light = [shapely.from_geojson(s) for s, _full in rows]
    full = [shapely.from_geojson(f) for _light, f in rows]
    assert all(shapely.is_valid(light))
    assert shapely.get_num_coordinates(light).sum() < shapely.get_num_coordinates(full).sum() / 3
    # Coordinates are rounded to 5 decimals.
    coords = shapely.get_coordinates(light)
    assert abs(coords * 1e5 - (coords * 1e5).round()).max() < 1e-6
    # No overlaps: every pair of neighbours shares only lines.
    for a, b in itertools.combinations(light, 2):
        assert shapely.intersection(a, b).area < 1e-10
    # No gaps: the wards still cover the city exactly as the full-resolution wards do.
    union, original = shapely.union_all(light), shapely.union_all(full)
    assert union.area == pytest.approx(original.area, rel=1e-3)
    assert union.geom_type == "Polygon"
    assert len(union.interiors) == 0


def _source_geometry(path, code):
    data = json.loads(path.read_text(encoding="utf-8"))
    [feature] = [f for f in data["features"] if f["properties"]["code"] == code]
    return shapely.geometry.shape(feature["geometry"])
