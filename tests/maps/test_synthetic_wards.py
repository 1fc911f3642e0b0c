"""The synthetic ward file the map tests draw: what its generator writes, labelled, and a clean tiling."""

import json

import shapely

from tests.maps import synthetic_wards
from tests.maps.conftest import WARD_CODES


def test_synthetic_file_is_what_the_generator_writes():
    assert synthetic_wards.PATH.read_text(encoding="utf-8") == synthetic_wards.text(), (
        "regenerate it: .venv/bin/python -m tests.maps.synthetic_wards"
    )


def test_synthetic_wards_say_so_and_tile_their_city_without_gaps_or_overlaps():
    data = json.loads(synthetic_wards.PATH.read_text(encoding="utf-8"))
    assert "実際の区境界ではありません" in data["attribution"]
    assert all(f["properties"]["source"].startswith("synthetic:") for f in data["features"])
    wards = {
        f["properties"]["code"]: shapely.from_geojson(json.dumps(f["geometry"])) for f in data["features"]
    }
    city = wards.pop("01100")
    assert sorted(wards) == WARD_CODES
    assert shapely.coverage_is_valid(list(wards.values()))
    assert shapely.union_all(list(wards.values())).equals(city)
