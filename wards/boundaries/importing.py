"""One set of boundary files → one level's boundary rows, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from chonaikai.hooks import Hook

from ..models import AreaBoundary, District, Ward, WardBoundary
from ..projection import utm_crs
from . import matching, reading
from .common import (
    ASSOCIATION,
    DEFAULT_ATTRIBUTION,
    DISTRICT,
    LEVEL_LABELS,
    LEVELS,
    SIMPLIFY_TOLERANCE_M,
    WARD,
    WEB_DECIMALS,
    BoundaryFileError,
    ImportReport,
)
from .municipality import loaded_municipality


def import_boundaries(
    *,
    path: str | Path | Sequence[str | Path],
    level: str = WARD,
    code_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
    encoding: str | None = None,
    crs: str | None = None,
    keep_others: bool = False,
    local_names: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Replace the boundaries of `level` with those of the set `path` names, atomically.

    `path`: a file, a folder or a zip, or several of them: every boundary file in them is one set.
    By default every old boundary of the level is replaced (areas the set lacks lose theirs, and the
    report lists them in `removed`); with `keep_others` only the areas the set holds are replaced.
    Nothing is written unless at least one feature matches an area, and readers see either all the
    old or all the new boundaries. BoundaryFileError (naming the file) when the set is unusable.
    """
    if level not in LEVELS:
        raise BoundaryFileError(
            gettext(
                "区分「%(level)s」の境界は取り込めません。--level には %(levels)s のいずれかを指定してください。"
            )
            % {"level": level, "levels": ", ".join(LEVELS)}
        )
    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    members = reading.members_of(paths)
    areas, expected = candidate_areas(level)
    if not areas:
        raise BoundaryFileError(
            gettext("%(level)sがまだ登録されていないため、境界を照合できません。")
            % {"level": LEVEL_LABELS[level]}
        )
    municipality = loaded_municipality()
    attrs, layers, encodings, detected = _read_set_attributes(members, layer=layer, encoding=encoding)
    by_name = bool(name_field)
    key_field, values = matching.key_values(attrs, level=level, code_field=code_field, name_field=name_field)
    codes, report = matching.match_codes(
        attrs,
        level=level,
        areas=areas,
        municipality=municipality,
        key_field=key_field,
        values=values,
        by_name=by_name,
        local_names=local_names,
    )
    report.files = [m.label for m in members]
    report.source_file = members[0].label if len(members) == 1 else _set_label(paths, members)
    report.encodings = detected
    attrs["_boundary_code"] = codes
    matched = attrs[attrs["_boundary_code"].notna()]
    if matched.empty:
        _refuse_points(members, layers, by_member=None)
        raise matching.no_match_error(report, level=level, by_name=by_name, municipality=municipality)

    gdf, report.crs = _read_set_geometries(members, matched, layers=layers, encodings=encodings, crs=crs)
    gdf = _polygons_only(gdf, report, members)
    if gdf.empty:
        raise matching.no_match_error(report, level=level, by_name=by_name, municipality=municipality)
    if by_name:
        apart = matching.far_apart(gdf)
        if apart:
            raise BoundaryFileError(
                gettext(
                    "同じ名前の%(level)sが離れた場所にあります（%(areas)s）。別の市町村の同名の%(level)sが"
                    "混ざっているとみられるため、取り込みません。市町村名やコードで絞り込んだファイルを指定するか、"
                    "--code-field でコードの列を指定してください。"
                )
                % {
                    "level": LEVEL_LABELS[level],
                    "areas": gettext("、").join(
                        gettext("%(name)s: %(km).0f km 離れた地物を含む、%(features)s")
                        % {"name": areas[c], "km": km, "features": _features_of(gdf, c)}
                        for c, km in apart
                    ),
                }
            )
    dissolved = _dissolve(gdf)
    report.matched = [
        (c, areas[c], int(p)) for c, p in zip(dissolved["code"], dissolved["pieces"], strict=True)
    ]
    found = set(dissolved["code"])
    report.missing = [(c, areas[c]) for c in sorted(expected - found)]
    attribution = reading.attribution(members)
    if attribution is None:
        attribution = DEFAULT_ATTRIBUTION if level == WARD else ""
    report.attribution = attribution
    _write(dissolved, level=level, report=report, areas=areas, keep_others=keep_others, dry_run=dry_run)
    return report


# The name the other modules and the tests have always called.
import_ward_boundaries = import_boundaries


def candidate_areas(level: str) -> tuple[dict[str, str], set[str]]:
    """(code → name of every area of the level a feature may match, codes expected to have one).

    Wards and districts are the geography's own; the associations' level is registered by the
    associations app (BOUNDARY_AREAS), which decides which of them are expected.
    """
    if level == WARD:
        areas = dict(Ward.objects.values_list("code", "name"))
        return areas, set(areas)
    if level == DISTRICT:
        areas = dict(District.objects.values_list("code", "name"))
        return areas, set(areas)
    if level not in BOUNDARY_AREAS:
        raise ValueError(f"Unknown boundary level {level!r}")
    return BOUNDARY_AREAS[level].get()()


