"""District and association areas: import by code or name, reports, refusals, atomic re-import per level."""

import io
import json

import pytest
import shapely
from django.core.management import CommandError, call_command

from tests.factories import AssociationFactory, DistrictFactory, ward
from wards import boundaries
from wards.models import AreaBoundary, WardBoundary

pytestmark = pytest.mark.django_db

# Squares of about 800 m inside 中央区, side by side along a row (a coverage: shared edges only).
WEST, SOUTH, SIDE = 141.330, 43.050, 0.01


def square(i, *, size=SIDE):
    x, y = WEST + i * SIDE, SOUTH
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def feature(properties, geometry):
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write(path, features, **members):
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features, **members}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def run_import(*args) -> str:
    out = io.StringIO()
    call_command("import_boundaries", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def districts(db):
    return [
        DistrictFactory(code=f"0110{n}", name=name, ward=ward("01101"))
        for n, name in enumerate(["大通地区", "桑園地区", "円山地区"], start=1)
    ]


@pytest.fixture
def district_file(tmp_path, districts):
    """三つの地区: 大通 in two pieces, 桑園 in one, 円山 missing; a feature of an unknown district."""
    return write(
        tmp_path / "districts.geojson",
        [
            feature({"code": "01101", "name": "大通地区"}, _half(0, "west")),
            feature({"code": "01101", "name": "大通地区"}, _half(0, "east")),
            feature({"code": "01102", "name": "桑園地区"}, square(1)),
            feature({"code": "09999", "name": "存在しない地区"}, square(2)),
        ],
        attribution="出典: 札幌市 まちづくりセンター地区境界（テスト用の合成データ）",
    )


def _half(i, side):
    x, y = WEST + i * SIDE + (SIDE / 2 if side == "east" else 0), SOUTH
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + SIDE / 2, y], [x + SIDE / 2, y + SIDE], [x, y + SIDE], [x, y]]],
    }


def test_district_areas_are_matched_on_their_code_merged_and_reported(district_file):
    out = run_import(district_file, "--level", "district")

    assert sorted(AreaBoundary.objects.filter(level="district").values_list("code", flat=True)) == [
        "01101",
        "01102",
    ]
    assert "照合列 code" in out
    assert "取込 01101 大通地区（2 件の地物を統合）" in out
    assert "地区に一致しない地物（無視）: 09999" in out
    assert "境界のない地区: 01103 円山地区" in out
    assert "2 地区の境界を取り込みました" in out
    odori = AreaBoundary.objects.get(level="district", code="01101")
    assert odori.feature_count == 2
    merged = shapely.from_geojson(odori.geometry)
    assert merged.geom_type == "Polygon"
    assert merged.area == pytest.approx(SIDE * SIDE)
    assert shapely.is_valid(shapely.from_geojson(odori.simplified))
    assert odori.attribution.startswith("出典: 札幌市")
    assert not WardBoundary.objects.exists()  # other levels are left alone


def test_districts_can_be_matched_by_a_named_code_field_or_by_name(tmp_path, districts):
    path = write(
        tmp_path / "named.geojson",
        [
            # Numbers, as a spreadsheet saves them: the leading zero is lost.
            feature({"地区コード": 1101, "地区名": "大通地区"}, square(0)),
            feature({"地区コード": 1102, "地区名": "桑園地区"}, square(1)),
        ],
    )

    out = run_import(path, "--level", "district")
    assert "照合列 地区コード" in out
    assert AreaBoundary.objects.filter(level="district").count() == 2

    out = run_import(path, "--level", "district", "--name-field", "地区名")
    assert "照合列 地区名" in out
    assert AreaBoundary.objects.filter(level="district").count() == 2


def test_a_name_shared_by_two_districts_is_reported_not_guessed(tmp_path, districts):
    DistrictFactory(code="01201", name="大通地区", ward=ward("01102"))
    path = write(
        tmp_path / "names.geojson",
        [feature({"name": "大通地区"}, square(0)), feature({"name": "桑園地区"}, square(1))],
    )

    out = run_import(path, "--level", "district", "--name-field", "name")

    assert "同じ名前の地区が複数あるため照合できない地物（無視）: 大通地区" in out
    assert list(AreaBoundary.objects.values_list("code", flat=True)) == ["01102"]


