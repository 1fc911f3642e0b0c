"""Wards, districts, federations and the ward boundaries as GeoJSON."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import error
from tests.factories import DistrictFactory, FederationFactory, ward
from wards.models import WardBoundary

pytestmark = pytest.mark.django_db


def test_the_ten_wards_by_code(anon):
    body = anon.get("/api/v1/wards/").json()
    assert body["count"] == 10
    assert body["results"][0]["code"] == "01101" and body["results"][0]["name"] == "中央区"
    assert anon.get("/api/v1/wards/01110/").json()["name"] == "清田区"
    error(anon.get("/api/v1/wards/01199/"), 404)


def test_districts_and_federations_filter_by_ward(anon, city):
    DistrictFactory(ward=ward("01102"), code="01102-D01")
    districts = anon.get("/api/v1/districts/", {"ward": "01101"}).json()["results"]
    assert [d["code"] for d in districts] == ["01101-D01"]
    federations = anon.get("/api/v1/federations/", {"district": "01101-D01"}).json()["results"]
    assert federations[0] == {
        "code": "01101-F001",
        "name": "大通連合町内会",
        "kana": "",
        "ward": "01101",
        "ward_name": "中央区",
        "district": "01101-D01",
        "district_name": "大通地区",
        "is_sample": False,
    }
    assert anon.get("/api/v1/federations/01101-F001/").json()["ward_name"] == "中央区"
    body = error(anon.get("/api/v1/federations/", {"district": "nowhere"}), 400)
    assert "district" in body["extra"]["fields"]


@pytest.mark.parametrize("url", ["/api/v1/districts/", "/api/v1/federations/", "/api/v1/wards/"])
def test_area_lists_cost_the_same_queries_for_5_or_50_rows(anon, url):
    for n in range(60):
        district = DistrictFactory(ward=ward(f"011{n % 10 + 1:02d}"))
        FederationFactory(ward=district.ward, district=district)
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert anon.get(url, {"page_size": size}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


SQUARE = {"type": "Polygon", "coordinates": [[[141.3, 43.0], [141.4, 43.0], [141.4, 43.1], [141.3, 43.0]]]}


def test_ward_boundaries_as_geojson_with_code_and_name(anon):
    WardBoundary.objects.create(
        ward=ward("01101"),
        geometry=json.dumps(SQUARE),
        simplified=json.dumps(SQUARE),
        source_file="test.geojson",
        attribution="テスト出典",
        imported_at=timezone.now(),
    )
    response = anon.get("/api/v1/wards.geojson")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["attribution"] == "テスト出典"
    [feature] = body["features"]
    assert feature["properties"] == {"code": "01101", "name": "中央区", "romaji": "Chuo-ku"}
    assert feature["geometry"] == SQUARE


def test_without_boundaries_the_collection_is_empty(anon):
    assert anon.get("/api/v1/wards.geojson").json() == {"type": "FeatureCollection", "features": []}
