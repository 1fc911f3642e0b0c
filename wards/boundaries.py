"""Official boundary files → WardBoundary rows: read, match to wards, repair, dissolve, simplify.

Reads GeoJSON, Shapefile (a .zip, a folder or a .shp), GeoPackage and 国土数値情報 N03 files through
geopandas/pyogrio. geopandas and shapely are imported inside the functions: this module is reached
only from the import command and the map builders, and must not make other pages pay ~1 s and
~70 MB to load them.
"""

from __future__ import annotations

import json
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Ward, WardBoundary

# The citation MLIT's terms require, used when the file carries no top-level `attribution` member.
DEFAULT_ATTRIBUTION = "出典：『国土数値情報（行政区域データ）』（国土交通省）を加工して作成"

# Coverage simplification tolerance in metres (in a UTM projection). 30 m keeps every ward
# recognisable at city zoom and brings Sapporo's 17,028 vertices to about 3,100 (≈65 KB of GeoJSON).
SIMPLIFY_TOLERANCE_M = 30
# 5 decimals of a degree ≈ 1 m: finer than N03's 1:25,000 accuracy, and it halves the text.
WEB_DECIMALS = 5

# Attribute names tried, in order, when no --code-field is given: N03's 行政区域コード, then `code`.
CODE_FIELDS = ("N03_007", "code")
LEVELS = ("ward",)

# Inside a .zip, which kind of file to read when there are several (N03 zips ship .geojson and .shp).
_ZIP_PREFERENCE = (".geojson", ".json", ".gpkg", ".shp")
# Reading a whole GeoJSON a second time just for its `attribution` member is only worth it when small.
_ATTRIBUTION_MAX_BYTES = 64 * 1024 * 1024


class BoundaryFileError(Exception):
    """A boundary file that cannot be used; the message is Japanese and says what to do."""


@dataclass
class ImportReport:
    source_file: str
    level: str
    crs: str
    key_field: str
    features_read: int
    matched: list[tuple[str, str, int]] = field(default_factory=list)  # (code, name, pieces merged)
    unmatched: list[str] = field(default_factory=list)  # key values that match no ward
    missing_wards: list[tuple[str, str]] = field(default_factory=list)  # wards the file lacks
    repaired: int = 0
    empty: int = 0
    coverage_is_valid: bool = True
    attribution: str = ""
    geometry_bytes: int = 0
    simplified_bytes: int = 0


def import_ward_boundaries(
    *,
    path: str | Path,
    level: str = "ward",
    code_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
) -> ImportReport:
    """Replace every ward boundary with those in `path`, atomically; raise BoundaryFileError if unusable.

    Nothing is written unless at least one feature matches a ward, and the old boundaries are
    deleted in the same transaction as the new ones are written, so readers see either all the old
    or all the new boundaries.
    """
    if level not in LEVELS:
        raise BoundaryFileError(
            f"区分「{level}」の境界の取込にはまだ対応していません。現在は --level ward（区）のみ取り込めます。"
        )
    path = Path(path)
    gdf, source_crs, attribution = read_boundary_file(path, layer=layer)
    wards = {w.code: w for w in Ward.objects.all()}
    matched, report = match_wards(gdf, wards=wards, code_field=code_field, name_field=name_field)
    report.source_file = path.name
    report.level = level
    report.crs = source_crs
    report.attribution = attribution

    import shapely

    simplified = simplify_coverage(list(matched.geometry.values))
    report.coverage_is_valid = bool(shapely.coverage_is_valid(matched.geometry.values))
    now = timezone.now()
    rows = []
    for code, pieces, geometry, light in zip(
        matched["code"], matched["pieces"], matched.geometry.values, simplified, strict=True
    ):
        full_text = shapely.to_geojson(geometry)
        light_text = shapely.to_geojson(light)
        report.geometry_bytes += len(full_text.encode())
        report.simplified_bytes += len(light_text.encode())
        rows.append(
            WardBoundary(
                ward=wards[code],
                geometry=full_text,
                simplified=light_text,
                source_file=path.name[:255],
                feature_count=int(pieces),
                attribution=attribution[:500],
                imported_at=now,
            )
        )
    with transaction.atomic():
        # delete() sends post_delete per row; the maps app listens to drop cached renders.
        WardBoundary.objects.all().delete()
        WardBoundary.objects.bulk_create(rows)
    return report


