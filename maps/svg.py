"""Ward outlines as SVG paths, for the small multiples of the time view (no Leaflet, no script).

Pure Python over the GeoJSON text the boundaries are stored as: no shapely, so a page that draws
these loads no map library. Longitudes are scaled by cos(latitude at the centre), which keeps the
wards' shapes at a Japanese city's latitude as well as Web Mercator would over an area this small.
Coordinates are rounded to 0.1 px and repeated points dropped, which cuts the simplified boundaries
(≈ 63 KB of GeoJSON) to about a third.

Each ward also gets a label point well inside its largest part (label_point: a coarse search for
the point farthest from the edges, in the spirit of shapely's polylabel), and the outlines are
kept for the boundaries they were drawn from (functools.lru_cache), so the page pays for that once.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WardOutlines:
    width: int
    height: int
    paths: dict[str, str]  # ward code → SVG path data
    label_points: dict[str, tuple[float, float]] = field(default_factory=dict)  # code → (x, y) px

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def _rings(geometry: dict):
    kind = geometry["type"]
    if kind == "Polygon":
        yield from geometry["coordinates"]
    elif kind == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon
    elif kind == "GeometryCollection":
        for part in geometry["geometries"]:
            yield from _rings(part)


def ward_outlines(geometries: dict[str, str], *, width: int = 300, padding: int = 4) -> WardOutlines | None:
    """Paths for every ward (code → GeoJSON text, EPSG:4326) in a box `width` px wide."""
    return _ward_outlines(tuple(sorted(geometries.items())), width, padding)


@functools.lru_cache(maxsize=8)
def _ward_outlines(items: tuple[tuple[str, str], ...], width: int, padding: int) -> WardOutlines | None:
    geometries = dict(items)
    parsed = {code: list(_rings(json.loads(text))) for code, text in geometries.items()}
    points = [p for rings in parsed.values() for ring in rings for p in ring]
    if not points:
        return None
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = (max_lon - min_lon) * squeeze or 1e-9
    span_y = (max_lat - min_lat) or 1e-9
    scale = (width - 2 * padding) / span_x
    height = math.ceil(span_y * scale + 2 * padding)

    paths, label_points = {}, {}
    for code, rings in parsed.items():
        parts = []
        pixel_rings = []
        for ring in rings:
            previous = None
            coords = []
            for lon, lat, *_rest in ring:
                point = (
                    round(padding + (lon - min_lon) * squeeze * scale, 1),
                    round(padding + (max_lat - lat) * scale, 1),
                )
                if point != previous:
                    coords.append(f"{point[0]:g} {point[1]:g}")
                    previous = point
            if len(coords) >= 3:
                parts.append("M" + "L".join(coords) + "Z")
                pixel_rings.append(
                    [
                        (padding + (lon - min_lon) * squeeze * scale, padding + (max_lat - lat) * scale)
                        for lon, lat, *_rest in ring
                    ]
                )
        paths[code] = "".join(parts)
        if pixel_rings:
            label_points[code] = label_point(max(pixel_rings, key=lambda r: abs(_area(r))))
    return WardOutlines(width=width, height=height, paths=paths, label_points=label_points)


def _area(ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def _inside(x: float, y: float, ring) -> bool:
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _segments(ring) -> list[tuple[float, float, float, float, float]]:
    """(x0, y0, dx, dy, length²) of every edge, for _edge_distance."""
    return [
        (x0, y0, x1 - x0, y1 - y0, (x1 - x0) ** 2 + (y1 - y0) ** 2)
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    ]


def _edge_distance(x: float, y: float, segments) -> float:
    best = math.inf
    for x0, y0, dx, dy, length2 in segments:
        t = ((x - x0) * dx + (y - y0) * dy) / length2 if length2 else 0.0
        t = 0.0 if t < 0 else 1.0 if t > 1 else t
        ex, ey = x - x0 - t * dx, y - y0 - t * dy
        d2 = ex * ex + ey * ey
        if d2 < best:
            best = d2
    return math.sqrt(best)


def label_point(ring: list[tuple[float, float]], *, steps: int = 8) -> tuple[float, float]:
    """A point inside `ring` (pixels) far from its edges: a grid search, then two finer ones.

    The ring is thinned to about 60 vertices for the search (a label needs no more precision).
    """
    thin = ring[:: max(1, len(ring) // 60)]
    xs, ys = [p[0] for p in thin], [p[1] for p in thin]
    low_x, high_x, low_y, high_y = min(xs), max(xs), min(ys), max(ys)
    best, best_distance = ((low_x + high_x) / 2, (low_y + high_y) / 2), -1.0
    cell_x, cell_y = (high_x - low_x) / steps, (high_y - low_y) / steps
    centre = best
    segments = _segments(thin)
    for _round in range(3):
        for i in range(steps + 1):
            for j in range(steps + 1):
                x = centre[0] + (i - steps / 2) * cell_x
                y = centre[1] + (j - steps / 2) * cell_y
                if _inside(x, y, thin):
                    distance = _edge_distance(x, y, segments)
                    if distance > best_distance:
                        best, best_distance = (x, y), distance
        centre = best
        cell_x, cell_y = cell_x * 2 / steps, cell_y * 2 / steps
    return round(best[0], 1), round(best[1], 1)
