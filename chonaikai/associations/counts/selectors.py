"""Reads of a survey round: the rounds, a round's overview, a ward's entry grid, and what a ward
is about to submit, or has (submitting and approving a ward's counts).

The ward's staff see it before they submit (the submission summary), the city before it approves
or sends back (the approval view): entered N of M associations, the associations with no count,
every count the plausibility rule (rules.check_count) flags with its note, and the ward's figures
against the previous survey over the associations counted in both (a partial total is shown apart). Both pages read this one selector, so both say the same.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from chonaikai.cities.current import city
from wards.models import Ward

from .. import rules
from ..models import Association, HouseholdCount, SurveyRound, WardProgress
from ..rules import CountCheck, Figure
from ..selectors import UNASSIGNED_CODE, Level, MembershipRow, membership_stats, previous_survey_date


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


# ---------------------------------------------------------------------------------------------
# Survey rounds: the overview of a round and the entry grid of one ward
# ---------------------------------------------------------------------------------------------


def survey_rounds():
    """Every survey round, newest first."""
    from ..models import SurveyRound

    return SurveyRound.objects.select_related("opened_by").order_by("-survey_date")


@dataclass(frozen=True)
class ProgressEvent:
    """One recorded transition of a ward's progress, for people to read."""

    at: dt.datetime
    actor_name: str  # "" for the system
    before: str  # status labels (未着手, 入力中 …)
    after: str
    comment: str


def _status_label(value: str | None) -> str:
    from ..models import WardProgress

    return WardProgress.Status(value).label if value in WardProgress.Status.values else ""


@dataclass(frozen=True)
class WardRoundRow:
    """One ward's line on a round's overview."""

    progress: object  # WardProgress, with ward and changed_by
    active: int  # active associations of the ward
    missing: list  # active associations without a count for the survey date, by code
    stats: MembershipRow | None  # from membership_stats; None while the ward has no counts
    events: list[ProgressEvent]  # oldest first

    @property
    def ward(self) -> Ward:
        return self.progress.ward

    @property
    def counted(self) -> int:
        return self.active - len(self.missing)


@dataclass(frozen=True)
class RoundOverview:
    survey_round: object
    rows: list[WardRoundRow]
    total: MembershipRow | None  # the city's figures; only for someone who sees every ward

    @property
    def active(self) -> int:
        return sum(r.active for r in self.rows)

    @property
    def counted(self) -> int:
        return sum(r.counted for r in self.rows)

    @property
    def missing(self) -> int:
        return sum(len(r.missing) for r in self.rows)


def round_overview(*, survey_round, user) -> RoundOverview:
    """The wards of `survey_round` the user may work on (policy.wards_editable_by), with progress.

    Counted/missing are about the wards' *active* associations; households, members and rates come
    from membership_stats (every count held for the survey date). Seven queries whatever the number
    of wards and associations.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Exists, OuterRef

    from chonaikai.accounts import policy
    from chonaikai.audit.models import AuditEvent

    from ..models import Association, WardProgress

    wards = policy.wards_editable_by(user)
    progress = list(
        WardProgress.objects.filter(survey_round=survey_round, ward__in=wards)
        .select_related("ward", "changed_by")
        .order_by("ward__code")
    )
    ward_ids = [p.ward_id for p in progress]
    has_count = HouseholdCount.objects.filter(
        association=OuterRef("pk"), survey_date=survey_round.survey_date
    )
    active = defaultdict(int)
    missing = defaultdict(list)
    for association in (
        Association.objects.active()
        .filter(ward_id__in=ward_ids)
        .annotate(has_count=Exists(has_count))
        .only("id", "code", "name", "ward_id", "is_sample")
        .order_by("code")
    ):
        active[association.ward_id] += 1
        if not association.has_count:
            missing[association.ward_id].append(association)
    sees_city = policy.is_city_admin(user)
    one_ward = progress[0].ward if len(progress) == 1 else None
    stats = {}
    if progress:
        rows = membership_stats(survey_date=survey_round.survey_date, level=Level.WARD, ward=one_ward)
        stats = {row.code: row for row in rows}
    events = defaultdict(list)
    if progress:
        for event in AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(WardProgress),
            subject_id__in=[str(p.pk) for p in progress],
        ).order_by("at", "id"):
            events[event.subject_id].append(
                ProgressEvent(
                    at=event.at,
                    actor_name=event.actor_name,
                    before=_status_label((event.before or {}).get("status")),
                    after=_status_label((event.after or {}).get("status")),
                    comment=event.comment,
                )
            )
    total = None
    if sees_city:
        city = membership_stats(survey_date=survey_round.survey_date, level=Level.CITY)
        total = city[0] if city else None
    return RoundOverview(
        survey_round=survey_round,
        rows=[
            WardRoundRow(
                progress=p,
                active=active[p.ward_id],
                missing=missing[p.ward_id],
                stats=stats.get(p.ward.code),
                events=events[str(p.pk)],
            )
            for p in progress
        ],
        total=total,
    )


@dataclass(frozen=True)
class EntryGridRow:
    association: object  # Association
    current: HouseholdCount | None  # the count held for the round's survey date
    previous: HouseholdCount | None  # the count of the previous survey date


@dataclass(frozen=True)
class EntryGrid:
    progress: object  # WardProgress, with ward and survey_round
    previous_survey_date: dt.date | None
    rows: list[EntryGridRow]

    @property
    def ward(self) -> Ward:
        return self.progress.ward

    @property
    def survey_date(self) -> dt.date:
        return self.progress.survey_round.survey_date


@dataclass(frozen=True)
class EntryGroup:
    """One district or federation of an area's entry grid, shown as one page when the area is large."""

    level: str  # Level.DISTRICT or Level.FEDERATION
    code: str  # the district's or federation's code; UNASSIGNED_CODE for associations of none
    name: str  # "" for the unassigned group (the page names it)
    active: int  # active associations in the group
    counted: int  # of which have a count for the survey date

    @property
    def unassigned(self) -> bool:
        return self.code == UNASSIGNED_CODE

    def lookup(self, prefix: str = "") -> dict:
        """The filter that selects the group's associations (`prefix`: the path to Association)."""
        if self.unassigned:
            return {f"{prefix}{self.level}__isnull": True}
        return {f"{prefix}{self.level}__code": self.code}


