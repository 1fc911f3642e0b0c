"""Reads for the plan's outcome indicators: each one's baseline, yearly values, target and progress."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone

from chonaikai.accounts import policy
from chonaikai.associations import rules as association_rules
from chonaikai.associations import selectors as association_selectors
from chonaikai.associations.models import Target
from chonaikai.calendar import fiscal_year_of

from . import rules
from .models import Indicator, IndicatorValue


@dataclass(frozen=True)
class IndicatorProgress:
    """One indicator as the progress page and the yearly report show it."""

    indicator: Indicator
    baseline_year: int | None
    baseline_value: Decimal | None
    target_year: int | None
    target_value: Decimal | None
    values: dict[int, Decimal]  # fiscal year → value, for the years after the baseline
    source: str
    from_counts: bool  # the yearly values are the household counts' totals, not recorded ones

    @property
    def latest(self) -> tuple[int, Decimal] | None:
        """The newest value: a recorded year's, else the baseline's."""
        if self.values:
            year = max(self.values)
            return year, self.values[year]
        if self.baseline_year is not None and self.baseline_value is not None:
            return self.baseline_year, self.baseline_value
        return None

    @property
    def progress(self) -> association_rules.TargetProgress | None:
        """Share of the way from the baseline to the target, by the latest value (two decimals).

        None until a value after the baseline exists: "0.00%" would read as a measured standstill.
        """
        latest = self.latest
        # target_progress's arithmetic holds for Decimals as for whole households.
        if not self.values or latest is None or self.baseline_value is None or self.target_value is None:
            return None
        return association_rules.target_progress(
            baseline=self.baseline_value, target=self.target_value, current=latest[1]
        )

    def value_for(self, year: int) -> Decimal | None:
        if year == self.baseline_year:
            return self.baseline_value
        return self.values.get(year)


def indicator_progress() -> list[IndicatorProgress]:
    """Every indicator with its figures, in a constant number of queries whatever the number of years."""
    indicators = list(Indicator.objects.order_by("order", "code"))
    recorded: dict[int, dict[int, Decimal]] = {}
    for indicator_id, year, value in IndicatorValue.objects.values_list(
        "indicator_id", "fiscal_year", "value"
    ):
        recorded.setdefault(indicator_id, {})[year] = value
    linked_metrics = {i.linked_target_metric for i in indicators if i.is_linked}
    targets = {
        (t.metric, t.kind): t
        for t in Target.objects.filter(metric__in=linked_metrics).order_by("fiscal_year")
    }
    counted = _counted_values() if Target.Metric.MEMBER_HOUSEHOLDS in linked_metrics else {}

    result = []
    for indicator in indicators:
        if indicator.is_linked:
            baseline = targets.get((indicator.linked_target_metric, Target.Kind.BASELINE))
            target = targets.get((indicator.linked_target_metric, Target.Kind.TARGET))
            baseline_year = baseline.fiscal_year if baseline else None
            values = {}
            if indicator.linked_target_metric == Target.Metric.MEMBER_HOUSEHOLDS:
                values = {y: v for y, v in counted.items() if baseline_year is None or y > baseline_year}
            result.append(
                IndicatorProgress(
                    indicator=indicator,
                    baseline_year=baseline_year,
                    baseline_value=baseline.value if baseline else None,
                    target_year=target.fiscal_year if target else None,
                    target_value=target.value if target else None,
                    values=values,
                    source=(baseline or target).source if (baseline or target) else indicator.source,
                    from_counts=True,
                )
            )
        else:
            result.append(
                IndicatorProgress(
                    indicator=indicator,
                    baseline_year=indicator.baseline_fiscal_year,
                    baseline_value=indicator.baseline_value,
                    target_year=indicator.target_fiscal_year,
                    target_value=indicator.target_value,
                    values=recorded.get(indicator.pk, {}),
                    source=indicator.source,
                    from_counts=False,
                )
            )
    return result


def _counted_values() -> dict[int, Decimal]:
    """City member households by the fiscal year of each survey (the 1 January survey counts)."""
    return {
        row.fiscal_year: Decimal(row.member_households)
        for row in association_selectors.membership_series(level=association_selectors.Level.CITY)
    }


def report_years(rows: list[IndicatorProgress]) -> list[int]:
    """The fiscal years the progress table has a column for: the earliest baseline to the latest target."""
    years = [y for r in rows for y in (r.baseline_year, r.target_year) if y is not None]
    return list(range(min(years), max(years) + 1)) if years else []


def indicators_recordable_by(user):
    """Indicators whose values the user may record: the unlinked ones, for city administrators only."""
    if not policy.is_city_admin(user):
        return Indicator.objects.none()
    return Indicator.objects.filter(linked_target_metric="").order_by("order", "code")


def get_indicator_for_record(user, code: str) -> Indicator:
    """Http404 whether the indicator is missing, linked or the user may not record it."""
    return get_object_or_404(indicators_recordable_by(user), code=code)


def recordable_years(indicator: Indicator) -> list[int]:
    return rules.recordable_fiscal_years(
        baseline_year=indicator.baseline_fiscal_year,
        target_year=indicator.target_fiscal_year,
        current_year=fiscal_year_of(timezone.localdate()),
    )