# The levels above the geography (associations) say which areas a file may match: `reader()` gives
# (code → name of every area, codes expected). The geography knows no domain app (README,
# Architecture), so the associations app registers its reader when it is ready
# (AssociationsConfig.ready).
BOUNDARY_AREAS: dict[str, Hook[Callable[[], tuple[dict[str, str], set[str]]]]] = {
    ASSOCIATION: Hook("the boundary import's association areas", provider="chonaikai.associations"),
}


def _read_set_attributes(members, *, layer, encoding):
    """Every member's attribute rows in one DataFrame (with the member's index, label and feature id)."""
    import pandas

    frames, layers, encodings, detected = [], [], [], {}
    for index, member in enumerate(members):
        member_encoding, was_detected = reading.shapefile_encoding(member, given=encoding)
        if was_detected:
            detected[member.label] = member_encoding
        frame, member_layer = reading.read_attributes(member, layer=layer, encoding=member_encoding)
        frame = frame.reset_index(names="_boundary_fid")
        frame["_boundary_member"] = index
        frame["_boundary_label"] = member.label
        frames.append(frame)
        layers.append(member_layer)
        encodings.append(member_encoding)
    attrs = pandas.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if attrs.empty:
        raise BoundaryFileError(
            gettext("境界ファイルに地物がありません（%(file)s）。")
            % {"file": gettext("、").join(m.label for m in members[:3])}
        )
    return attrs, layers, encodings, detected


def _read_set_geometries(members, matched, *, layers, encodings, crs):
    """The matched rows' geometries (EPSG:4326) as a GeoDataFrame: code, label, geometry."""
    import geopandas
    import pandas

    parts, crs_texts = [], []
    for index, rows in matched.groupby("_boundary_member", sort=True):
        member = members[index]
        fids = [int(f) for f in rows["_boundary_fid"]]
        geometry, source_crs = reading.read_geometries(
            member, fids, layer=layers[index], encoding=encodings[index], crs=crs
        )
        crs_texts.append(source_crs)
        parts.append(
            geopandas.GeoDataFrame(
                {"code": list(rows["_boundary_code"]), "label": member.label, "fid": fids},
                geometry=list(geometry.values),
                crs=4326,
            )
        )
    gdf = pandas.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    gdf = geopandas.GeoDataFrame(gdf, geometry="geometry", crs=4326)
    return gdf, gettext("、").join(dict.fromkeys(crs_texts))


