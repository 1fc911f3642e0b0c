"""Display filters for dates, fiscal years and rates: thin wrappers around rules.py.

`{% load japanese %}` then `{{ day|jdate }}`, `{{ moment|jdatetime }}`, `{{ fiscal_year|fylabel }}`,
`{{ rate|rate }}`, `{{ change|points }}`. Every filter shows "—" for a missing value, never "None" or "0".
Dates and fiscal years are shown in the Japanese era when the page is in Japanese; an English
page shows the Western calendar, which its readers can actually read.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext

from chonaikai.calendar import fiscal_year_label, fiscal_year_of, japanese_date

register = template.Library()

MISSING = "—"


def _japanese_page() -> bool:
    return (get_language() or "ja").startswith("ja")


@register.filter
def jdate(value: dt.date | None) -> str:
    """2025-01-01 → 令和7年1月1日 (English pages: Jan. 1, 2025)."""
    if not value:
        return MISSING
    if isinstance(value, dt.datetime):
        value = value.date()
    if not _japanese_page():
        return formats.date_format(value, "DATE_FORMAT")
    try:
        return japanese_date(value)
    except ValueError:  # before 昭和: no era label, the Western date is still right
        return formats.date_format(value, "DATE_FORMAT")


@register.filter
def jdatetime(value: dt.datetime | None) -> str:
    """A moment in the site's time zone: 令和8年10月23日 5:17 (English pages: Oct. 23, 2026, 5:17 a.m.)."""
    if not value:
        return MISSING
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    if not _japanese_page():
        return formats.date_format(value, "DATETIME_FORMAT")
    return f"{jdate(value)} {value.hour}:{value.minute:02d}"


@register.filter
def fylabel(value: int | None) -> str:
    """2024 → 令和6年度 (English pages: FY2024)."""
    if value in (None, ""):
        return MISSING
    if not _japanese_page():
        return gettext("FY%(year)s") % {"year": value}
    return fiscal_year_label(int(value))


@register.filter
def rate(value: Decimal | None) -> str:
    """A rate in percent as rules.py returns it: Decimal("69.4") → "69.40%"; None → "—"."""
    if value is None or value == "":
        return MISSING
    return f"{Decimal(value):.2f}%"


@register.filter
def points(value: Decimal | None) -> str:
    """A change in percentage points, always signed: "+0.12ポイント", "-1.05ポイント"; None → "—"."""
    if value is None or value == "":
        return MISSING
    value = Decimal(value)
    sign = "+" if value > 0 else ""
    return gettext("%(value)sポイント") % {"value": f"{sign}{value:.2f}"}


@register.filter
def fiscal_year(value: dt.date | None) -> int | None:
    """The fiscal year a date belongs to (fiscal_year_of): 2025-01-01 → 2024."""
    return fiscal_year_of(value) if value else None
