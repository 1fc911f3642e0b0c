"""Reads for submitting and approving a ward's counts: what a ward is about to submit, or has.

The ward's staff see it before they submit (the submission summary), the city before it approves
or sends back (the approval view): entered N of M associations, the associations with no count,
every count the plausibility rule (rules.check_count) flags with its note, and the ward's figures
against the previous survey over the associations counted in both (a partial total is shown apart). Both pages read this one selector, so both say the same.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from wards.models import Ward

from .. import rules
from ..models import Association, HouseholdCount, SurveyRound, WardProgress
from ..rules import CountCheck, Figure
from ..selectors import previous_survey_date


@dataclass(frozen=True)
class CheckedRow:
    """An association with its count for the survey (None if none), the previous one, and the check."""

    association: Association
    count: HouseholdCount | None
    previous: HouseholdCount | None
    check: CountCheck

    @property
    def note(self) -> str:
        return self.count.note if self.count is not None else ""


@dataclass(frozen=True)
class WardSubmission:
    """A ward's counts for one survey, as submitted or about to be."""

    progress: WardProgress  # with ward and survey_round
    previous_survey_date: dt.date | None
    rows: list[CheckedRow]  # every active association, by code

    @property
    def ward(self) -> Ward:
        return self.progress.ward

    @property
    def survey_date(self) -> dt.date:
        return self.progress.survey_round.survey_date

    @property
    def active(self) -> int:
        return len(self.rows)

    @property
    def missing(self) -> list[CheckedRow]:
        return [r for r in self.rows if r.count is None]

    @property
    def counted(self) -> int:
        return self.active - len(self.missing)

    @property
    def flagged(self) -> list[CheckedRow]:
        """Counted associations with any plausibility flag (no count is listed in `missing`)."""
        return [r for r in self.rows if r.count is not None and r.check.flags]

    @property
    def compared_rows(self) -> list[CheckedRow]:
        """The associations with a count in both surveys: the only ones the ward's change is over."""
        return [r for r in self.rows if r.count is not None and r.previous is not None]

    @property
    def compared(self) -> int:
        return len(self.compared_rows)

    @property
    def households(self) -> Figure:
        """The ward's households against the previous survey's, like with like: summed over the
        associations with a count in both surveys (`compared`), never a partial total against a
        full one."""
        return Figure(*self._sums("households"))

    @property
    def members(self) -> Figure:
        return Figure(*self._sums("member_households"))

    @property
    def rate(self) -> Decimal | None:
        return rules.membership_rate(self.members.current, self.households.current)

    @property
    def previous_rate(self) -> Decimal | None:
        return rules.membership_rate(self.members.previous, self.households.previous)

    @property
    def rate_change(self) -> Decimal | None:
        return rules.rate_change(self.rate, self.previous_rate)

    @property
    def entered_households(self) -> int | None:
        """This survey's households over every association entered so far (`counted` of `active`)."""
        return self._entered("households")

    @property
    def entered_members(self) -> int | None:
        return self._entered("member_households")

    @property
    def entered_rate(self) -> Decimal | None:
        return rules.membership_rate(self.entered_members, self.entered_households)

    def _entered(self, field: str) -> int | None:
        values = [getattr(r.count, field) for r in self.rows if r.count is not None]
        return sum(values) if values else None

    def _sums(self, field: str) -> tuple[int | None, int | None]:
        if self.previous_survey_date is None:  # nothing to compare with: the total entered
            return (self._entered(field), None)
        both = self.compared_rows
        if not both:
            return (None, None)
        return (sum(getattr(r.count, field) for r in both), sum(getattr(r.previous, field) for r in both))


def ward_submission(*, ward: Ward, survey_date: dt.date) -> WardSubmission | None:
    """The ward's active associations with this survey's and the previous survey's counts, checked.

    None when no round is open for `survey_date`. Scope is the caller's (policy). Four queries
    whatever the number of associations.
    """
    progress = (
        WardProgress.objects.filter(ward=ward, survey_round__survey_date=survey_date)
        .select_related("ward", "survey_round", "changed_by")
        .first()
    )
    if progress is None:
        return None
    previous_day = previous_survey_date(survey_date)
    associations = list(
        Association.objects.active().in_ward(ward).only("id", "code", "name", "ward_id").order_by("code")
    )
    dates = [survey_date] + ([previous_day] if previous_day else [])
    counts = {
        (c.association_id, c.survey_date): c
        for c in HouseholdCount.objects.filter(association__ward=ward, survey_date__in=dates).order_by()
    }
    rows = []
    for a in associations:
        count = counts.get((a.pk, survey_date))
        previous = counts.get((a.pk, previous_day)) if previous_day else None
        rows.append(
            CheckedRow(
                association=a,
                count=count,
                previous=previous,
                check=check_stored(count, previous),
            )
        )
    return WardSubmission(progress=progress, previous_survey_date=previous_day, rows=rows)


def check_stored(count: HouseholdCount | None, previous: HouseholdCount | None) -> CountCheck:
    """rules.check_count of a stored count (None: no count) against the previous survey's; its note explains."""
    return rules.check_count(
        count.households if count else None,
        count.member_households if count else None,
        previous_households=previous.households if previous else None,
        previous_member_households=previous.member_households if previous else None,
        reason=count.note if count else "",
    )


def latest_round() -> SurveyRound | None:
    """The newest survey round (this year's, once the city has opened it)."""
    return SurveyRound.objects.order_by("-survey_date").first()


def ward_round_todo(*, ward: Ward) -> WardSubmission | None:
    """The ward's part of the newest round, checked (entered, missing, flagged), for its staff's start
    page; None when no round is open or the ward is not part of it. Scope is the caller's (policy)."""
    survey_round = latest_round()
    if survey_round is None:
        return None
    return ward_submission(ward=ward, survey_date=survey_round.survey_date)


def wards_awaiting_approval() -> list[WardProgress]:
    """Submissions the city has still to accept or send back, oldest round first (one query)."""
    return list(
        WardProgress.objects.filter(status=WardProgress.Status.SUBMITTED)
        .select_related("ward", "survey_round")
        .order_by("survey_round__survey_date", "changed_at", "ward__code")
    )