def read_boundary_file(path: Path, *, layer: str | None = None):
    """The file's features in EPSG:4326, the file's own CRS (text) and its attribution text."""
    import geopandas
    import pyogrio

    if not path.exists():
        raise BoundaryFileError(f"ファイルが見つかりません: {path}")
    source = _gdal_path(path)
    try:
        if layer is None:
            layer = _polygon_layer(source, path)
        gdf = geopandas.read_file(source, layer=layer, engine="pyogrio")
    except BoundaryFileError:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, RuntimeError) as exc:
        raise BoundaryFileError(
            f"境界ファイルを読み込めません（{path.name}）。GeoJSON・シェープファイル（.zip またはフォルダ）・"
            f"GeoPackage・国土数値情報 N03 のいずれかを指定してください。詳細: {exc}"
        ) from exc
    if gdf.empty:
        raise BoundaryFileError(f"境界ファイルに地物がありません（{path.name}）。")
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BoundaryFileError(
                f"座標参照系が不明です（{path.name}）。.prj ファイルを添えるか、経緯度（EPSG:4326 または "
                "JGD2011 EPSG:6668）のファイルを指定してください。"
            )
        gdf = gdf.set_crs(4326)
        source_crs = "（不明: 経緯度とみなしました）"
    else:
        source_crs = gdf.crs.to_string()
    if gdf.crs.to_epsg() != 4326:
        # N03 ships in JGD2011 (EPSG:6668); the shift to WGS 84 is below a metre.
        gdf = gdf.to_crs(4326)
    return gdf, source_crs, _attribution(path)


def match_wards(gdf, *, wards: dict[str, Ward], code_field: str | None = None, name_field: str | None = None):
    """Features matched to wards, repaired and dissolved to one polygonal geometry per ward code.

    Returns (GeoDataFrame with columns code, pieces, geometry; partly filled ImportReport).
    """
    import geopandas
    import shapely

    if name_field:
        key_field = name_field
        by_key = {_normalise_name(w.name): code for code, w in wards.items()}
        city = _normalise_name(str(settings.CITY_NAME))

        def ward_code(value):
            text = _normalise_name(value)
            return by_key.get(text) or by_key.get(text.removeprefix(city)) or _after_city(text, city, by_key)
    else:
        key_field = code_field or next((f for f in CODE_FIELDS if f in gdf.columns), None)
        if key_field is None:
            fields = "、".join(str(c) for c in gdf.columns if c != "geometry") or "（なし）"
            raise BoundaryFileError(
                "区コードの列が見つかりません。N03_007 または code の列を持つファイルを使うか、"
                f"--code-field（区コード）か --name-field（区名）で列を指定してください。ファイルの列: {fields}"
            )

        def ward_code(value):
            code = normalise_code(value)
            return code if code in wards else None

    if key_field not in gdf.columns:
        fields = "、".join(str(c) for c in gdf.columns if c != "geometry")
        raise BoundaryFileError(f"列「{key_field}」がファイルにありません。ファイルの列: {fields}")

    report = ImportReport(
        source_file="", level="", crs=str(gdf.crs), key_field=key_field, features_read=len(gdf)
    )
    gdf = gdf[[key_field, "geometry"]].copy()
    codes = [ward_code(v) for v in gdf[key_field]]
    report.unmatched = sorted({_text(v) for v, c in zip(gdf[key_field], codes, strict=True) if c is None})
    gdf["code"] = codes
    gdf = gdf[[c is not None for c in codes]]

    geoms = gdf.geometry.values
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    report.empty = int(empty.sum())
    gdf = gdf[~empty]
    invalid = ~shapely.is_valid(gdf.geometry.values)
    report.repaired = int(invalid.sum())
    if report.repaired:
        fixed = shapely.make_valid(gdf.geometry.values[invalid], method="structure", keep_collapsed=False)
        gdf.loc[invalid, "geometry"] = fixed
    # Keep polygons only: points and lines (or what a repair collapses to) are not areas.
    gdf = gdf[gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])]
    gdf["geometry"] = [_polygonal(g) for g in gdf.geometry.values]
    gdf = gdf[~shapely.is_empty(gdf.geometry.values)]
    if gdf.empty:
        expected = "区名" if name_field else "区コード（5桁、例: 01101）"
        raise BoundaryFileError(
            f"区に一致するポリゴンがありません（照合した列: {key_field}、{expected}）。"
            f"一致しなかった値: {'、'.join(report.unmatched[:10]) or '（なし）'}"
        )
    gdf["pieces"] = 1
    # One row per ward: N03 splits a ward into several features where it has separate parts.
    dissolved = gdf.dissolve(by="code", aggfunc={"pieces": "sum"}).reset_index()
    dissolved = geopandas.GeoDataFrame(
        dissolved[["code", "pieces"]], geometry=dissolved.geometry.values, crs=4326
    )
    report.matched = [
        (c, wards[c].name, int(p)) for c, p in zip(dissolved["code"], dissolved["pieces"], strict=True)
    ]
    report.missing_wards = [(c, w.name) for c, w in sorted(wards.items()) if c not in set(dissolved["code"])]
    return dissolved, report


