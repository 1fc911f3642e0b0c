"""A large association layer (a nationwide register): first zoom levels on the page, the rest per viewport."""

import json
import re

import pytest

from maps import layer
from maps.layer import HallPoint
from tests.factories import AssociationFactory, HouseholdCountFactory, ward
from tests.maps.conftest import D24

LABELS = {"no_data": "データなし・非公表"}


def _points(n):
    return [
        HallPoint(
            code=f"c{i}", name=f"n{i}", federation="F" if i % 2 else "", lat=43 + i * 0.01, lon=141 + i * 0.01
        )
        for i in range(n)
    ]


def test_a_small_layer_embeds_every_hall_and_level():
    payload = layer.layer_payload(
        _points(3), detail_url="/a/CODE/", labels=LABELS, min_households=20, remote_url="/r?x="
    )
    assert "remote" not in payload and len(payload["points"]) == 3
    assert len(payload["levels"]) == layer.CLUSTER_MAX_ZOOM - layer.CLUSTER_MIN_ZOOM + 1


def test_a_large_layer_embeds_the_levels_that_fit_and_names_where_to_fetch_the_rest(monkeypatch):
    monkeypatch.setattr(layer, "EMBED_POINTS_MAX", 10)
    monkeypatch.setattr(layer, "EMBED_ENTRIES_MAX", 40)
    points = _points(30)
    payload = layer.layer_payload(
        points, detail_url="/a/CODE/", labels=LABELS, min_households=20, remote_url="/r?x="
    )
    assert payload["remote"] == "/r?x=" and payload["points"] == [] and payload["federations"] == []
    embedded = sum(len(level) for level in payload["levels"].values())
    assert 0 < embedded <= 40 and len(payload["levels"]) < layer.CLUSTER_MAX_ZOOM - layer.CLUSTER_MIN_ZOOM + 1
    singles = [e for level in payload["levels"].values() for e in level if len(e) == 7]
    assert singles and all(isinstance(e[6], str) for e in singles)  # written out, federation by name


def test_a_viewports_clusters_are_the_whole_layers_clusters_there():
    points = _points(60)
    zoom = 11
    whole = {tuple(c.members) for c in layer.grid_clusters(points, zoom=zoom)}
    south, west, north, east = layer.cell_bounds(43.1, 141.1, 43.3, 141.3, zoom=zoom)
    inside = [i for i, p in enumerate(points) if south <= p.lat <= north and west <= p.lon <= east]
    local = layer.grid_clusters([points[i] for i in inside], zoom=zoom)
    assert {tuple(inside[m] for m in c.members) for c in local} <= whole


@pytest.fixture
def halls(db):
    for i in range(12):
        association = AssociationFactory(
            ward=ward("01101"),
            hall_latitude=f"{43.0 + i * 0.02:.6f}",
            hall_longitude=f"{141.3 + i * 0.02:.6f}",
        )
        HouseholdCountFactory(
            association=association, survey_date=D24, households=100, member_households=60 + i
        )


def _layer(response):
    match = re.search(r'id="association-layer-data">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1)) if match else None


def test_the_page_of_a_large_layer_fetches_other_zooms_for_its_viewport(
    client, boundaries, halls, city_admin, monkeypatch
):
    monkeypatch.setattr(layer, "EMBED_POINTS_MAX", 5)
    monkeypatch.setattr(layer, "EMBED_ENTRIES_MAX", 12)
    client.force_login(city_admin)
    payload = _layer(client.get("/maps/"))
    assert payload["remote"].startswith("/maps/halls.json?survey_date=")

    response = client.get(payload["remote"] + "&zoom=15&bbox=42.9,141.2,43.5,141.8")
    assert response.status_code == 200
    entries = response.json()["entries"]
    assert len(entries) == 12 and all(len(e) == 7 for e in entries)
    colours = {e[2] for e in entries}
    assert colours <= {band[0] for band in payload["legend"]}  # the page's classes

    clusters = client.get(payload["remote"] + "&zoom=12&bbox=42.9,141.2,43.5,141.8").json()["entries"]
    assert sum(e[2] if len(e) == 5 else 1 for e in clusters) == 12


def test_the_viewport_endpoint_shows_nothing_to_anonymous_visitors_and_checks_its_input(client, halls):
    assert client.get("/maps/halls.json?zoom=15&bbox=42.9,141.2,43.5,141.8").json()["entries"] == []
    assert client.get("/maps/halls.json?zoom=15&bbox=nonsense").status_code == 400
    assert client.get("/maps/halls.json?zoom=99&bbox=42.9,141.2,43.5,141.8").status_code == 400
