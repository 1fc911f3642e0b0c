"""What every step of the boundary pipeline shares: levels, labels, the error, the report, code texts."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from chonaikai.cities.current import city
from chonaikai.cities.texts import labelled
from chonaikai.codes import cell_text, normalize_association_code, normalize_municipality_code

# The citation MLIT's terms require, used when a ward file carries no top-level `attribution` member.
DEFAULT_ATTRIBUTION = "出典：『国土数値情報（行政区域データ）』（国土交通省）を加工して作成"  # i18n: data

WARD, DISTRICT, ASSOCIATION = "ward", "district", "association"
LEVELS = (WARD, DISTRICT, ASSOCIATION)

# Coverage simplification tolerance in metres (in a UTM projection), per level. 30 m keeps every ward
# recognisable at city zoom and brings a designated city's ~17,000 ward vertices to about 3,100
# (≈65 KB of GeoJSON); districts and associations are drawn at closer zooms, and an association's
# area can be a few hundred metres across.
SIMPLIFY_TOLERANCE_M = {WARD: 30, DISTRICT: 15, ASSOCIATION: 5}
# 5 decimals of a degree ≈ 1 m: finer than N03's 1:25,000 accuracy, and it halves the text.
WEB_DECIMALS = 5

# Attribute names tried, in order, when no --code-field is given: for wards N03's 行政区域コード, then
# `code`, then `id` (a GeoJSON/TopoJSON feature's own string id, which GDAL reads as a column `id`);
# for districts and associations `code`, then the English and the Japanese column names.
CODE_FIELDS = {
    WARD: ("N03_007", "code", "id"),
    DISTRICT: ("code", "district_code", "地区コード"),  # i18n: data
    ASSOCIATION: ("code", "association_code", "町内会コード"),  # i18n: data
}
# Words that go inside the messages (lower case in English: "No ward code column found").
# The ward level is named as the loaded city names its areas (区, 市, 地区 …: chonaikai.cities.texts).
LEVEL_LABELS = {
    WARD: labelled(pgettext_lazy("boundary file", "%(area)s")),
    DISTRICT: pgettext_lazy("boundary file", "地区"),
    ASSOCIATION: pgettext_lazy("boundary file", "町内会"),
}
CODE_LABELS = {
    WARD: labelled(pgettext_lazy("boundary file", "%(area)sコード")),
    DISTRICT: pgettext_lazy("boundary file", "地区コード"),
    ASSOCIATION: pgettext_lazy("boundary file", "町内会コード"),
}
NAME_LABELS = {
    WARD: labelled(pgettext_lazy("boundary file", "%(area)s名")),
    DISTRICT: pgettext_lazy("boundary file", "地区名"),
    ASSOCIATION: pgettext_lazy("boundary file", "町内会名"),
}
CODE_EXAMPLES = {
    WARD: labelled(_("%(area)sコード（5桁、例: %(area_code)s）")),
    DISTRICT: _("地区コード"),
    ASSOCIATION: labelled(_("町内会コード（例: %(association_code)s）")),
}


class BoundaryFileError(Exception):
    """A boundary file that cannot be used; the message says what to do (in the active language)."""


@dataclass
class ImportReport:
    source_file: str
    level: str
    crs: str
    key_field: str
    features_read: int
    files: list[str] = field(default_factory=list)  # every file of the set, as messages name them
    matched: list[tuple[str, str, int]] = field(default_factory=list)  # (code, name, pieces merged)
    unmatched: list[str] = field(default_factory=list)  # key values that match no area
    ambiguous: list[str] = field(default_factory=list)  # names shared by several areas (--name-field)
    outside: int = 0  # features of other municipalities (by their code, or by names without the city's)
    city_features: int = 0  # features that are the whole municipality (its code or its own name)
    missing: list[tuple[str, str]] = field(default_factory=list)  # areas the file lacks (code, name)
    removed: list[tuple[str, str]] = field(default_factory=list)  # old boundaries deleted, not replaced
    kept: list[tuple[str, str]] = field(default_factory=list)  # old boundaries kept (keep_others)
    encodings: dict[str, str] = field(default_factory=dict)  # shapefile without .cpg → encoding detected
    repaired: int = 0
    empty: int = 0
    coverage_is_valid: bool = True
    attribution: str = ""
    geometry_bytes: int = 0
    simplified_bytes: int = 0


# The one municipality-code normaliser, under the name this package has always used.
normalise_code = normalize_municipality_code


def normalise_area_code(value, *, level: str) -> str | None:
    """A district's or an association's code from a file value: width and dashes normalised.

    Association codes are <area code>-<number>, the number as wide as the city's profile says
    (association_number_digits): with 4, 12345－0001 and 123450001 both give 12345-0001.
    """
    text = cell_text(value)
    if not text:
        return None
    if level == ASSOCIATION:
        # The counts importer's, so both read codes alike.
        text = normalize_association_code(text, city().association_number_digits)
    return text


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def normalise_name(value) -> str:
    return "".join(unicodedata.normalize("NFKC", text(value)).split())


def text(value) -> str:
    if is_missing(value):
        return gettext("（空）")
    return str(value)


def columns_text(columns) -> str:
    shown = [str(c) for c in columns if c != "geometry" and not str(c).startswith("_boundary_")]
    return gettext("、").join(shown) or gettext("（なし）")