def simplify_coverage(geometries: list) -> list:
    """Simplify wards together so that each shared border is simplified once, identically for both sides.

    Runs in metres (the UTM zone of the data), then rounds to WEB_DECIMALS in EPSG:4326. Rounding
    moves a shared vertex identically on both sides, so the coverage stays gap- and overlap-free.
    """
    import geopandas
    import numpy as np
    import shapely

    series = geopandas.GeoSeries(geometries, crs=4326)
    metric = series.to_crs(series.estimate_utm_crs())
    simplified = shapely.coverage_simplify(metric.values, SIMPLIFY_TOLERANCE_M)
    back = geopandas.GeoSeries(simplified, crs=metric.crs).to_crs(4326).values
    rounded = shapely.transform(back, lambda xy: np.round(xy, WEB_DECIMALS))
    invalid = ~shapely.is_valid(rounded)
    if invalid.any():
        rounded[invalid] = shapely.make_valid(rounded[invalid], method="structure", keep_collapsed=False)
    return list(rounded)


def normalise_code(value) -> str | None:
    """A 5-digit local-government code from a file value: 1101 → 01101; 011011 (check digit) → 01101."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or a fraction
            return None
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text.isdigit():
        return None
    if len(text) < 5:
        text = text.zfill(5)
    if len(text) == 6 and check_digit(text[:5]) == int(text[5]):
        text = text[:5]
    return text if len(text) == 5 else None


def check_digit(code5: str) -> int:
    """全国地方公共団体コードの検査数字: weights 6-2, modulus 11 (01101 → 1, 13101 → 6)."""
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def _gdal_path(path: Path) -> str:
    """A path GDAL can open: a .zip becomes /vsizip/<zip>/<the boundary file inside>."""
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/") and "__MACOSX" not in n]
    except zipfile.BadZipFile as exc:
        raise BoundaryFileError(f"ZIP ファイルとして開けません（{path.name}）。") from exc
    for suffix in _ZIP_PREFERENCE:
        found = [n for n in names if n.lower().endswith(suffix)]
        if len(found) == 1:
            return f"/vsizip/{path.resolve()}/{found[0]}"
        if len(found) > 1:
            raise BoundaryFileError(
                f"ZIP の中に {suffix} ファイルが複数あります（{'、'.join(found[:5])}）。"
                "1つの境界ファイルだけを含む ZIP にするか、展開して指定してください。"
            )
    raise BoundaryFileError(f"ZIP の中に境界ファイル（.shp、.geojson、.gpkg）がありません（{path.name}）。")


def _polygon_layer(source: str, path: Path) -> str | None:
    """The one polygon layer of a multi-layer source (a GeoPackage, a folder of shapefiles)."""
    import pyogrio

    layers = pyogrio.list_layers(source)
    if len(layers) <= 1:
        return None
    polygons = [name for name, kind in layers if kind and "Polygon" in kind]
    if len(polygons) == 1:
        return polygons[0]
    names = "、".join(str(name) for name, _kind in layers)
    raise BoundaryFileError(
        f"レイヤーが複数あります（{names}）。--layer で取り込むレイヤーを指定してください。"
    )


def _attribution(path: Path) -> str:
    """The GeoJSON's top-level `attribution` member (a foreign member readers ignore), else MLIT's citation."""
    if path.suffix.lower() in (".geojson", ".json") and path.stat().st_size <= _ATTRIBUTION_MAX_BYTES:
        try:
            with path.open(encoding="utf-8") as fh:
                value = json.load(fh).get("attribution")
        except (ValueError, AttributeError, OSError):
            value = None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return DEFAULT_ATTRIBUTION


def _polygonal(geometry):
    """The polygon parts of a geometry (a repaired ring can leave lines or points beside them)."""
    import shapely

    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _normalise_name(value) -> str:
    return "".join(unicodedata.normalize("NFKC", _text(value)).split())


def _after_city(text: str, city: str, by_key: dict[str, str]) -> str | None:
    """「北海道札幌市中央区」→ 中央区: the part after the city name, when the city name is in the value."""
    if city and city in text:
        return by_key.get(text.split(city, 1)[1])
    return None


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "（空）"
    return str(value)
