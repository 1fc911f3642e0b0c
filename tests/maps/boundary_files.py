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
    only its pure steps, reading the file's attributes and geometries and the coverage
    simplification, are taken from the first call's results.
    """
    from wards import boundaries
    from wards.boundaries import importing, reading

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reading, "read_attributes", _cached_read(reading.read_attributes, "attributes"))
        patch.setattr(reading, "read_geometries", _cached_read(reading.read_geometries, "geometries"))
        patch.setattr(importing, "simplify_coverage", _cached_simplify(importing.simplify_coverage))
        return boundaries.import_ward_boundaries(path=SYNTHETIC)


_read_cache: dict = {}
_simplify_cache: dict = {}


def _cached_read(read, what: str):
    """reading.read_attributes / read_geometries, answered from memory for the synthetic file."""

    @functools.wraps(read)
    def cached(member, *args, **kwargs):
        if Path(member.source) != SYNTHETIC:
            return read(member, *args, **kwargs)
        key = (what, repr(args), repr(sorted(kwargs.items())))
        if key not in _read_cache:
            _read_cache[key] = read(member, *args, **kwargs)
        data, extra = _read_cache[key]
        return data.copy(), extra

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


# --- small generated files for the boundary cases (no real file needed) -------------------------

# Squares of about 800 m: in Sapporo, and where other designated cities' same-named wards lie.
SAPPORO, CHIBA, KOBE, TOKYO = (141.33, 43.05), (140.12, 35.60), (135.19, 34.69), (139.77, 35.67)


def square(origin, i=0, *, size=0.01):
    """A square polygon (GeoJSON geometry), the i-th of a row starting at origin (shared edges)."""
    x, y = origin[0] + i * size, origin[1]
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]],
    }


def feature(properties, geometry, **members):
    return {"type": "Feature", "properties": properties, "geometry": geometry, **members}


def write_geojson(path: Path, features, **members) -> Path:
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"type": "FeatureCollection", "features": features, **members}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def n03_feature(prefecture, city, name, code, geometry):
    """A feature with N03's attributes (N03_003 is empty for Tokyo's special wards and ordinary cities)."""
    return feature(
        {"N03_001": prefecture, "N03_002": None, "N03_003": city, "N03_004": name, "N03_007": code}, geometry
    )


def write_all_japan(path: Path) -> Path:
    """N03 of all Japan in miniature: Sapporo's 中央区 and 北区 beside 中央区 and 北区 of other places."""
    return write_geojson(
        path,
        [
            n03_feature("北海道", "札幌市", "中央区", "01101", square(SAPPORO, 0)),
            n03_feature("北海道", "札幌市", "北区", "01102", square(SAPPORO, 1)),
            n03_feature("千葉県", "千葉市", "中央区", "12101", square(CHIBA)),
            n03_feature("兵庫県", "神戸市", "中央区", "28110", square(KOBE)),
            n03_feature("東京都", None, "中央区", "13102", square(TOKYO)),
            n03_feature("東京都", None, "北区", "13117", square(TOKYO, 3)),
            n03_feature("北海道", None, "旭川市", "01204", square((142.36, 43.77))),
        ],
    )


def write_topojson(path: Path, objects: list[tuple[dict, dict, str | None]]) -> Path:
    """A TopoJSON Topology, one arc per polygon ring (no shared arcs, no quantisation).

    objects: (properties, GeoJSON polygon geometry, per-feature `id` or None).
    """
    import json

    arcs, geometries = [], []
    for properties, polygon, fid in objects:
        arcs.append(polygon["coordinates"][0])
        geometry = {"type": "Polygon", "arcs": [[len(arcs) - 1]], "properties": properties}
        if fid is not None:
            geometry["id"] = fid
        geometries.append(geometry)
    topology = {
        "type": "Topology",
        "objects": {path.stem: {"type": "GeometryCollection", "geometries": geometries}},
        "arcs": arcs,
    }
    path.write_text(json.dumps(topology, ensure_ascii=False), encoding="utf-8")
    return path


def write_shapefile(
    folder: Path,
    rows: list[dict],
    *,
    encoding: str = "utf-8",
    crs: int | None = 4326,
    to_crs: int | None = None,
    cpg: bool = True,
    prj: bool = True,
    name: str = "areas",
) -> Path:
    """A Shapefile of rows (attributes + GeoJSON `geometry`), optionally without its .cpg or .prj."""
    import geopandas
    import shapely

    folder.mkdir(parents=True, exist_ok=True)
    gdf = geopandas.GeoDataFrame(
        [{k: v for k, v in row.items() if k != "geometry"} for row in rows],
        geometry=[shapely.geometry.shape(row["geometry"]) for row in rows],
        crs=crs,
    )
    if to_crs is not None:
        gdf = gdf.to_crs(to_crs)
    path = folder / f"{name}.shp"
    gdf.to_file(path, encoding=encoding, engine="pyogrio")
    if not cpg:
        (folder / f"{name}.cpg").unlink(missing_ok=True)
    if not prj:
        (folder / f"{name}.prj").unlink(missing_ok=True)
    return path


def zip_files(archive: Path, files: list[Path], *, root: Path) -> Path:
    """A zip of files, each stored under its path relative to root."""
    import zipfile

    with zipfile.ZipFile(archive, "w") as zf:
        for path in files:
            zf.write(path, path.relative_to(root).as_posix())
    return archive
