"""Official boundary files → boundary rows: read, match to areas, repair, dissolve, simplify, store.

Three levels: wards (WardBoundary, matched on the 5-digit local-government code or the ward's
name), まちづくりセンター districts and associations (AreaBoundary, matched on the district's or the
association's code, or on a name that is unique among them). One pipeline for all three: read
GeoJSON, Shapefile (a .zip, a folder or a .shp), GeoPackage and 国土数値情報 N03 files through
geopandas/pyogrio, reproject to EPSG:4326, repair invalid rings, merge each area's pieces into one
geometry, simplify the level's areas together (coverage simplification) for the web, and replace
the level's boundaries in one transaction.

geopandas and shapely are imported inside the functions: this module is reached only from the
import command and the map builders, and must not make other pages pay ~1 s and ~70 MB to load them.
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
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chonaikai.codes import normalize_association_code

from .models import AreaBoundary, District, Ward, WardBoundary
from .projection import utm_crs

# The citation MLIT's terms require, used when a ward file carries no top-level `attribution` member.
DEFAULT_ATTRIBUTION = "出典：『国土数値情報（行政区域データ）』（国土交通省）を加工して作成"  # i18n: data

WARD, DISTRICT, ASSOCIATION = "ward", "district", "association"
LEVELS = (WARD, DISTRICT, ASSOCIATION)

# Coverage simplification tolerance in metres (in a UTM projection), per level. 30 m keeps every ward
# recognisable at city zoom and brings Sapporo's 17,028 vertices to about 3,100 (≈65 KB of GeoJSON);
# districts and associations are drawn at closer zooms, and an association's area can be a few
# hundred metres across.
SIMPLIFY_TOLERANCE_M = {WARD: 30, DISTRICT: 15, ASSOCIATION: 5}
# 5 decimals of a degree ≈ 1 m: finer than N03's 1:25,000 accuracy, and it halves the text.
WEB_DECIMALS = 5

# Attribute names tried, in order, when no --code-field is given: for wards N03's 行政区域コード, then
# `code`; for districts and associations `code`, then the English and the Japanese column names.
CODE_FIELDS = {
    WARD: ("N03_007", "code"),
    DISTRICT: ("code", "district_code", "地区コード"),  # i18n: data
    ASSOCIATION: ("code", "association_code", "町内会コード"),  # i18n: data
}
# Words that go inside the messages below (lower case in English: "No ward code column found").
LEVEL_LABELS = {
    WARD: pgettext_lazy("boundary file", "区"),
    DISTRICT: pgettext_lazy("boundary file", "地区"),
    ASSOCIATION: pgettext_lazy("boundary file", "町内会"),
}
CODE_LABELS = {
    WARD: pgettext_lazy("boundary file", "区コード"),
    DISTRICT: pgettext_lazy("boundary file", "地区コード"),
    ASSOCIATION: pgettext_lazy("boundary file", "町内会コード"),
}
NAME_LABELS = {
    WARD: pgettext_lazy("boundary file", "区名"),
    DISTRICT: pgettext_lazy("boundary file", "地区名"),
    ASSOCIATION: pgettext_lazy("boundary file", "町内会名"),
}
_CODE_EXAMPLES = {
    WARD: _("区コード（5桁、例: 01101）"),
    DISTRICT: _("地区コード"),
    ASSOCIATION: _("町内会コード（例: 01101-0001）"),
}

# Inside a .zip, which kind of file to read when there are several (N03 zips ship .geojson and .shp).
_ZIP_PREFERENCE = (".geojson", ".json", ".gpkg", ".shp")
# Reading a whole GeoJSON a second time just for its `attribution` member is only worth it when small.
_ATTRIBUTION_MAX_BYTES = 64 * 1024 * 1024


class BoundaryFileError(Exception):
    """A boundary file that cannot be used; the message says what to do (in the active language)."""


@dataclass
class ImportReport:
    source_file: str
    level: str
    crs: str
    key_field: str
    features_read: int
    matched: list[tuple[str, str, int]] = field(default_factory=list)  # (code, name, pieces merged)
    unmatched: list[str] = field(default_factory=list)  # key values that match no area
    ambiguous: list[str] = field(default_factory=list)  # names shared by several areas (--name-field)
    missing: list[tuple[str, str]] = field(default_factory=list)  # areas the file lacks (code, name)
    repaired: int = 0
    empty: int = 0
    coverage_is_valid: bool = True
    attribution: str = ""
    geometry_bytes: int = 0
    simplified_bytes: int = 0


def import_boundaries(
    *,
    path: str | Path,
    level: str = WARD,
    code_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
) -> ImportReport:
    """Replace every boundary of `level` with those in `path`, atomically; BoundaryFileError if unusable.

    Nothing is written unless at least one feature matches an area of the level, and the level's old
    boundaries are deleted in the same transaction as the new ones are written, so readers see
    either all the old or all the new boundaries. Other levels' boundaries are left as they are.
    """
    if level not in LEVELS:
        raise BoundaryFileError(
            gettext(
                "区分「%(level)s」の境界は取り込めません。--level には %(levels)s のいずれかを指定してください。"
            )
            % {"level": level, "levels": ", ".join(LEVELS)}
        )
    path = Path(path)
    gdf, source_crs, attribution = read_boundary_file(path, layer=layer)
    areas, expected = candidate_areas(level)
    if not areas:
        raise BoundaryFileError(
            gettext("%(level)sがまだ登録されていないため、境界を照合できません。")
            % {"level": LEVEL_LABELS[level]}
        )
    matched, report = match_areas(
        gdf, level=level, areas=areas, expected=expected, code_field=code_field, name_field=name_field
    )
    report.source_file = path.name
    report.level = level
    report.crs = source_crs
    if attribution is None:
        attribution = DEFAULT_ATTRIBUTION if level == WARD else ""
    report.attribution = attribution

    import shapely

    simplified = simplify_coverage(list(matched.geometry.values), tolerance_m=SIMPLIFY_TOLERANCE_M[level])
    report.coverage_is_valid = bool(shapely.coverage_is_valid(matched.geometry.values))
    now = timezone.now()
    ward_ids = dict(Ward.objects.values_list("code", "pk")) if level == WARD else {}
    rows = []
    for code, pieces, geometry, light in zip(
        matched["code"], matched["pieces"], matched.geometry.values, simplified, strict=True
    ):
        full_text = shapely.to_geojson(geometry)
        light_text = shapely.to_geojson(light)
        report.geometry_bytes += len(full_text.encode())
        report.simplified_bytes += len(light_text.encode())
        common = {
            "geometry": full_text,
            "simplified": light_text,
            "source_file": path.name[:255],
            "feature_count": int(pieces),
            "attribution": attribution[:500],
            "imported_at": now,
        }
        if level == WARD:
            rows.append(WardBoundary(ward_id=ward_ids[code], **common))
        else:
            rows.append(AreaBoundary(level=level, code=code, **common))
    with transaction.atomic():
        if level == WARD:
            # delete() sends post_delete per row; the maps app listens to drop cached renders.
            WardBoundary.objects.all().delete()
            WardBoundary.objects.bulk_create(rows)
        else:
            # No signal receivers on AreaBoundary: a single DELETE, whatever the number of areas.
            # Cached maps key on the level's boundaries version (maps.cache), which this changes.
            AreaBoundary.objects.filter(level=level).delete()
            AreaBoundary.objects.bulk_create(rows, batch_size=500)
    return report


# The name the other modules and the tests have always called.
import_ward_boundaries = import_boundaries


def candidate_areas(level: str) -> tuple[dict[str, str], set[str]]:
    """(code → name of every area of the level a feature may match, codes expected to have one).

    Every association may be matched (a dissolved one's area still draws earlier surveys); only
    the active ones are expected, i.e. reported when the file lacks them.
    """
    if level == WARD:
        areas = dict(Ward.objects.values_list("code", "name"))
        return areas, set(areas)
    if level == DISTRICT:
        areas = dict(District.objects.values_list("code", "name"))
        return areas, set(areas)
    # Imported here: the associations app depends on this one, not the other way round.
    from chonaikai.associations.models import Association

    rows = list(Association.objects.values_list("code", "name", "status"))
    areas = {code: name for code, name, _status in rows}
    return areas, {code for code, _name, status in rows if status == Association.Status.ACTIVE}


def read_boundary_file(path: Path, *, layer: str | None = None):
    """The file's features in EPSG:4326, the file's own CRS (text) and its attribution (None if none)."""
    import geopandas
    import pyogrio

    if not path.exists():
        raise BoundaryFileError(gettext("ファイルが見つかりません: %(path)s") % {"path": path})
    source = _gdal_path(path)
    try:
        if layer is None:
            layer = _polygon_layer(source, path)
        gdf = geopandas.read_file(source, layer=layer, engine="pyogrio")
    except BoundaryFileError:
        raise
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError, RuntimeError) as exc:
        raise BoundaryFileError(
            gettext(
                "境界ファイルを読み込めません（%(file)s）。GeoJSON・シェープファイル（.zip またはフォルダ）・"
                "GeoPackage・国土数値情報 N03 のいずれかを指定してください。詳細: %(detail)s"
            )
            % {"file": path.name, "detail": exc}
        ) from exc
    if gdf.empty:
        raise BoundaryFileError(gettext("境界ファイルに地物がありません（%(file)s）。") % {"file": path.name})
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BoundaryFileError(
                gettext(
                    "座標参照系が不明です（%(file)s）。.prj ファイルを添えるか、経緯度（EPSG:4326 または "
                    "JGD2011 EPSG:6668）のファイルを指定してください。"
                )
                % {"file": path.name}
            )
        gdf = gdf.set_crs(4326)
        source_crs = gettext("（不明: 経緯度とみなしました）")
    else:
        source_crs = gdf.crs.to_string()
    if gdf.crs.to_epsg() != 4326:
        # N03 ships in JGD2011 (EPSG:6668); the shift to WGS 84 is below a metre.
        gdf = gdf.to_crs(4326)
    return gdf, source_crs, _attribution(path)


def match_areas(
    gdf,
    *,
    level: str,
    areas: dict[str, str],
    expected: set[str] | None = None,
    code_field: str | None = None,
    name_field: str | None = None,
):
    """Features matched to the level's areas, repaired and dissolved to one polygonal geometry per code.

    `areas`: code → name. Returns (GeoDataFrame with columns code, pieces, geometry; partly filled
    ImportReport).
    """
    import geopandas
    import shapely

    ambiguous: set[str] = set()
    if name_field:
        key_field = name_field
        area_code = _name_matcher(level, areas, ambiguous)
    else:
        key_field = code_field or next((f for f in CODE_FIELDS[level] if f in gdf.columns), None)
        if key_field is None:
            raise BoundaryFileError(
                gettext(
                    "%(code)sの列が見つかりません。%(fields)s のいずれかの列を持つファイルを使うか、"
                    "--code-field（%(code)s）か --name-field（%(name)s）で列を指定してください。"
                    "ファイルの列: %(columns)s"
                )
                % {
                    "code": CODE_LABELS[level],
                    "name": NAME_LABELS[level],
                    "fields": gettext("、").join(CODE_FIELDS[level]),
                    "columns": _columns(gdf),
                }
            )
        area_code = _code_matcher(level, areas)

    if key_field not in gdf.columns:
        raise BoundaryFileError(
            gettext("列「%(field)s」がファイルにありません。ファイルの列: %(columns)s")
            % {"field": key_field, "columns": _columns(gdf)}
        )

    report = ImportReport(
        source_file="", level=level, crs=str(gdf.crs), key_field=key_field, features_read=len(gdf)
    )
    gdf = gdf[[key_field, "geometry"]].copy()
    codes = [area_code(v) for v in gdf[key_field]]
    report.ambiguous = sorted(ambiguous)
    report.unmatched = sorted(
        {_text(v) for v, c in zip(gdf[key_field], codes, strict=True) if c is None} - ambiguous
    )
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
        expected_values = NAME_LABELS[level] if name_field else _CODE_EXAMPLES[level]
        shown = report.unmatched[:10] + report.ambiguous[:10]
        raise BoundaryFileError(
            gettext(
                "%(level)sに一致するポリゴンがありません（照合した列: %(field)s、%(expected)s）。"
                "一致しなかった値: %(values)s"
            )
            % {
                "level": LEVEL_LABELS[level],
                "field": key_field,
                "expected": expected_values,
                "values": gettext("、").join(shown) or gettext("（なし）"),
            }
        )
    gdf["pieces"] = 1
    # One row per area: N03 splits a ward into several features where it has separate parts.
    dissolved = gdf.dissolve(by="code", aggfunc={"pieces": "sum"}).reset_index()
    dissolved = geopandas.GeoDataFrame(
        dissolved[["code", "pieces"]], geometry=dissolved.geometry.values, crs=4326
    )
    found = set(dissolved["code"])
    report.matched = [
        (c, areas[c], int(p)) for c, p in zip(dissolved["code"], dissolved["pieces"], strict=True)
    ]
    expected = set(areas) if expected is None else expected
    report.missing = [(c, areas[c]) for c in sorted(expected - found)]
    return dissolved, report


def match_wards(gdf, *, wards: dict[str, Ward], code_field: str | None = None, name_field: str | None = None):
    """match_areas for wards (code → Ward)."""
    return match_areas(
        gdf,
        level=WARD,
        areas={code: w.name for code, w in wards.items()},
        code_field=code_field,
        name_field=name_field,
    )


def _code_matcher(level: str, areas: dict[str, str]):
    """value in the file → the area's code, or None."""
    if level == WARD:

        def ward_code(value):
            code = normalise_code(value)
            return code if code in areas else None

        return ward_code
    digit_lengths = sorted({len(c) for c in areas if c.isdigit()})

    def area_code(value):
        text = normalise_area_code(value, level=level)
        if text is None:
            return None
        if text in areas:
            return text
        # A spreadsheet that read 0110101 as a number: the leading zeros back.
        if text.isdigit():
            return next((text.zfill(n) for n in digit_lengths if text.zfill(n) in areas), None)
        return None

    return area_code


def _name_matcher(level: str, areas: dict[str, str], ambiguous: set[str]):
    """value in the file → the code of the one area with that name; names of several go to `ambiguous`."""
    by_name: dict[str, list[str]] = {}
    for code, name in areas.items():
        by_name.setdefault(_normalise_name(name), []).append(code)
    city = _normalise_name(str(settings.CITY_NAME))

    def lookup(text: str) -> str | None:
        codes = by_name.get(text)
        if codes is None:
            return None
        if len(codes) > 1:
            ambiguous.add(text)
            return None
        return codes[0]

    def area_code(value):
        if value is None or (isinstance(value, float) and value != value):
            return None
        text = _normalise_name(value)
        code = lookup(text)
        if code is None and level == WARD:  # 札幌市中央区 / 北海道札幌市中央区 → 中央区
            if city and city in text:
                code = lookup(text.split(city, 1)[1])
        return code

    return area_code


def simplify_coverage(geometries: list, *, tolerance_m: float = SIMPLIFY_TOLERANCE_M[WARD]) -> list:
    """Simplify areas together so that each shared border is simplified once, identically for both sides.

    Runs in metres (the UTM zone of the data), then rounds to WEB_DECIMALS in EPSG:4326. Rounding
    moves a shared vertex identically on both sides, so the coverage stays gap- and overlap-free.
    """
    import geopandas
    import numpy as np
    import shapely

    series = geopandas.GeoSeries(geometries, crs=4326)
    metric = series.to_crs(utm_crs(series.total_bounds))
    simplified = shapely.coverage_simplify(metric.values, tolerance_m)
    back = geopandas.GeoSeries(simplified, crs=metric.crs).to_crs(4326).values
    rounded = shapely.transform(back, lambda xy: np.round(xy, WEB_DECIMALS))
    invalid = ~shapely.is_valid(rounded)
    if invalid.any():
        rounded[invalid] = shapely.make_valid(rounded[invalid], method="structure", keep_collapsed=False)
    return list(rounded)


def normalise_code(value) -> str | None:
    """A 5-digit local-government code from a file value: 1101 → 01101; 011011 (check digit) → 01101."""
    text = _code_text(value)
    if text is None or not text.isdigit():
        return None
    if len(text) < 5:
        text = text.zfill(5)
    if len(text) == 6 and check_digit(text[:5]) == int(text[5]):
        text = text[:5]
    return text if len(text) == 5 else None


def normalise_area_code(value, *, level: str) -> str | None:
    """A district's or an association's code from a file value: width and dashes normalised.

    Association codes are 「区コード-4桁」: 01101－0001 and 011010001 both give 01101-0001.
    """
    text = _code_text(value)
    if not text:
        return None
    if level == ASSOCIATION:
        text = normalize_association_code(text)  # the counts importer's, so both read codes alike
    return text


def _code_text(value) -> str | None:
    """A file value as code text: None for missing values, 1101.0 → "1101", full-width → half-width."""
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or a fraction
            return None
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


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
        raise BoundaryFileError(
            gettext("ZIP ファイルとして開けません（%(file)s）。") % {"file": path.name}
        ) from exc
    for suffix in _ZIP_PREFERENCE:
        found = [n for n in names if n.lower().endswith(suffix)]
        if len(found) == 1:
            return f"/vsizip/{path.resolve()}/{found[0]}"
        if len(found) > 1:
            raise BoundaryFileError(
                gettext(
                    "ZIP の中に %(suffix)s ファイルが複数あります（%(names)s）。"
                    "1つの境界ファイルだけを含む ZIP にするか、展開して指定してください。"
                )
                % {"suffix": suffix, "names": gettext("、").join(found[:5])}
            )
    raise BoundaryFileError(
        gettext("ZIP の中に境界ファイル（.shp、.geojson、.gpkg）がありません（%(file)s）。")
        % {"file": path.name}
    )


def _polygon_layer(source: str, path: Path) -> str | None:
    """The one polygon layer of a multi-layer source (a GeoPackage, a folder of shapefiles)."""
    import pyogrio

    layers = pyogrio.list_layers(source)
    if len(layers) <= 1:
        return None
    polygons = [name for name, kind in layers if kind and "Polygon" in kind]
    if len(polygons) == 1:
        return polygons[0]
    names = gettext("、").join(str(name) for name, _kind in layers)
    raise BoundaryFileError(
        gettext("レイヤーが複数あります（%(names)s）。--layer で取り込むレイヤーを指定してください。")
        % {"names": names}
    )


def _attribution(path: Path) -> str | None:
    """The GeoJSON's top-level `attribution` member (a foreign member readers ignore), or None."""
    if path.suffix.lower() in (".geojson", ".json") and path.stat().st_size <= _ATTRIBUTION_MAX_BYTES:
        try:
            with path.open(encoding="utf-8") as fh:
                value = json.load(fh).get("attribution")
        except (ValueError, AttributeError, OSError):
            value = None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _polygonal(geometry):
    """The polygon parts of a geometry (a repaired ring can leave lines or points beside them)."""
    import shapely

    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _columns(gdf) -> str:
    return gettext("、").join(str(c) for c in gdf.columns if c != "geometry") or gettext("（なし）")


def _normalise_name(value) -> str:
    return "".join(unicodedata.normalize("NFKC", _text(value)).split())


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return gettext("（空）")
    return str(value)
