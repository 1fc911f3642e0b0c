"""The ward boundary files the tests read: a small synthetic one in the repository (every map test),
the official one (the few tests about the real data, skipped without it), and files built from them."""

import functools
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Ten made-up areas with the wards' codes (tests/maps/synthetic_wards.py): about 1 % of the official file.
SYNTHETIC = Path(__file__).with_name("synthetic_wards.geojson")


def synthetic_boundaries() -> Path:
    return SYNTHETIC


def import_synthetic_boundaries():
    """`import_ward_boundaries(path=SYNTHETIC)`, with the file read and simplified once per process.

    The import runs every time (matching, every database write, the signals that drop cached maps);
    only its two pure steps, reading the file into a GeoDataFrame and the coverage simplification, are
    taken from the first call's results.
    """
    from wards import boundaries

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(boundaries, "read_boundary_file", _cached_read(boundaries.read_boundary_file))
        patch.setattr(boundaries, "simplify_coverage", _cached_simplify(boundaries.simplify_coverage))
        return boundaries.import_ward_boundaries(path=SYNTHETIC)


_read_cache: dict = {}
_simplify_cache: dict = {}


def _cached_read(read):
    @functools.wraps(read)
    def cached(path, **kwargs):
        if Path(path) != SYNTHETIC or kwargs.get("layer") is not None:
            return read(path, **kwargs)
        if "synthetic" not in _read_cache:
            _read_cache["synthetic"] = read(path, **kwargs)
        gdf, crs, attribution = _read_cache["synthetic"]
        return gdf.copy(), crs, attribution

    return cached


def _cached_simplify(simplify):
    @functools.wraps(simplify)
    def cached(geometries, **kwargs):
        key = (tuple(g.wkb for g in geometries), tuple(sorted(kwargs.items())))
        if key not in _simplify_cache:
            _simplify_cache[key] = simplify(geometries, **kwargs)
        return list(_simplify_cache[key])

    return cached


def shared_boundaries() -> Path:
    """BOUNDARIES, or the shared copy beside the checkout; the calling test is skipped if missing."""
    path = Path(os.environ.get("BOUNDARIES") or REPO / ".." / "shared" / "data" / "sapporo_wards.geojson")
    if not path.is_file():
        pytest.skip(f"no ward boundary file at {path} (set BOUNDARIES to an official N03/GeoJSON file)")
    return path.resolve()


def write_n03_shapefile_zip(source: Path, directory: Path, *, split_ward: str | None = None) -> Path:
    """A zipped Shapefile shaped like 国土数値情報 N03: JGD2011 (EPSG:6668), attributes N03_001…N03_007.

    With `split_ward`, that ward is cut into two features, as N03 does for wards in several parts.
    """
    import zipfile

    import geopandas
    import shapely

    gdf = geopandas.read_file(source)
    gdf = gdf[gdf["code"] != "01100"].reset_index(drop=True)
    rows = []
    for row in gdf.itertuples():
        pieces = [row.geometry]
        if row.code == split_ward:
            minx, miny, maxx, maxy = row.geometry.bounds
            west = shapely.box(minx - 1, miny - 1, (minx + maxx) / 2, maxy + 1)
            pieces = [row.geometry.intersection(west), row.geometry.difference(west)]
        for piece in pieces:
            rows.append(
                {
                    "N03_001": "北海道",
                    "N03_002": "石狩振興局",
                    "N03_003": "札幌市",
                    "N03_004": row.name_ja,
                    "N03_007": row.code,
                    "geometry": piece,
                }
            )
    n03 = geopandas.GeoDataFrame(rows, crs=4326).to_crs(6668)
    folder = directory / "N03-22_01_220101"
    folder.mkdir(parents=True, exist_ok=True)
    n03.to_file(folder / "N03-22_01_220101.shp", encoding="utf-8")
    archive = directory / "N03-22_01_220101_shp.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in sorted(folder.iterdir()):
            zf.write(part, f"{folder.name}/{part.name}")
    return archive
