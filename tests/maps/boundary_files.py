"""The official boundary file the map tests read, and boundary files the tests build from it."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


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
