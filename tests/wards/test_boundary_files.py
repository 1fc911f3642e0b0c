"""Boundary files as cities have them: all of Japan, sets of files, partial replacement, encodings,
and files that are not what is expected (the whole city, points, metres without .prj), each named."""

import io
import zipfile

import pytest
import shapely
from django.core.management import CommandError, call_command

from tests.maps.boundary_files import (
    CHIBA,
    KOBE,
    SAPPORO,
    TOKYO,
    feature,
    square,
    write_all_japan,
    write_geojson,
    write_shapefile,
    write_topojson,
    zip_files,
)
from wards import boundaries
from wards.models import WardBoundary

pytestmark = pytest.mark.django_db


def run_import(*args) -> str:
    out = io.StringIO()
    call_command("import_boundaries", *map(str, args), stdout=out)
    return out.getvalue()


def imported() -> dict[str, shapely.Geometry]:
    return {
        code: shapely.from_geojson(geometry)
        for code, geometry in WardBoundary.objects.values_list("ward__code", "geometry")
    }


def in_sapporo(geometry) -> bool:
    minx, miny, maxx, maxy = geometry.bounds
    return (
        SAPPORO[0] - 0.1 < minx <= maxx < SAPPORO[0] + 0.2
        and SAPPORO[1] - 0.1 < miny <= maxy < SAPPORO[1] + 0.1
    )


# --- matching confined to the loaded municipality ------------------------------------------------


@pytest.mark.parametrize("key", [("--name-field", "N03_004"), ()], ids=["by-ward-name", "by-code"])
def test_a_file_of_all_japan_gives_only_the_loaded_citys_wards(tmp_path, key):
    path = write_all_japan(tmp_path / "N03-21_210101.json")

    out = run_import(path, *key)

    wards = imported()
    assert sorted(wards) == ["01101", "01102"]
    assert all(in_sapporo(g) for g in wards.values())  # not merged with Chiba's, Kobe's, Tokyo's
    assert WardBoundary.objects.get(ward__code="01101").feature_count == 1
    assert "取込 01101 中央区" in out and "統合" not in out
    assert "札幌市以外の地物（無視）: 5 件" in out
    assert "一致しない" not in out


def test_ward_names_without_the_citys_name_are_refused_unless_the_file_is_said_to_be_the_citys(tmp_path):
    path = write_geojson(
        tmp_path / "wards.geojson",
        [feature({"name": "中央区"}, square(SAPPORO, 0)), feature({"name": "北区"}, square(SAPPORO, 1))],
    )

    with pytest.raises(
        CommandError, match=r"市町村名「札幌市」が必要です.*--local-names.*境界は変更していません"
    ):
        run_import(path, "--name-field", "name")
    assert not WardBoundary.objects.exists()

    out = run_import(path, "--name-field", "name", "--local-names")
    assert sorted(imported()) == ["01101", "01102"]
    assert "2 区の境界を取り込みました" in out


def test_a_name_whose_pieces_lie_far_apart_is_refused(tmp_path):
    path = write_geojson(
        tmp_path / "wards.geojson",
        [feature({"name": "中央区"}, square(SAPPORO, 0)), feature({"name": "中央区"}, square(KOBE))],
    )

    with pytest.raises(
        CommandError,
        match=r"同じ名前の区が離れた場所にあります（中央区: \d+ km 離れた地物を含む、wards.geojson の地物番号 0・1",
    ):
        run_import(path, "--name-field", "name", "--local-names")
    assert not WardBoundary.objects.exists()


def test_full_names_with_the_prefecture_match_only_that_prefectures_city(tmp_path):
    path = write_geojson(
        tmp_path / "wards.geojson",
        [
            feature({"name": "北海道札幌市中央区"}, square(SAPPORO, 0)),
            feature({"name": "千葉県千葉市中央区"}, square(CHIBA)),
            feature({"name": "東京都中央区"}, square(TOKYO)),
        ],
    )

    out = run_import(path, "--name-field", "name")

    assert list(imported()) == ["01101"]
    assert "札幌市以外の地物（無視）: 2 件" in out


# --- a set of files --------------------------------------------------------------------------------


def per_ward_files(folder):
    """One file per ward, as geolonia/japanese-admins ships them: only a full name, code in the file name."""
    return [
        write_geojson(folder / f"{code}.json", [feature({"name": f"北海道札幌市{name}"}, square(SAPPORO, i))])
        for i, (code, name) in enumerate([("01101", "中央区"), ("01102", "北区"), ("01103", "東区")])
    ]


def test_a_folder_of_one_file_per_ward_imports_as_one_set(tmp_path):
    per_ward_files(tmp_path / "wards")

    out = run_import(tmp_path / "wards", "--name-field", "name")

    assert sorted(imported()) == ["01101", "01102", "01103"]
    assert "3 ファイルを1組として取り込み" in out
    assert WardBoundary.objects.get(ward__code="01102").source_file == "wards/01102.json"


