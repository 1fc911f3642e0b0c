"""Features → the loaded municipality's areas: by code, or by name confined to the municipality.

Ward names repeat across Japan (the same few ward names are used by several designated cities),
so a name is matched only on features whose attributes name the loaded municipality itself (N03's
N03_003 column holding 「〇〇市」, or a full name such as 「〇〇県〇〇市〇〇区」); a file that names no
municipality anywhere is refused at ward level unless the caller says it holds only the city's
areas. Whatever the key, the pieces merged into one area must lie together: pieces far apart mean
same-named areas of different places, and the import is refused.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.utils.translation import gettext

from ..projection import utm_crs
from .common import (
    CODE_FIELDS,
    CODE_LABELS,
    LEVEL_LABELS,
    NAME_LABELS,
    WARD,
    BoundaryFileError,
    ImportReport,
    cell_text,
    columns_text,
    is_missing,
    normalise_area_code,
    normalise_code,
    normalise_name,
    text,
)
from .municipality import PREFECTURES, Municipality

# Pieces of one area further apart than this are refused. Within one municipality the widest gaps
# between parts in N03 are islands: about 60 km (松前町's 渡島大島), 41 km (萩市's 見島), 40 km (佐世保市's
# 宇久島); only 小笠原村 spans more. Same-named wards of different designated cities lie hundreds of
# kilometres apart, the nearest pairs (same-named wards of neighbouring cities around Tokyo)
# 15–40 km: the municipality's name, not this distance, is what keeps those out; this is the net
# behind it.
FAR_APART_KM = 100

INTERNAL = ("_boundary_member", "_boundary_fid", "_boundary_label")


def key_values(attrs, *, level: str, code_field: str | None, name_field: str | None):
    """(the column(s) features are matched on, as messages name them; each row's key value).

    Without --code-field, a set whose files name their codes differently (N03_007 in one, `code` in
    another) is read row by row: each row's first code column that has a value. Ward files without
    any code column whose names are ward codes (12345.json) are matched on their file names.
    """
    if (
        level == WARD
        and not (code_field or name_field)
        and not any(f in attrs.columns for f in CODE_FIELDS[WARD])
    ):
        stems = [PurePosixPath(label).stem for label in attrs["_boundary_label"]]
        if all(normalise_code(stem) is not None and len(stem) == 5 for stem in stems):
            # One file per ward named by its code (12345.json …), as geolonia/japanese-admins ships them.
            return gettext("ファイル名"), stems
    key = key_field_of(attrs, level=level, code_field=code_field, name_field=name_field)
    if code_field or name_field:
        return key, list(attrs[key])
    fields = [f for f in CODE_FIELDS[level] if f in attrs.columns]
    values = attrs[fields[0]]
    for other in fields[1:]:
        values = values.where(values.notna(), attrs[other])
    used = [f for f in fields if attrs[f].notna().any()] or fields[:1]
    return gettext("、").join(used), list(values)


def key_field_of(attrs, *, level: str, code_field: str | None, name_field: str | None) -> str:
    """The column features are matched on; BoundaryFileError naming the file's columns if none."""
    if name_field:
        key = name_field
    else:
        key = code_field or next((f for f in CODE_FIELDS[level] if f in attrs.columns), None)
        if key is None:
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
                    "columns": columns_text(attrs.columns),
                }
            )
    if key not in attrs.columns:
        raise BoundaryFileError(
            gettext("列「%(field)s」がファイルにありません。ファイルの列: %(columns)s")
            % {"field": key, "columns": columns_text(attrs.columns)}
        )
    return key


