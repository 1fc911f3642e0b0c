"""Boundary files for cities other than Sapporo: a second designated city of the same prefecture, and
a city whose only area is the whole city. Files are generated (tests.maps.boundary_files)."""

import io

import pytest
from django.core.management import call_command

from chonaikai.cities import current
from chonaikai.cities.models import City
from tests.maps.boundary_files import n03_feature, square, write_geojson
from wards.models import Ward, WardBoundary, WardTotal

pytestmark = pytest.mark.django_db

SHIZUOKA = (138.38, 34.97)
HAMAMATSU = (137.73, 34.71)
ASAHIKAWA = (142.36, 43.77)


def become(code: str, name: str, areas: list[tuple[str, str]]) -> None:
    """Turn the test database's city into another one (the suite loads Sapporo)."""
    WardTotal.objects.all().delete()
    Ward.objects.all().delete()
    City.objects.update(code=code, name=name)
    for area_code, area_name in areas:
        Ward.objects.create(code=area_code, name=area_name, kana="", romaji=area_name)
    current.forget()


def run_import(path) -> str:
    out = io.StringIO()
    call_command("import_boundaries", str(path), stdout=out)
    current.forget()
    return out.getvalue()


def test_the_other_designated_city_of_the_prefecture_is_another_municipality(tmp_path):
    become("22100", "静岡市", [("22101", "葵区"), ("22102", "駿河区"), ("22103", "清水区")])
    features = [
        n03_feature("静岡県", "静岡市", name, code, square(SHIZUOKA, i))
        for i, (code, name) in enumerate([("22101", "葵区"), ("22102", "駿河区"), ("22103", "清水区")])
    ] + [
        n03_feature("静岡県", "浜松市", name, code, square(HAMAMATSU, i))
        for i, (code, name) in enumerate([("22131", "中区"), ("22137", "天竜区")])
    ]

    out = run_import(write_geojson(tmp_path / "shizuoka.geojson", features))

    assert sorted(WardBoundary.objects.values_list("ward__code", flat=True)) == ["22101", "22102", "22103"]
    assert "静岡市以外の地物（無視）: 2 件" in out
    assert "22131" not in out


def test_a_city_without_wards_takes_its_own_polygon_and_calls_its_neighbours_other_places(tmp_path):
    become("01204", "旭川市", [("01204", "旭川市")])
    features = [
        n03_feature("北海道", None, "旭川市", "01204", square(ASAHIKAWA, 0)),
        n03_feature("北海道", None, "士別市", "01220", square(ASAHIKAWA, 1)),
        n03_feature("北海道", None, "名寄市", "01221", square(ASAHIKAWA, 2)),
    ]

    out = run_import(write_geojson(tmp_path / "hokkaido.geojson", features))

    assert list(WardBoundary.objects.values_list("ward__code", flat=True)) == ["01204"]
    assert "旭川市以外の地物（無視）: 2 件" in out
    assert "01220" not in out
