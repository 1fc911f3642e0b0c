"""A small SYNTHETIC ward boundary file for the tests: ten made-up areas with the real wards' codes.

Not the city's boundaries. Each ward is the union of the cells of a 0.02° grid whose centre is
nearest to that ward's approximate centre (one rounded point per ward, below), inside a coarse
20-corner outline of the city; the result tiles the outline without gaps or overlaps, in stairs.
It keeps the official file's layout (the same properties, one feature per ward plus the city
outline with code 01100) so the importer reads it the same way, at about 1 % of the official
file's size, so the map tests import and draw it quickly.

The committed file is tests/maps/synthetic_wards.geojson; `test_synthetic_file_is_what_the_generator_writes`
keeps it in step with this module. Regenerate it with:

    .venv/bin/python -m tests.maps.synthetic_wards
"""

from __future__ import annotations

import json
from pathlib import Path

PATH = Path(__file__).with_name("synthetic_wards.geojson")
ATTRIBUTION = "合成データ（テスト用）: 実際の区境界ではありません"  # i18n: data
SOURCE = "synthetic: tests/maps/synthetic_wards.py (nearest-centre grid cells; not real boundaries)"
CELL = 0.02  # degrees

# code, name, English name, approximate centre (latitude, longitude) rounded to 0.01°.
WARDS = [
    ("01101", "中央区", "Chuo-ku", (43.04, 141.32)),
    ("01102", "北区", "Kita-ku", (43.13, 141.33)),
    ("01103", "東区", "Higashi-ku", (43.11, 141.40)),
    ("01104", "白石区", "Shiroishi-ku", (43.06, 141.41)),
    ("01105", "豊平区", "Toyohira-ku", (42.99, 141.39)),
    ("01106", "南区", "Minami-ku", (42.92, 141.18)),
    ("01107", "西区", "Nishi-ku", (43.07, 141.24)),
    ("01108", "厚別区", "Atsubetsu-ku", (43.05, 141.47)),
    ("01109", "手稲区", "Teine-ku", (43.12, 141.22)),
    ("01110", "清田区", "Kiyota-ku", (42.96, 141.43)),
]
# A coarse outline of the city (longitude, latitude), 20 corners.
OUTLINE = [
    (141.06, 43.11), (141.16, 43.09), (141.22, 43.16), (141.28, 43.13), (141.41, 43.19),
    (141.45, 43.17), (141.44, 43.10), (141.47, 43.10), (141.51, 43.02), (141.42, 42.89),
    (141.29, 42.88), (141.25, 42.87), (141.23, 42.79), (141.16, 42.78), (141.09, 42.82),
    (141.10, 42.88), (141.04, 42.89), (141.05, 42.95), (140.99, 42.99), (141.06, 43.11),
]  # fmt: skip


def build() -> dict:
    """The FeatureCollection, the same every time."""
    import shapely

    outline = shapely.Polygon(OUTLINE)
    minx, miny, maxx, maxy = outline.bounds
    cells: dict[str, list] = {code: [] for code, *_ in WARDS}
    for i in range(round((maxx - minx) / CELL) + 1):
        for j in range(round((maxy - miny) / CELL) + 1):
            x0, y0 = round(minx + i * CELL, 5), round(miny + j * CELL, 5)
            cx, cy = x0 + CELL / 2, y0 + CELL / 2
            if not outline.contains(shapely.Point(cx, cy)):
                continue
            nearest = min(WARDS, key=lambda w: ((w[3][1] - cx) ** 2 + (w[3][0] - cy) ** 2, w[0]))
            cells[nearest[0]].append(shapely.box(x0, y0, round(x0 + CELL, 5), round(y0 + CELL, 5)))
    features = []
    shapes = []
    for code, name, name_en, _centre in WARDS:
        shape = shapely.union_all(cells[code])
        shapes.append(shape)
        features.append(_feature(code, name, f"札幌市{name}", name_en, "ward", shape))
    features.append(_feature("01100", "札幌市", "札幌市", "Sapporo-shi", "city", shapely.union_all(shapes)))
    return {
        "type": "FeatureCollection",
        "name": "synthetic_wards",
        "attribution": ATTRIBUTION,
        "features": features,
    }


def _feature(code, name, full_name, name_en, level, shape) -> dict:
    import shapely

    shape = shapely.set_precision(shape, 1e-5)
    return {
        "type": "Feature",
        "properties": {
            "code": code,
            "name_ja": name,
            "name_full_ja": full_name,
            "name_en": name_en,
            "level": level,
            "city_code": "01100",
            "city_name_ja": "札幌市",
            "source": SOURCE,
        },
        "geometry": json.loads(shapely.to_geojson(shape)),
    }


def text() -> str:
    return json.dumps(build(), ensure_ascii=False, separators=(",", ":")) + "\n"


if __name__ == "__main__":
    PATH.write_text(text(), encoding="utf-8")
    print(f"wrote {PATH} ({PATH.stat().st_size:,} bytes)")