def match_codes(
    attrs,
    *,
    level: str,
    areas: dict[str, str],
    municipality: Municipality,
    key_field: str,
    values: list,
    by_name: bool,
    local_names: bool = False,
) -> tuple[list[str | None], ImportReport]:
    """The area code of every row (None: not matched) and a report of what was left out and why."""
    report = ImportReport(source_file="", level=level, crs="", key_field=key_field, features_read=len(attrs))
    ambiguous: set[str] = set()
    if by_name:
        lookup = _name_matcher(level, areas, municipality, ambiguous)
        inside = _inside_municipality(attrs, level=level, areas=areas, municipality=municipality)
        if not any(inside):
            if level == WARD and not local_names:
                raise BoundaryFileError(
                    gettext(
                        "名前（列 %(field)s）で照合するには、地物の属性に市町村名「%(city)s」が必要です。"
                        "同じ名前の%(level)sが全国の複数の市にあるため、市町村名のない名前では照合しません"
                        "（%(file)s のどの属性にも「%(city)s」がありません）。コードの列を --code-field で指定するか、"
                        "この市町村だけのファイルであれば --local-names を付けてください。"
                    )
                    % {
                        "field": key_field,
                        "city": municipality.name,
                        "level": LEVEL_LABELS[level],
                        "file": gettext("、").join(sorted(set(attrs["_boundary_label"]))[:3]),
                    }
                )
            inside = [True] * len(values)
        report.outside = sum(not x for x in inside)
        codes = [lookup(v) if ok else None for v, ok in zip(values, inside, strict=True)]
        report.city_features = sum(
            1
            for v, ok, c in zip(values, inside, codes, strict=True)
            if ok and c is None and _is_city_name(normalise_name(v), municipality)
        )
        unmatched = [v for v, ok, c in zip(values, inside, codes, strict=True) if ok and c is None]
    else:
        lookup = _code_matcher(level, areas)
        codes = [lookup(v) for v in values]
        unmatched = [v for v, c in zip(values, codes, strict=True) if c is None]
        if level == WARD:
            report.city_features = sum(1 for v in unmatched if normalise_code(v) == municipality.code)
            other = [_other_municipality(normalise_code(v), municipality, areas) for v in unmatched]
            report.outside = sum(other)
            unmatched = [v for v, o in zip(unmatched, other, strict=True) if not o]
    report.ambiguous = sorted(ambiguous)
    report.unmatched = sorted({text(v) for v in unmatched} - ambiguous)
    return codes, report


def no_match_error(report: ImportReport, *, level: str, by_name: bool, municipality: Municipality):
    """The refusal for a set where nothing matched, naming the whole-municipality polygon if that is it."""
    if report.city_features:
        return BoundaryFileError(
            gettext(
                "ファイルにあるのは%(city)s全体（%(code)s）を1つにした境界で、%(level)sごとの境界ではありません"
                "（%(files)s）。%(level)sごとに分かれた境界ファイルを指定してください。"
            )
            % {
                "city": municipality.name,
                "code": municipality.code,
                "level": LEVEL_LABELS[level],
                "files": gettext("、").join(report.files[:3]),
            }
        )
    from .common import CODE_EXAMPLES

    shown = report.unmatched[:10] + report.ambiguous[:10]
    outside = ""
    if report.outside:
        outside = gettext("（%(city)s以外の地物 %(n)s 件は除きました）") % {
            "city": municipality.name,
            "n": report.outside,
        }
    return BoundaryFileError(
        gettext(
            "%(level)sに一致するポリゴンがありません（%(files)s、照合した列: %(field)s、%(expected)s）"
            "%(outside)s。一致しなかった値: %(values)s"
        )
        % {
            "files": gettext("、").join(report.files[:3]),
            "level": LEVEL_LABELS[level],
            "field": report.key_field,
            "expected": NAME_LABELS[level] if by_name else CODE_EXAMPLES[level],
            "outside": outside,
            "values": gettext("、").join(shown) or gettext("（なし）"),
        }
    )


def _inside_municipality(
    attrs, *, level: str, areas: dict[str, str], municipality: Municipality
) -> list[bool]:
    """Per row: do its attributes name the loaded municipality (and no other prefecture or code)?"""
    city = normalise_name(municipality.name)
    prefecture = municipality.prefecture
    other_prefectures = set(PREFECTURES) - {prefecture}
    code_columns = [c for c in CODE_FIELDS[WARD] if c in attrs.columns] if level == WARD else []
    own_codes = set(areas) | {municipality.code}
    columns = [c for c in attrs.columns if c not in INTERNAL]
    seen: dict[str, tuple[bool, bool]] = {}  # value → (names the city, names another prefecture)

    def classify(value: str) -> tuple[bool, bool]:
        name = normalise_name(value)
        if name in other_prefectures:
            return False, True
        foreign = False
        for pref in PREFECTURES:  # 「〇〇県〇〇市〇〇区」: the prefecture's name, then the city's
            if name.startswith(pref) and len(name) > len(pref):
                foreign = pref != prefecture and not city.startswith(pref)
                name = name[len(pref) :]
                break
        return bool(city) and name.startswith(city), foreign

    result = []
    for row in attrs[columns].itertuples(index=False, name=None):
        names_city = False
        foreign = False
        for value in row:
            if not isinstance(value, str):
                continue
            if value not in seen:
                seen[value] = classify(value)
            names, other = seen[value]
            names_city |= names
            foreign |= other
        for column in code_columns:
            value = cell_text(row[columns.index(column)])
            # Only a full code (5 digits, or 6 with the check digit) says which municipality it is.
            code = normalise_code(value) if value and len(value) in (5, 6) else None
            if code is not None and code not in own_codes:
                foreign = True
        result.append(names_city and not foreign)
    return result