def _polygons_only(gdf, report: ImportReport, members):
    """Repaired polygonal geometries; points and lines are refused by name when they are all there is."""
    import shapely

    geoms = gdf.geometry.values
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    report.empty = int(empty.sum())
    gdf = gdf[~empty].copy()
    kinds = set(gdf.geometry.geom_type)
    if kinds and kinds <= {"Point", "MultiPoint", "LineString", "MultiLineString", "LinearRing"}:
        _refuse_points(members, None, by_member=gdf)
    invalid = ~shapely.is_valid(gdf.geometry.values)
    report.repaired = int(invalid.sum())
    if report.repaired:
        fixed = shapely.make_valid(gdf.geometry.values[invalid], method="structure", keep_collapsed=False)
        gdf.loc[invalid, "geometry"] = fixed
    # Keep polygons only: points and lines (or what a repair collapses to) are not areas.
    gdf = gdf[gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon", "GeometryCollection"])].copy()
    gdf["geometry"] = [_polygonal(g) for g in gdf.geometry.values]
    return gdf[~shapely.is_empty(gdf.geometry.values)]


def _refuse_points(members, layers, *, by_member):
    """BoundaryFileError naming a layer of points (or lines) for what it is; nothing if it has polygons."""
    if by_member is not None:
        kinds = set(by_member.geometry.geom_type)
        labels = sorted(set(by_member["label"]))
    else:
        kinds = {reading.geometry_type(m, layer=layers[i]) for i, m in enumerate(members)}
        labels = [m.label for m in members]
    if kinds and all("Point" in k for k in kinds):
        message = gettext(
            "%(file)s の地物は点（ポイント）で、区域のポリゴンではありません。点の位置（施設など）ではなく、"
            "区域の境界（Polygon / MultiPolygon）のファイルを指定してください。"
        )
    elif kinds and all("Line" in k for k in kinds):
        message = gettext(
            "%(file)s の地物は線（ライン）で、区域のポリゴンではありません。境界線ではなく、"
            "区域の面（Polygon / MultiPolygon）のファイルを指定してください。"
        )
    else:
        return
    raise BoundaryFileError(message % {"file": gettext("、").join(labels[:3])})


def _dissolve(gdf):
    """One row per area (code, pieces, files, geometry): N03 splits a ward where it has separate parts."""
    import geopandas

    gdf = gdf.assign(pieces=1)
    separator = gettext("、")
    dissolved = gdf.dissolve(
        by="code", aggfunc={"pieces": "sum", "label": lambda s: separator.join(dict.fromkeys(s))}
    ).reset_index()
    return geopandas.GeoDataFrame(
        dissolved[["code", "pieces", "label"]], geometry=dissolved.geometry.values, crs=4326
    )


def _write(
    dissolved, *, level: str, report: ImportReport, areas: dict[str, str], keep_others: bool, dry_run: bool
) -> None:
    """Store the level's boundaries (all of them, or only the set's areas with keep_others)."""
    import shapely

    model = WardBoundary if level == WARD else AreaBoundary
    old = (
        WardBoundary.objects.values_list("ward__code", "pk", "geometry")
        if level == WARD
        else AreaBoundary.objects.filter(level=level).values_list("code", "pk", "geometry")
    )
    old = {code: (pk, geometry) for code, pk, geometry in old}
    new_codes = set(dissolved["code"])
    others = {code: value for code, value in old.items() if code not in new_codes}
    if keep_others:
        report.kept = [(c, areas.get(c, "")) for c in sorted(others)]
        report.missing = [(c, name) for c, name in report.missing if c not in others]
    else:
        report.removed = [(c, areas.get(c, "")) for c in sorted(others)]
    # Kept neighbours are simplified together with the new areas, so shared borders still match.
    kept_geometries = (
        [shapely.from_geojson(geometry) for _pk, geometry in others.values()] if keep_others else []
    )
    full = list(dissolved.geometry.values)
    simplified = simplify_coverage(full + kept_geometries, tolerance_m=SIMPLIFY_TOLERANCE_M[level])
    report.coverage_is_valid = bool(shapely.coverage_is_valid(full + kept_geometries))
    now = timezone.now()
    ward_ids = dict(Ward.objects.values_list("code", "pk")) if level == WARD else {}
    rows = []
    for code, pieces, label, geometry, light in zip(
        dissolved["code"], dissolved["pieces"], dissolved["label"], full, simplified, strict=False
    ):
        full_text = shapely.to_geojson(geometry)
        light_text = shapely.to_geojson(light)
        report.geometry_bytes += len(full_text.encode())
        report.simplified_bytes += len(light_text.encode())
        common = {
            "geometry": full_text,
            "simplified": light_text,
            "source_file": label[:255],
            "feature_count": int(pieces),
            "attribution": report.attribution[:500],
            "imported_at": now,
        }
        if level == WARD:
            rows.append(WardBoundary(ward_id=ward_ids[code], **common))
        else:
            rows.append(AreaBoundary(level=level, code=code, **common))
    kept_rows = []
    for (pk, _geometry), light in (
        zip(others.values(), simplified[len(full) :], strict=True) if keep_others else ()
    ):
        kept_rows.append(model(pk=pk, simplified=shapely.to_geojson(light)))
    replaced = new_codes if keep_others else set(old)
    with transaction.atomic():
        if level == WARD:
            # delete() sends post_delete per row; the maps app listens to drop cached renders.
            WardBoundary.objects.filter(ward__code__in=replaced).delete()
            WardBoundary.objects.bulk_create(rows)
        else:
            # No signal receivers on AreaBoundary: a single DELETE, whatever the number of areas.
            # Cached maps key on the level's boundaries version (maps.cache), which this changes.
            AreaBoundary.objects.filter(level=level, code__in=replaced).delete()
            AreaBoundary.objects.bulk_create(rows, batch_size=500)
        if kept_rows:
            model.objects.bulk_update(kept_rows, ["simplified"], batch_size=500)
        if dry_run:
            transaction.set_rollback(True)


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


def _polygonal(geometry):
    """The polygon parts of a geometry (a repaired ring can leave lines or points beside them)."""
    import shapely

    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _features_of(gdf, code: str) -> str:
    """The features of one area as messages name them: 「a.json の地物番号 0、3」."""
    rows = gdf[gdf["code"] == code]
    by_file: dict[str, list[str]] = {}
    for label, fid in zip(rows["label"], rows["fid"], strict=True):
        by_file.setdefault(label, []).append(str(fid))
    return gettext("、").join(
        gettext("%(file)s の地物番号 %(fids)s") % {"file": label, "fids": gettext("・").join(fids[:10])}
        for label, fids in by_file.items()
    )


def _set_label(paths: list[Path], members) -> str:
    """What a set is called in messages: its one folder or zip, else the first file and a count."""
    if len(paths) == 1:
        return paths[0].name
    return gettext("%(first)s ほか %(n)s ファイル") % {"first": members[0].label, "n": len(members) - 1}
