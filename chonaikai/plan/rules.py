"""Pure rules for recording outcome-indicator values: which fiscal years, what precision."""

from __future__ import annotations

from decimal import Decimal


def recordable_fiscal_years(*, baseline_year: int, target_year: int, current_year: int) -> list[int]:
    """Fiscal years a value may be recorded for, newest first.

    After the baseline year (its value is the plan's own figure) up to the target year, and never
    beyond the fiscal year in progress: a year's value cannot be known before that year starts.
    """
    return list(range(min(target_year, current_year), baseline_year, -1))


def has_at_most_decimals(value: Decimal, decimals: int) -> bool:
    """Whether `value` has no more decimal places than the indicator is measured in (76.2 with 1: yes)."""
    return value == value.quantize(Decimal(1).scaleb(-decimals))