def count_entry_groups(*, ward: Ward, survey_date: dt.date) -> list[EntryGroup]:
    """The ward's active associations per district (a city with districts) or else per federation,
    each with how many have a count for `survey_date`: the pages of a large area's entry grid.

    By code, the associations of no district/federation last. One query.
    """
    from django.db.models import Exists, OuterRef, Q

    level = Level.DISTRICT if city().has_districts else Level.FEDERATION
    has_count = HouseholdCount.objects.filter(association=OuterRef("pk"), survey_date=survey_date)
    rows = (
        Association.objects.active()
        .in_ward(ward)
        .values(f"{level}__code", f"{level}__name")
        .annotate(active=Count("id"), counted=Count("id", filter=Q(Exists(has_count))))
        .order_by()
    )
    groups = [
        EntryGroup(
            level=level,
            code=row[f"{level}__code"] or UNASSIGNED_CODE,
            name=row[f"{level}__name"] or "",
            active=row["active"],
            counted=row["counted"],
        )
        for row in rows
    ]
    return sorted(groups, key=lambda g: (g.unassigned, g.code))


def count_entry_grid(
    *, ward: Ward, survey_date: dt.date, group: EntryGroup | None = None
) -> EntryGrid | None:
    """The ward's active associations with this round's and the previous survey's counts; only
    those of `group` when given (count_entry_groups).

    None when no round is open for `survey_date`. Four queries whatever the number of associations.
    Scope is the caller's business (policy.get_ward_for_edit).
    """
    from ..models import Association, WardProgress

    progress = (
        WardProgress.objects.filter(ward=ward, survey_round__survey_date=survey_date)
        .select_related("ward", "survey_round", "changed_by")
        .first()
    )
    if progress is None:
        return None
    associations = list(
        Association.objects.active()
        .in_ward(ward)
        .filter(**(group.lookup() if group else {}))
        .select_related("federation")  # the grid's federation filter
        .only("id", "code", "name", "kana", "ward_id", "is_sample", "federation", "federation__name")
        .order_by("code")
    )
    previous_day = previous_survey_date(survey_date)
    dates = [survey_date] + ([previous_day] if previous_day else [])
    counts = {
        (c.association_id, c.survey_date): c
        for c in HouseholdCount.objects.filter(association__ward=ward, survey_date__in=dates)
        .filter(**(group.lookup("association__") if group else {}))
        .select_related("entered_by")
        .order_by()
    }
    return EntryGrid(
        progress=progress,
        previous_survey_date=previous_day,
        rows=[
            EntryGridRow(
                association=a,
                current=counts.get((a.pk, survey_date)),
                previous=counts.get((a.pk, previous_day)) if previous_day else None,
            )
            for a in associations
        ],
    )
