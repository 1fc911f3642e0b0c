"""The association layer of the ward map: meeting halls coloured by rate, clustered on the server.

Leaflet's marker-cluster plugin is not among the static files we ship, so clustering happens
here: for each zoom level up to CLUSTER_MAX_ZOOM the halls are grouped by a grid of
CELL_PX × CELL_PX screen pixels (Web Mercator, as Leaflet draws), and each cell with more than one
hall becomes one circle with the count and the cell's combined rate (its member households ÷ its
households, rules.membership_rate). Beyond that zoom every hall is drawn on its own. The page
gets all levels at once (a few tens of KB for a city of some 2,000 associations) and switches between them as the user
zooms, with no further request.

Pure Python: no queries. Popups carry the association's name, federation, rate and a link to its
page, never personal data (the selector does not even read those fields).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from chonaikai.associations import rules
from chonaikai.associations.stats import publication

from . import metrics

CELL_PX = 48  # grid cell in screen pixels: the largest cluster circle (44 px) fits in one
# Up to this many halls the page gets every hall and every zoom level at once (a city: 2,200 halls,
# ~250 KB). Above it (a nationwide register: 300,000 halls would be ~32 MB) the page gets the levels
# that fit in EMBED_ENTRIES_MAX entries (~1 MB), and the map asks maps:hall_layer for the rest,
# one viewport at a time.
EMBED_POINTS_MAX = 5_000
EMBED_ENTRIES_MAX = 25_000
CLUSTER_MIN_ZOOM = 9
CLUSTER_MAX_ZOOM = 13  # from zoom 14 (about 1:35,000) every hall is drawn on its own
TILE_PX = 256
# The halls' rate in neutral greys (white → near black), a scale with no hue: every choropleth
# (blues, greens, oranges, red–blue) keeps its own colours under the halls, and the halls' legend
# cannot be read as the map's. Oranges clashed with the map of the gap.
HALL_RATE = metrics.Metric(
    "rate",
    _("町内会の加入率（%）"),
    "Association membership rate (%)",
    "%",
    ("#ffffff", "#bdbdbd", "#969696", "#737373", "#525252", "#252525"),
)


@dataclass(frozen=True)
class HallPoint:
    code: str
    name: str
    federation: str
    lat: float
    lon: float
    households: int | None = None
    member_households: int | None = None

    @property
    def rate(self) -> Decimal | None:
        return rules.membership_rate(self.member_households, self.households)


@dataclass(frozen=True)
class Cluster:
    lat: float  # mean position of its halls
    lon: float
    members: tuple[int, ...]  # indexes into the points list
    households: int
    member_households: int

    @property
    def rate(self) -> Decimal | None:
        return rules.membership_rate(self.member_households, self.households) if self.households else None


def pixel(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates at `zoom`, as Leaflet's default CRS (EPSG:3857) computes them."""
    scale = TILE_PX * 2**zoom
    x = (lon + 180.0) / 360.0 * scale
    sin = math.sin(math.radians(max(min(lat, 85.0511), -85.0511)))
    y = (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * scale
    return x, y


def world_pixels(points: list[HallPoint]) -> list[tuple[float, float]]:
    """Each hall's pixel at zoom 0: a zoom's pixels are these times 2**zoom (one sine and log a hall)."""
    return [pixel(p.lat, p.lon, 0) for p in points]


def grid_clusters(
    points: list[HallPoint],
    *,
    zoom: int,
    cell_px: int = CELL_PX,
    world: list[tuple[float, float]] | None = None,
) -> list[Cluster]:
    """Halls grouped by grid cell at `zoom`; cells in row-major order, single halls included.

    `world`: world_pixels(points), when the caller clusters the same halls at several zooms.
    """
    cells: dict[tuple[int, int], list[int]] = {}
    scale = 2**zoom / cell_px
    for index, (x, y) in enumerate(world if world is not None else world_pixels(points)):
        cells.setdefault((math.floor(y * scale), math.floor(x * scale)), []).append(index)
    clusters = []
    for key in sorted(cells):
        members = cells[key]
        counted = [points[i] for i in members if points[i].households is not None]
        clusters.append(
            Cluster(
                lat=sum(points[i].lat for i in members) / len(members),
                lon=sum(points[i].lon for i in members) / len(members),
                members=tuple(members),
                households=sum(p.households for p in counted),
                member_households=sum(p.member_households for p in counted),
            )
        )
    return clusters


def layer_payload(
    points: list[HallPoint],
    *,
    detail_url: str,
    labels: dict[str, str],
    min_households: int,
    remote_url: str = "",
    bands=None,
) -> dict:
    """What the page's script draws: points, clusters per zoom, colours and the legend.

    `detail_url` is an association page's URL with "CODE" where the code goes. A cluster of fewer
    households than `min_households` gets no rate (grey), like a suppressed ward.

    Up to EMBED_POINTS_MAX halls: every hall ("points") and every zoom level, single halls by
    their index in "points". Above it (`remote_url` given): no "points"; the zoom levels from
    CLUSTER_MIN_ZOOM up while they fit in EMBED_ENTRIES_MAX entries, single halls written out in
    full (hall_entry), and "remote" — where the script fetches the other levels and the halls,
    one viewport at a time (viewport_entries).
    """
    rates = {i: p.rate for i, p in enumerate(points) if p.rate is not None}
    bands = hall_bands(points) if bands is None else bands
    large = bool(remote_url) and len(points) > EMBED_POINTS_MAX
    federations = [] if large else sorted({p.federation for p in points if p.federation})
    federation_index = {name: i for i, name in enumerate(federations)}
    encoded_points = (
        []
        if large
        else [
            [
                round(p.lat, 5),
                round(p.lon, 5),
                metrics.band_colour(p.rate, bands),
                metrics.format_value(p.rate, HALL_RATE),
                p.code,
                p.name,
                federation_index.get(p.federation, -1),
            ]
            for p in points
        ]
    )
    levels = {}
    world = world_pixels(points)
    embedded = 0
    for zoom in range(CLUSTER_MIN_ZOOM, CLUSTER_MAX_ZOOM + 1) if points else ():
        clusters = grid_clusters(points, zoom=zoom, world=world)
        if large and embedded + len(clusters) > EMBED_ENTRIES_MAX and levels:
            break
        embedded += len(clusters)
        levels[str(zoom)] = [
            cluster_entry(cluster, points, bands=bands, min_households=min_households, by_index=not large)
            for cluster in clusters
        ]
    legend = [[b.colour, b.label] for b in bands]
    if len(rates) < len(points):
        legend.append([metrics.NO_DATA_COLOUR, labels["no_data"]])
    payload = {
        "points": encoded_points,
        "federations": federations,
        "levels": levels,
        "minZoom": CLUSTER_MIN_ZOOM,
        "maxClusterZoom": CLUSTER_MAX_ZOOM,
        "legend": legend,
        "detailUrl": detail_url,
        "labels": labels,
    }
    if large:
        payload["remote"] = remote_url
    return payload


def hall_bands(points: list[HallPoint]):
    """The rate classes of these halls (metrics.class_bands): the legend, and every colour drawn."""
    return metrics.class_bands((p.rate for p in points if p.rate is not None), HALL_RATE)


def hall_entry(point: HallPoint, bands) -> list:
    """A hall written out in full: [lat, lon, colour, rate text, code, name, federation name]."""
    return [
        round(point.lat, 5),
        round(point.lon, 5),
        metrics.band_colour(point.rate, bands),
        metrics.format_value(point.rate, HALL_RATE),
        point.code,
        point.name,
        point.federation,
    ]


def cluster_entry(
    cluster: Cluster, points: list[HallPoint], *, bands, min_households: int, by_index: bool
) -> list:
    """[index] or a full hall_entry for a single hall; [lat, lon, count, rate text, colour] for a cluster."""
    if len(cluster.members) == 1:
        index = cluster.members[0]
        return [index] if by_index else hall_entry(points[index], bands)
    rate = None if publication.is_small(cluster.households, min_households) else cluster.rate
    return [
        round(cluster.lat, 5),
        round(cluster.lon, 5),
        len(cluster.members),
        metrics.format_value(rate, HALL_RATE),
        metrics.band_colour(rate, bands),
    ]


def cell_bounds(
    south: float, west: float, north: float, east: float, *, zoom: int
) -> tuple[float, float, float, float]:
    """The box widened to whole grid cells at `zoom`, so that a viewport's clusters are the same
    clusters the whole layer has there (no cell cut in two at the viewport's edge)."""
    cell = CELL_PX / (TILE_PX * 2**zoom)  # a cell's side in world units (0..1)
    x0, y1 = pixel(south, west, 0)
    x1, y0 = pixel(north, east, 0)
    x0, x1 = math.floor(x0 / TILE_PX / cell) * cell, math.ceil(x1 / TILE_PX / cell) * cell
    y0, y1 = math.floor(y0 / TILE_PX / cell) * cell, math.ceil(y1 / TILE_PX / cell) * cell

    def lat(y: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y))))

    return lat(y1), x0 * 360 - 180, lat(y0), x1 * 360 - 180


def viewport_entries(points: list[HallPoint], *, zoom: int, bands, min_households: int) -> list:
    """The entries of one viewport (its halls given, the box widened by cell_bounds): clusters up to
    CLUSTER_MAX_ZOOM, every hall beyond it; in the encoding of layer_payload's remote levels."""
    if zoom > CLUSTER_MAX_ZOOM:
        return [hall_entry(p, bands) for p in points]
    return [
        cluster_entry(cluster, points, bands=bands, min_households=min_households, by_index=False)
        for cluster in grid_clusters(points, zoom=zoom)
    ]


# json_script's escapes: the text can sit inside <script> without ending it.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def to_json_text(payload: dict) -> str:
    """Compact JSON with Japanese as is (a third of \\u escapes' size), safe inside <script>."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
