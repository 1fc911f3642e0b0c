"""Ward outlines as SVG paths, for the small multiples of the time view (no Leaflet, no script).

Pure Python over the GeoJSON text the boundaries are stored as: no shapely, so a page that draws
these loads no map library. Longitudes are scaled by cos(latitude at the centre), which keeps the
wards' shapes at Sapporo's 43° N as well as Web Mercator would over an area this small.
Coordinates are rounded to 0.1 px and repeated points dropped, which cuts the simplified boundaries
(≈ 63 KB of GeoJSON) to about a third.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class WardOutlines:
    width: int
    height: int
    paths: dict[str, str]  # ward code → SVG path data

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

    paths = {}
    for code, rings in parsed.items():
        parts = []
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
        paths[code] = "".join(parts)
    return WardOutlines(width=width, height=height, paths=paths)
