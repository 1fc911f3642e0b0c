"""Which fiscal years an indicator's value may be recorded for, and at what precision (no database)."""

from decimal import Decimal

import pytest

from chonaikai.plan.rules import has_at_most_decimals, recordable_fiscal_years


@pytest.mark.parametrize(
    ("current_year", "expected"),
    [
        (2022, []),  # the baseline year's value is the plan's own figure
        (2023, [2023]),
        (2025, [2025, 2024, 2023]),
        (2028, [2028, 2027, 2026, 2025, 2024, 2023]),
        (2031, [2028, 2027, 2026, 2025, 2024, 2023]),  # never past the target year
    ],
)
def test_values_can_be_recorded_after_the_baseline_up_to_this_fiscal_year_and_the_target_year(
    current_year, expected
):
    assert (
        recordable_fiscal_years(baseline_year=2022, target_year=2028, current_year=current_year) == expected
    )


@pytest.mark.parametrize(
    ("value", "decimals", "ok"),
    [
        ("76.2", 1, True),
        ("76.25", 1, False),
        ("80", 1, True),
        ("1143", 0, True),
        ("1143.00", 0, True),
        ("1143.5", 0, False),
    ],
)
def test_a_value_may_have_no_more_decimals_than_its_indicator(value, decimals, ok):
    assert has_at_most_decimals(Decimal(value), decimals) is ok