def _other_municipality(code: str | None, municipality: Municipality, areas: dict[str, str]) -> bool:
    """Is this the code of another municipality (a real prefecture, outside the city's own range)?

    A designated city's wards are numbered just after it (XX100 → XX101…); codes there and codes
    that are not codes at all (99999) are reported as unmatched values, not as other places. A city
    whose only area is the whole city has no such range: its neighbours' codes follow its own.
    """
    if code is None or not municipality.code.isdigit() or not 1 <= int(code[:2]) <= len(PREFECTURES):
        return False
    if set(areas) <= {municipality.code}:
        return code != municipality.code
    # Wards follow the city's code; the next designated city of a prefecture starts 30 or more
    # further on (横浜 14100 / 川崎 14130, 静岡 22100 / 浜松 22130, 大阪 27100–27128 / 堺 27140).
    own = int(municipality.code)
    last = max([own + 29, *(int(c) for c in areas if c.isdigit())])
    return not own <= int(code) <= last


def _is_city_name(name: str, municipality: Municipality) -> bool:
    city = normalise_name(municipality.name)
    return name in (city, normalise_name(municipality.prefecture) + city)


def _code_matcher(level: str, areas: dict[str, str]):
    """value in the file → the area's code, or None."""
    if level == WARD:

        def ward_code(value):
            code = normalise_code(value)
            return code if code in areas else None

        return ward_code
    digit_lengths = sorted({len(c) for c in areas if c.isdigit()})

    def area_code(value):
        text_value = normalise_area_code(value, level=level)
        if text_value is None:
            return None
        if text_value in areas:
            return text_value
        # A spreadsheet that read 0123401 as a number: the leading zeros back.
        if text_value.isdigit():
            return next((text_value.zfill(n) for n in digit_lengths if text_value.zfill(n) in areas), None)
        return None

    return area_code


def _name_matcher(level: str, areas: dict[str, str], municipality: Municipality, ambiguous: set[str]):
    """value in the file → the code of the one area with that name; names of several go to `ambiguous`."""
    by_name: dict[str, list[str]] = {}
    for code, name in areas.items():
        by_name.setdefault(normalise_name(name), []).append(code)
    city = normalise_name(municipality.name)
    prefecture = municipality.prefecture

    def lookup(name: str) -> str | None:
        codes = by_name.get(name)
        if codes is None:
            return None
        if len(codes) > 1:
            ambiguous.add(name)
            return None
        return codes[0]

    def area_code(value):
        if value is None or is_missing(value):
            return None
        name = normalise_name(value)
        code = lookup(name)
        if code is None and city:  # 〇〇市〇〇区 / 〇〇県〇〇市〇〇区 → 〇〇区
            for prefix in (prefecture + city, city):
                if prefix and name.startswith(prefix):
                    code = lookup(name[len(prefix) :])
                    break
        return code

    return area_code


def far_apart(gdf, *, by_code: str = "code") -> list[tuple[str, float]]:
    """(code, gap in km) of every area whose pieces form groups more than FAR_APART_KM apart."""
    import geopandas
    import shapely

    result = []
    counts = gdf[by_code].value_counts()
    for code in counts[counts > 1].index:
        pieces = geopandas.GeoSeries(gdf.geometry[gdf[by_code] == code].values, crs=4326)
        metric = pieces.to_crs(utm_crs(pieces.total_bounds))
        hulls = shapely.convex_hull(metric.values)
        half = FAR_APART_KM * 1000 / 2
        groups = shapely.get_parts(shapely.union_all(shapely.buffer(hulls, half, quad_segs=2)))
        if len(groups) > 1:
            cores = [shapely.union_all(hulls[shapely.intersects(hulls, g)]) for g in groups]
            gap = min(shapely.distance(a, b) for i, a in enumerate(cores) for b in cores[i + 1 :])
            result.append((code, gap / 1000))
    return result
