"""`{% load plan_tags %}` then `{{ value|indicator_value:indicator }}`: 76.2%, 1,143団体, —."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def indicator_value(value, indicator) -> str:
    """A value in the indicator's unit, with the indicator's number of decimals; "—" when missing."""
    if value is None or value == "":
        return "—"
    decimals = indicator.decimals
    number = Decimal(value).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    whole, _dot, fraction = f"{number:f}".partition(".")
    text = intcomma(int(whole))  # values are never negative (a database constraint)
    return f"{text}.{fraction}{indicator.unit}" if fraction else f"{text}{indicator.unit}"


@register.filter
def value_for(row, year: int):
    """`{{ row|value_for:year }}`: an IndicatorProgress's value in that fiscal year (the baseline's in its year)."""
    return row.value_for(year)