def test_one_file_per_ward_without_a_code_column_is_matched_on_its_file_names(tmp_path):
    per_ward_files(tmp_path / "wards")

    out = run_import(tmp_path / "wards")

    assert sorted(imported()) == ["01101", "01102", "01103"]
    assert "照合列 ファイル名" in out


def test_several_paths_import_as_one_set(tmp_path):
    files = per_ward_files(tmp_path / "wards")

    run_import(*files, "--name-field", "name")

    assert sorted(imported()) == ["01101", "01102", "01103"]


def test_a_zip_of_geojson_topojson_and_shapefile_imports_as_one_set(tmp_path):
    folder = tmp_path / "set"
    geojson = write_geojson(folder / "a.geojson", [feature({"code": "01101"}, square(SAPPORO, 0))])
    topojson = write_topojson(folder / "b.topojson", [({"N03_007": "01102"}, square(SAPPORO, 1), None)])
    shp = write_shapefile(folder, [{"code": "01103", "geometry": square(SAPPORO, 2)}], name="c")
    parts = [geojson, topojson, *sorted(shp.parent.glob("c.*"))]
    archive = zip_files(tmp_path / "wards.zip", parts, root=folder)
    assert len(zipfile.ZipFile(archive).namelist()) > 3

    out = run_import(archive)

    assert sorted(imported()) == ["01101", "01102", "01103"]
    assert "3 ファイルを1組として取り込み: wards.zip:a.geojson、wards.zip:b.topojson、wards.zip:c.shp" in out


def test_a_large_set_of_matched_features_is_read_in_several_queries(tmp_path, monkeypatch):
    monkeypatch.setattr("wards.boundaries.reading._FIDS_PER_QUERY", 1)
    path = write_all_japan(tmp_path / "all.json")
    extra = write_geojson(tmp_path / "more.geojson", [feature({"code": "01103"}, square(SAPPORO, 2))])

    out = run_import(path, extra)

    assert sorted(imported()) == ["01101", "01102", "01103"]
    assert "照合列 N03_007、code" in out
    assert WardBoundary.objects.get(ward__code="01103").source_file == "more.geojson"


# --- replacing only the areas present ---------------------------------------------------------------


def test_by_default_wards_missing_from_the_file_lose_their_boundary_and_the_output_names_them(tmp_path):
    run_import(write_all_japan(tmp_path / "all.json"))
    only_chuo = write_geojson(
        tmp_path / "chuo.geojson", [feature({"code": "01101"}, square(SAPPORO, 0, size=0.02))]
    )

    out = run_import(only_chuo)

    assert list(imported()) == ["01101"]
    assert "ファイルにないため境界を削除した区: 01102 北区（ほかの境界を残すには --keep-others）" in out


def test_dry_run_says_which_boundaries_an_import_would_remove_and_changes_nothing(tmp_path):
    run_import(write_all_japan(tmp_path / "all.json"))
    before = list(WardBoundary.objects.values_list("id", "imported_at"))
    only_chuo = write_geojson(tmp_path / "chuo.geojson", [feature({"code": "01101"}, square(SAPPORO, 0))])

    out = run_import(only_chuo, "--dry-run")

    assert "ファイルにないため境界を削除する区: 01102 北区（ほかの境界を残すには --keep-others）" in out
    assert "確認のみ（--dry-run）: 1 区の境界を取り込めます。境界は変更していません。" in out
    assert list(WardBoundary.objects.values_list("id", "imported_at")) == before


def test_keep_others_replaces_only_the_wards_in_the_file(tmp_path):
    run_import(write_all_japan(tmp_path / "all.json"))
    kita_before = WardBoundary.objects.get(ward__code="01102")
    smaller = square(SAPPORO, 0, size=0.008)
    only_chuo = write_geojson(tmp_path / "chuo.geojson", [feature({"code": "01101"}, smaller)])

    out = run_import(only_chuo, "--keep-others")

    assert sorted(imported()) == ["01101", "01102"]
    kita = WardBoundary.objects.get(ward__code="01102")
    assert (kita.pk, kita.geometry, kita.source_file) == (kita_before.pk, kita_before.geometry, "all.json")
    chuo = WardBoundary.objects.get(ward__code="01101")
    assert chuo.source_file == "chuo.geojson"
    assert shapely.from_geojson(chuo.geometry).area == pytest.approx(0.008**2)
    assert "境界をそのまま残した区: 01102 北区" in out
    [missing_line] = [line for line in out.splitlines() if "境界のない区" in line]
    assert "01103 東区" in missing_line and "北区" not in missing_line  # 北区 still has its boundary
    assert "削除" not in out