def test_association_areas_are_matched_on_the_association_code(tmp_path):
    a = AssociationFactory(ward=ward("01101"), code="01101-0001", name="大通東町内会")
    b = AssociationFactory(ward=ward("01101"), code="01101-0002", name="大通西町内会")
    AssociationFactory(ward=ward("01101"), code="01101-0003", name="区域のない町内会")
    AssociationFactory(
        ward=ward("01101"),
        code="01101-0004",
        name="解散した町内会",
        status="dissolved",
        ended_on="2023-03-31",
    )
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[141.35, 43.05], [141.36, 43.06], [141.36, 43.05], [141.35, 43.06], [141.35, 43.05]]
        ],
    }
    path = write(
        tmp_path / "associations.geojson",
        [
            feature({"町内会コード": "01101－0001"}, square(0)),  # a full-width hyphen
            feature({"町内会コード": "011010002"}, bowtie),  # no hyphen; an invalid ring
            feature({"町内会コード": "01101-9999"}, square(3)),
        ],
    )

    out = run_import(path, "--level", "association")

    assert sorted(AreaBoundary.objects.filter(level="association").values_list("code", flat=True)) == [
        a.code,
        b.code,
    ]
    assert "照合列 町内会コード" in out
    assert "不正なリングを修復した地物: 1 件" in out
    assert "町内会に一致しない地物（無視）: 01101-9999" in out
    assert "境界のない町内会: 01101-0003 区域のない町内会" in out  # active ones only
    assert "解散した町内会" not in out
    repaired = shapely.from_geojson(AreaBoundary.objects.get(code=b.code).geometry)
    assert repaired.is_valid and repaired.area == pytest.approx(2 * 0.5 * 0.01 * 0.005)


@pytest.mark.parametrize(
    ("features", "message"),
    [
        (
            [feature({"code": "09999"}, square(0))],
            "地区に一致するポリゴンがありません（unusable.geojson、照合した列: code、地区コード）",
        ),
        (
            [feature({"code": "01101"}, {"type": "Point", "coordinates": [141.3, 43.0]})],
            "地物は点（ポイント）で、区域のポリゴンではありません",
        ),
        ([feature({"名前": "大通地区"}, square(0))], "地区コードの列が見つかりません"),
    ],
    ids=["no-matching-code", "no-polygons", "no-code-column"],
)
def test_a_district_file_without_usable_features_is_refused_and_changes_nothing(
    tmp_path, district_file, features, message
):
    run_import(district_file, "--level", "district")
    before = list(AreaBoundary.objects.values_list("id", "imported_at"))

    with pytest.raises(CommandError, match=rf"{message}.*境界は変更していません"):
        run_import(write(tmp_path / "unusable.geojson", features), "--level", "district")

    assert list(AreaBoundary.objects.values_list("id", "imported_at")) == before


def test_districts_cannot_be_imported_before_any_district_is_registered(tmp_path):
    path = write(tmp_path / "districts.geojson", [feature({"code": "01101"}, square(0))])

    with pytest.raises(CommandError, match="地区がまだ登録されていないため"):
        run_import(path, "--level", "district")


def test_reimport_replaces_the_levels_areas_and_leaves_the_other_level(tmp_path, district_file):
    AssociationFactory(ward=ward("01101"), code="01101-0001")
    run_import(
        write(tmp_path / "a.geojson", [feature({"code": "01101-0001"}, square(5))]), "--level", "association"
    )
    run_import(district_file, "--level", "district")

    run_import(
        write(tmp_path / "one.geojson", [feature({"code": "01103"}, square(2))]), "--level", "district"
    )

    assert list(AreaBoundary.objects.filter(level="district").values_list("code", "source_file")) == [
        ("01103", "one.geojson")
    ]
    assert list(AreaBoundary.objects.filter(level="association").values_list("code", flat=True)) == [
        "01101-0001"
    ]


def test_reimport_is_atomic_when_writing_fails(district_file, monkeypatch):
    run_import(district_file, "--level", "district")
    before = list(AreaBoundary.objects.values_list("id", "imported_at"))

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(AreaBoundary.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        run_import(district_file, "--level", "district")

    assert list(AreaBoundary.objects.values_list("id", "imported_at")) == before


def test_long_lists_are_cut_short_unless_verbose(tmp_path, districts):
    path = write(
        tmp_path / "many.geojson",
        [feature({"code": f"9{n:04d}"}, square(n % 3)) for n in range(30)]
        + [feature({"code": "01101"}, square(0))],
    )

    short = run_import(path, "--level", "district")
    full = run_import(path, "--level", "district", "--verbosity", "2")

    assert "ほか 10 件" in short and "90029" not in short
    assert "90029" in full


def test_the_level_is_a_database_constraint():
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        AreaBoundary.objects.create(
            level="federation",
            code="F1",
            geometry="{}",
            simplified="{}",
            source_file="x",
            imported_at=timezone.now(),
        )


def test_codes_are_normalised_per_level():
    assert boundaries.normalise_area_code("０１１０１－０００１", level="association") == "01101-0001"
    assert boundaries.normalise_area_code("011010001", level="association") == "01101-0001"
    assert boundaries.normalise_area_code(1101.0, level="district") == "1101"
    assert boundaries.normalise_area_code(" ０１１０２ ", level="district") == "01102"
    assert boundaries.normalise_area_code(float("nan"), level="district") is None
