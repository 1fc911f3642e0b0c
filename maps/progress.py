"""The target dashboard: the city's pace toward the plan's member-household target, and each ward's part.

Pure Python over the selectors' rows, like metrics.py. The arithmetic of pace and projections is
in chonaikai.associations.rules; the fair share of the gap is metrics.fair_share_of_gap, used
here for the remaining gap and, with the same proportional method, for the gain expected by now.

Definitions (stated on the page as well):
- A ward's contribution is its member households on the latest survey minus those on the
  baseline fiscal year's survey, from the household counts.
- A ward is on track when that gain is at least its pro-rata share of the gain the city should
  have made by now on a straight path from the plan's baseline to its target (the member-household
  figures of the city profile's plan.toml), shared in proportion to the wards' households on the
  latest survey.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from chonaikai.associations import rules, survey
from chonaikai.associations.stats import publication
from chonaikai.calendar import fiscal_year_of
from chonaikai.plan import rules as plan_rules

from . import metrics


@dataclass(frozen=True)
class WardProgress:
    code: str
    name: str
    households: int | None = None  # latest survey
    member_households: int | None = None  # latest survey
    baseline_member_households: int | None = None  # baseline survey
    gain: int | None = None  # contribution to the city's gain so far
    share_of_gain: Decimal | None = None  # percent of the wards' summed gain, two decimals
    expected_gain: int | None = None  # pro-rata share of the gain expected by now
    on_track: bool | None = None
    gap_share: int | None = None  # fair share of the remaining gap
    suppressed: bool = False  # fewer households than the publication threshold: figures withheld

    @property
    def has_data(self) -> bool:
        return self.households is not None and not self.suppressed


@dataclass(frozen=True)
class TargetDashboard:
    survey_date: dt.date
    fiscal_year: int
    baseline_year: int
    baseline_survey_date: dt.date
    target_year: int
    progress: rules.TargetProgress
    pace: plan_rules.Pace
    linear: plan_rules.Projection | None
    compound: plan_rules.Projection | None
    counted_baseline: int | None  # the counts' city total on the baseline survey, when there are counts
    wards: list[WardProgress]

    @property
    def linear_difference(self) -> int | None:
        """Linear projection minus the target: negative = short of it."""
        return None if self.linear is None else self.linear.value - self.progress.target

    @property
    def compound_difference(self) -> int | None:
        return None if self.compound is None else self.compound.value - self.progress.target

    @property
    def baseline_differs_from_counts(self) -> bool:
        return self.counted_baseline is not None and self.counted_baseline != self.progress.baseline


def build(
    *,
    baseline: int,
    baseline_year: int,
    target: int,
    target_year: int,
    city_series,
    ward_series,
    wards,
    min_households: int,
) -> TargetDashboard | None:
    """The dashboard from the city series and the ward series (MembershipRow-like, any order).

    `wards` are (code, name) pairs of every ward. None when there are no counts yet.
    """
    city_series = sorted(city_series, key=lambda r: r.survey_date)
    if not city_series:
        return None
    latest = city_series[-1]
    fiscal_year = fiscal_year_of(latest.survey_date)
    baseline_day = survey.survey_date_of_fiscal_year(baseline_year)
    progress = rules.target_progress(baseline=baseline, target=target, current=latest.member_households)
    pace = plan_rules.target_pace(
        baseline=baseline,
        baseline_year=baseline_year,
        target=target,
        target_year=target_year,
        current=latest.member_households,
        current_year=fiscal_year,
    )
    points = [(fiscal_year_of(r.survey_date), r.member_households) for r in city_series]
    counted_baseline = next((r.member_households for r in city_series if r.survey_date == baseline_day), None)

    latest_rows = [r for r in ward_series if r.survey_date == latest.survey_date]
    baseline_members = {r.code: r.member_households for r in ward_series if r.survey_date == baseline_day}
    gap_shares = metrics.fair_share_of_gap(latest_rows, progress)
    # The gain expected by now, shared like the gap: in proportion to the wards' households.
    expected_shares = metrics.fair_share_of_gap(
        latest_rows,
        rules.target_progress(baseline=0, target=int(pace.expected_gain_by_now), current=0),
    )
    by_code = {r.code: r for r in latest_rows}
    gains = {
        code: by_code[code].member_households - members
        for code, members in baseline_members.items()
        if code in by_code
    }
    total_gain = sum(gains.values())

    ward_rows = []
    for code, name in wards:
        row = by_code.get(code)
        if row is None:
            ward_rows.append(WardProgress(code=code, name=name))
            continue
        gain = gains.get(code)
        expected = expected_shares.get(code)
        share = None
        if gain is not None and total_gain:
            share = (Decimal(gain) * 100 / total_gain).quantize(rules.RATE_QUANTUM, ROUND_HALF_UP)
        ward_rows.append(
            WardProgress(
                code=code,
                name=name,
                households=row.households,
                member_households=row.member_households,
                baseline_member_households=baseline_members.get(code),
                gain=gain,
                share_of_gain=share,
                expected_gain=expected,
                on_track=None if gain is None or expected is None else gain >= expected,
                gap_share=gap_shares.get(code),
                suppressed=publication.is_small(row.households, min_households),
            )
        )
    return TargetDashboard(
        survey_date=latest.survey_date,
        fiscal_year=fiscal_year,
        baseline_year=baseline_year,
        baseline_survey_date=baseline_day,
        target_year=target_year,
        progress=progress,
        pace=pace,
        linear=plan_rules.linear_projection(points, year=target_year),
        compound=plan_rules.compound_growth_projection(points, year=target_year),
        counted_baseline=counted_baseline,
        wards=ward_rows,
    )