# --- Shapefile encodings -------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp932", "utf-8"])
def test_a_shapefile_without_cpg_has_its_encoding_detected(tmp_path, encoding):
    rows = [
        {"N03_001": "北海道", "N03_003": "札幌市", "N03_004": "中央区", "geometry": square(SAPPORO, 0)},
        {"N03_001": "北海道", "N03_003": "札幌市", "N03_004": "北区", "geometry": square(SAPPORO, 1)},
    ]
    shp = write_shapefile(tmp_path / "n03", rows, encoding=encoding, cpg=False)
    assert not shp.with_suffix(".cpg").exists()

    out = run_import(shp.parent, "--name-field", "N03_004")

    assert sorted(imported()) == ["01101", "01102"]
    assert f"n03/areas.shp: .cpg がないため文字コードを {encoding.upper()} と判定しました" in out


def test_a_shapefile_in_an_encoding_that_cannot_be_detected_is_refused_naming_the_option(tmp_path):
    rows = [{"name": "QQQ", "code": "01101", "geometry": square(SAPPORO, 0)}]
    shp = write_shapefile(tmp_path / "odd", rows, cpg=False)
    dbf = shp.with_suffix(".dbf")
    dbf.write_bytes(dbf.read_bytes().replace(b"QQQ", b"\x81 \xe9"))  # neither UTF-8 nor CP932

    with pytest.raises(CommandError, match=r"文字コードを判定できません（odd/areas.shp.*--encoding"):
        run_import(shp.parent)

    out = run_import(shp.parent, "--encoding", "ISO-8859-1")
    assert list(imported()) == ["01101"]
    assert "判定しました" not in out


# --- files that are something else, named for what they are ------------------------------------


def test_a_whole_city_polygon_by_name_is_named_as_such(tmp_path):
    path = write_geojson(
        tmp_path / "city.geojson", [feature({"name": "札幌市"}, square(SAPPORO, 0, size=0.3))]
    )

    with pytest.raises(
        CommandError, match=r"札幌市全体（01100）を1つにした境界で、区ごとの境界ではありません"
    ):
        run_import(path, "--name-field", "name")


def test_a_layer_of_points_that_matches_nothing_is_named_as_points(tmp_path):
    shp = write_shapefile(
        tmp_path / "pts",
        [{"name": "施設", "code": "99999", "geometry": {"type": "Point", "coordinates": list(SAPPORO)}}],
    )

    with pytest.raises(
        CommandError, match=r"areas.shp の地物は点（ポイント）で、区域のポリゴンではありません"
    ):
        run_import(shp)


def test_a_file_in_metres_without_prj_is_named_and_imports_with_crs(tmp_path):
    rows = [
        {"code": "01101", "geometry": square(SAPPORO, 0)},
        {"code": "01102", "geometry": square(SAPPORO, 1)},
    ]
    write_shapefile(tmp_path / "plane", rows, to_crs=6680, prj=False)

    with pytest.raises(CommandError, match=r"座標がメートル単位.*plane/areas.shp: .prj がありません.*--crs"):
        run_import(tmp_path / "plane")

    out = run_import(tmp_path / "plane", "--crs", "EPSG:6680")
    wards = imported()
    assert sorted(wards) == ["01101", "01102"]
    assert wards["01101"].bounds == pytest.approx(
        (SAPPORO[0], SAPPORO[1], SAPPORO[0] + 0.01, SAPPORO[1] + 0.01), abs=1e-6
    )
    assert "EPSG:6680（--crs で指定）" in out


# --- TopoJSON and per-feature ids keep working -----------------------------------------------------


def test_topojson_with_per_feature_ids_imports(tmp_path):
    path = write_topojson(
        tmp_path / "wards.topojson",
        [({"name": "中央区"}, square(SAPPORO, 0), "01101"), ({"name": "北区"}, square(SAPPORO, 1), "01102")],
    )

    out = run_import(path)

    assert sorted(imported()) == ["01101", "01102"]
    assert "照合列 id" in out


def test_geojson_with_per_feature_string_ids_imports(tmp_path):
    path = write_geojson(
        tmp_path / "wards.geojson",
        [feature({}, square(SAPPORO, 0), id="01101"), feature({}, square(SAPPORO, 1), id="01102")],
    )

    run_import(path)

    assert sorted(imported()) == ["01101", "01102"]


@pytest.mark.django_db
def test_the_loaded_municipality_comes_from_the_city_profile():
    from chonaikai.cities import current
    from chonaikai.cities.models import City

    City.objects.update(code="28100", name="神戸市")
    current.forget()

    municipality = boundaries.loaded_municipality()

    assert (municipality.code, municipality.name, municipality.prefecture) == ("28100", "神戸市", "兵庫県")
