"""Pure rules of the plan: which fiscal years an indicator value may be recorded for and in what
precision, and the pace and projections toward a plan target (the maps' target page).

Progress toward the member-households target (target_progress) stays in
chonaikai.associations.rules: the associations' own dashboard shows it, and associations do not
import the plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from chonaikai.associations.rules import RATE_QUANTUM


def recordable_fiscal_years(*, baseline_year: int, target_year: int, current_year: int) -> list[int]:
    """Fiscal years a value may be recorded for, newest first.

    After the baseline year (its value is the plan's own figure) up to the target year, and never
    beyond the fiscal year in progress: a year's value cannot be known before that year starts.
    """
    return list(range(min(target_year, current_year), baseline_year, -1))


def has_at_most_decimals(value: Decimal, decimals: int) -> bool:
    """Whether `value` has no more decimal places than the indicator is measured in (76.2 with 1: yes)."""
    return value == value.quantize(Decimal(1).scaleb(-decimals))


# ---------------------------------------------------------------------------------------------
# Pace and projections toward a plan target
#
# Series are (fiscal year, value) pairs: a survey counts for the fiscal year that contains it
# (fiscal_year_of), so with the survey on 1 January a plan's FY2022 baseline is the 2023-01-01
# survey and its FY2028 target is measured by the 2029-01-01 survey (survey_date_of_fiscal_year).
# Years are fiscal years, never dates, so a skipped survey simply leaves a longer step between two
# points.
# ---------------------------------------------------------------------------------------------

PROJECTION_WINDOW = 5  # the plan's five-year horizon: project from the last five surveys


@dataclass(frozen=True)
class Pace:
    """How fast the figure moved since the baseline and how fast it must move to meet the target."""

    years_elapsed: int  # fiscal years from the baseline to the latest value
    years_left: int  # fiscal years from the latest value to the target year
    average_gain_so_far: Decimal | None  # per year, whole units rounded half-up; None at the baseline
    gain_needed_per_year: Decimal | None  # per year from now, rounded up; None when no year is left
    expected_gain_by_now: Decimal  # on the straight path from baseline to target, whole units
    on_pace: bool | None  # the average gain so far is at least the gain needed from now on


def target_pace(
    *, baseline: int, baseline_year: int, target: int, target_year: int, current: int, current_year: int
) -> Pace:
    """Average gain per year so far against the gain per year still needed to reach `target`.

    The expected gain by now is the straight path from the baseline to the target: (target −
    baseline) × years elapsed ÷ years of the plan. Gains are whole units (households): the average
    is rounded half-up, the need rounded up (one household short is still short). Once the target
    is reached the need is 0.
    """
    if target_year <= baseline_year:
        raise ValueError("the target year must come after the baseline year")
    elapsed = current_year - baseline_year
    left = target_year - current_year
    average = None
    if elapsed > 0:
        average = (Decimal(current - baseline) / elapsed).quantize(Decimal(1), ROUND_HALF_UP)
    needed = None
    if left > 0:
        needed = max(Decimal(0), (Decimal(target - current) / left).quantize(Decimal(1), ROUND_CEILING))
    expected = (Decimal(target - baseline) * max(elapsed, 0) / (target_year - baseline_year)).quantize(
        Decimal(1), ROUND_HALF_UP
    )
    on_pace = None if average is None or needed is None else average >= needed
    return Pace(
        years_elapsed=elapsed,
        years_left=left,
        average_gain_so_far=average,
        gain_needed_per_year=needed,
        expected_gain_by_now=expected,
        on_pace=on_pace,
    )


@dataclass(frozen=True)
class Projection:
    """A value projected to fiscal year `year` from the points in `basis`."""

    method: str  # LINEAR or COMPOUND
    basis: tuple[tuple[int, int], ...]  # the (fiscal year, value) points used, oldest first
    year: int
    value: int  # whole units, rounded half-up
    yearly_change: Decimal  # LINEAR: units per year (two decimals); COMPOUND: percent per year (two decimals)


LINEAR, COMPOUND = "linear", "compound"


def _window(series, last: int) -> tuple[tuple[int, int], ...]:
    points = sorted((int(year), int(value)) for year, value in series)
    if len({year for year, _value in points}) != len(points):
        raise ValueError("a series has at most one value per fiscal year")
    return tuple(points[-last:])


def linear_projection(series, *, year: int, last: int = PROJECTION_WINDOW) -> Projection | None:
    """Least-squares straight line through the last `last` points, read at `year`.

    Assumes the figure keeps changing by the same number of units each year as it did, on
    average, over those points. None with fewer than two points.
    """
    basis = _window(series, last)
    if len(basis) < 2:
        return None
    n = len(basis)
    mean_x = Decimal(sum(x for x, _y in basis)) / n
    mean_y = Decimal(sum(y for _x, y in basis)) / n
    sxx = sum((x - mean_x) ** 2 for x, _y in basis)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in basis)
    slope = sxy / sxx
    value = mean_y + slope * (year - mean_x)
    return Projection(
        method=LINEAR,
        basis=basis,
        year=year,
        value=int(value.quantize(Decimal(1), ROUND_HALF_UP)),
        yearly_change=slope.quantize(RATE_QUANTUM, ROUND_HALF_UP),
    )


def compound_growth_projection(series, *, year: int, last: int = PROJECTION_WINDOW) -> Projection | None:
    """The first-to-last average growth rate of the last `last` points, compounded up to `year`.

    growth = (last value ÷ first value)^(1 ÷ years between them) − 1; projection = last value ×
    (1 + growth)^(year − last year). Assumes the figure keeps growing by the same percentage each
    year. None with fewer than two points or a first value of zero or less.
    """
    basis = _window(series, last)
    if len(basis) < 2 or basis[0][1] <= 0:
        return None
    (first_year, first), (last_year, latest) = basis[0], basis[-1]
    factor = (Decimal(latest) / Decimal(first)) ** (Decimal(1) / Decimal(last_year - first_year))
    value = Decimal(latest) * factor ** (year - last_year)
    return Projection(
        method=COMPOUND,
        basis=basis,
        year=year,
        value=int(value.quantize(Decimal(1), ROUND_HALF_UP)),
        yearly_change=((factor - 1) * 100).quantize(RATE_QUANTUM, ROUND_HALF_UP),
    )
