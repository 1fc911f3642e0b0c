"""Reads: membership statistics at every level, survey dates, plan targets.

All rate arithmetic is delegated to rules.py; this module only sums counts in the database (one
grouped query per call) and hands the sums to the rules. City, ward, district and federation
figures and the list of survey dates come from the maintained summaries (models.WardSummary,
DistrictSummary, FederationSummary, kept in step by every service that writes counts or moves an
association between areas): at 3,000,000 counts summing the counts takes 0.3–2 s, reading the
summaries a few ms. Association figures are the counts themselves.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from chonaikai.calendar import fiscal_year_of
from chonaikai.cities.current import city
from wards.models import Ward, WardTotal

from . import rules
from .models import (
    Association,
    CountsUpload,
    DistrictSummary,
    FederationSummary,
    HouseholdCount,
    Target,
    WardProgress,
    WardSummary,
)


class Level:
    CITY = "city"
    WARD = "ward"
    DISTRICT = "district"
    FEDERATION = "federation"
    ASSOCIATION = "association"
    ALL = (CITY, WARD, DISTRICT, FEDERATION, ASSOCIATION)


# For each level: the count fields that identify a group and name it. None = one group (the city).
_GROUP_FIELDS = {
    Level.CITY: None,
    Level.WARD: ("association__ward__code", "association__ward__name"),
    Level.DISTRICT: ("association__district__code", "association__district__name"),
    Level.FEDERATION: ("association__federation__code", "association__federation__name"),
    Level.ASSOCIATION: ("association__code", "association__name"),
}

# Associations that belong to no district or federation are grouped under this code.
UNASSIGNED_CODE = "-"


@dataclass(frozen=True)
class MembershipRow:
    level: str
    code: str
    name: str
    survey_date: dt.date
    households: int
    member_households: int
    associations: int
    rate: Decimal | None
    denominator: str
    previous_survey_date: dt.date | None = None
    previous_rate: Decimal | None = None
    change: Decimal | None = None
    registry_households: int | None = None
    registry_rate: Decimal | None = None

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.survey_date)

    def as_dict(self) -> dict:
        return asdict(self)


def _published_summaries():
    """Summaries of survey dates whose figures are final.

    A survey date with a round in progress is final only once every ward's counts are approved:
    until then one ward's fresh counts would pass for the city's figures. Dates loaded without a
    round (earlier years' records) are final as they stand. Staff follow a round in progress on its
    overview page, which asks for its date explicitly.
    """
    in_progress = WardProgress.objects.exclude(status=WardProgress.Status.APPROVED).values(
        "survey_round__survey_date"
    )
    return WardSummary.objects.exclude(survey_date__in=in_progress)


def survey_dates() -> list[dt.date]:
    """Every published survey date, newest first (from the summaries: a summary row exists exactly
    where counts do)."""
    return list(
        _published_summaries().order_by("-survey_date").values_list("survey_date", flat=True).distinct()
    )


def latest_survey_date() -> dt.date | None:
    """The newest published survey date: the default of the dashboard, maps, stats and exports."""
    return _published_summaries().order_by("-survey_date").values_list("survey_date", flat=True).first()


def previous_survey_date(survey_date: dt.date) -> dt.date | None:
    return (
        WardSummary.objects.filter(survey_date__lt=survey_date)
        .order_by("-survey_date")
        .values_list("survey_date", flat=True)
        .first()
    )


# For each level read from a summary: the summary and its field naming the group (None: one group).
_SUMMARY = {
    Level.CITY: (WardSummary, None),
    Level.WARD: (WardSummary, "ward"),
    Level.DISTRICT: (DistrictSummary, "district"),
    Level.FEDERATION: (FederationSummary, "federation"),
}


def _summary_sums(level: str, dates, ward: Ward | None) -> dict[tuple[str, dt.date], dict]:
    """_sums for the city, ward, district and federation levels, read from the summaries.

    Two queries: the summary rows of `dates`, served by the summary's survey_date index (or by its
    unique (ward, …) index for one ward), then the codes and names of the groups found. The rows are
    summed here, not by a GROUP BY: a group has one row per ward it has associations in — one, for
    almost every district and federation — and at the nationwide size (24,000 rows for the districts
    of two dates) PostgreSQL's GROUP BY, whose SUM of bigint is numeric, and the conversion of those
    numerics back to int took several times as long as reading the plain rows.
    """
    model, group = _SUMMARY[level]
    qs = model.objects.filter(survey_date__in=list(dates)).order_by()
    if ward is not None:
        qs = qs.filter(ward=ward)
    totals: dict[tuple[dt.date, int | None], tuple[int, int, int]] = {}
    rows = qs.values_list(
        "survey_date", f"{group or 'ward'}_id", "households", "member_households", "associations"
    )
    for day, group_id, h, m, n in rows:
        key = (day, group_id if group else None)
        total = totals.get(key)
        # Tuples, not lists: the garbage collector stops tracking tuples of ints, and scanning
        # 24,000 lists again and again cost a third of the read.
        totals[key] = (h, m, n) if total is None else (total[0] + h, total[1] + m, total[2] + n)
    if group is None:
        names = {None: (city().code, city().name)}
    else:
        areas = model._meta.get_field(group).related_model.objects.order_by()
        if ward is not None:  # a few groups; city-wide, all of them (12,000 ids as parameters took longer)
            areas = areas.filter(pk__in={group_id for _day, group_id in totals})
        names = {pk: (code, name) for pk, code, name in areas.values_list("pk", "code", "name")}
        names[None] = (UNASSIGNED_CODE, _unassigned_name(level))
    result = {}
    for (day, group_id), (h, m, n) in totals.items():
        code, name = names[group_id]
        result[(code, day)] = {"name": name, "households": h, "members": m, "n": n}
    return result


def _sums(level: str, dates, ward: Ward | None) -> dict[tuple[str, dt.date], dict]:
    """(group code, survey date) → households, members, associations and the group's name."""
    if level in _SUMMARY:
        return _summary_sums(level, dates, ward)
    return _count_sums(level, dates, ward)


def _count_sums(level: str, dates, ward: Ward | None) -> dict[tuple[str, dt.date], dict]:
    """_sums summed from the counts (any level; the reference the summaries must equal)."""
    group = _GROUP_FIELDS[level]
    qs = HouseholdCount.objects.filter(survey_date__in=list(dates))
    if ward is not None:
        qs = qs.filter(association__ward=ward)
    fields = ["survey_date", *(group or ())]
    rows = qs.values(*fields).annotate(
        households=Sum("households"), members=Sum("member_households"), n=Count("id")
    )
    result = {}
    for row in rows.order_by():
        if group is None:
            code, name = city().code, city().name
        else:
            code, name = row[group[0]], row[group[1]]
            if code is None:
                code, name = UNASSIGNED_CODE, _unassigned_name(level)
        result[(code, row["survey_date"])] = {
            "name": name,
            "households": row["households"] or 0,
            "members": row["members"] or 0,
            "n": row["n"],
        }
    return result


def _unassigned_name(level: str) -> str:
    from django.utils.translation import gettext

    from chonaikai.cities.current import labels

    if level == Level.DISTRICT:
        return gettext("（地区未設定）")
    return gettext("（%(federation)sに属さない町内会）") % {"federation": labels().federation}


def _registry(level: str, dates, ward: Ward | None) -> dict[tuple[str, dt.date], int]:
    """Registry households per (ward code or city code, date); the city only where all wards have one."""
    if level not in (Level.CITY, Level.WARD):
        return {}
    qs = WardTotal.objects.filter(survey_date__in=list(dates))
    if ward is not None:
        qs = qs.filter(ward=ward)
    per_ward = {
        (code, day): n for code, day, n in qs.values_list("ward__code", "survey_date", "registry_households")
    }
    if level == Level.WARD:
        return per_ward
    ward_count = Ward.objects.count()
    by_date = defaultdict(list)
    for (_code, day), n in per_ward.items():
        by_date[day].append(n)
    return {(city().code, day): sum(ns) for day, ns in by_date.items() if len(ns) == ward_count}


def _row(level, code, day, sums, registry, previous_day, previous_sums) -> MembershipRow:
    rate = rules.membership_rate(sums["members"], sums["households"])
    prev = previous_sums.get((code, previous_day)) if previous_day else None
    previous_rate = rules.membership_rate(prev["members"], prev["households"]) if prev else None
    registry_households = registry.get((code, day))
    return MembershipRow(
        level=level,
        code=code,
        name=sums["name"],
        survey_date=day,
        households=sums["households"],
        member_households=sums["members"],
        associations=sums["n"],
        rate=rate,
        denominator=rules.Denominator.AREA,
        previous_survey_date=previous_day if prev else None,
        previous_rate=previous_rate,
        change=rules.rate_change(rate, previous_rate),
        registry_households=registry_households,
        registry_rate=rules.membership_rate(sums["members"], registry_households),
    )


def membership_stats(*, survey_date: dt.date, level: str, ward: Ward | None = None) -> list[MembershipRow]:
    """Membership per group at `level` on `survey_date`, with the change against the previous survey."""
    if level not in Level.ALL:
        raise ValueError(f"unknown level {level!r}")
    previous_day = previous_survey_date(survey_date)
    dates = [survey_date] + ([previous_day] if previous_day else [])
    sums = _sums(level, dates, ward)
    registry = _registry(level, [survey_date], ward)
    rows = [
        _row(level, code, day, s, registry, previous_day, sums)
        for (code, day), s in sums.items()
        if day == survey_date
    ]
    return sorted(rows, key=lambda r: r.code)


def membership_series(
    *, level: str, ward: Ward | None = None, code: str | None = None
) -> list[MembershipRow]:
    """Every survey date for the groups at `level` (optionally one group), oldest first."""
    dates = sorted(survey_dates())
    sums = _sums(level, dates, ward)
    registry = _registry(level, dates, ward)
    rows = []
    previous = dict(zip(dates[1:], dates[:-1], strict=False))
    for (group_code, day), s in sums.items():
        if code is not None and group_code != code:
            continue
        rows.append(_row(level, group_code, day, s, registry, previous.get(day), sums))
    return sorted(rows, key=lambda r: (r.code, r.survey_date))


def target_value(metric: str, kind: str) -> Target | None:
    return Target.objects.filter(metric=metric, kind=kind).order_by("-fiscal_year").first()


@dataclass(frozen=True)
class Dashboard:
    city: MembershipRow | None
    baseline: Target | None
    target: Target | None
    progress: rules.TargetProgress | None


def city_dashboard() -> Dashboard:
    """The latest city figures and the distance to the member-households target."""
    latest = latest_survey_date()
    city = membership_stats(survey_date=latest, level=Level.CITY)[0] if latest else None
    baseline = target_value(Target.Metric.MEMBER_HOUSEHOLDS, Target.Kind.BASELINE)
    target = target_value(Target.Metric.MEMBER_HOUSEHOLDS, Target.Kind.TARGET)
    progress = None
    if city and baseline and target:
        progress = rules.target_progress(
            baseline=int(baseline.value), target=int(target.value), current=city.member_households
        )
    return Dashboard(city=city, baseline=baseline, target=target, progress=progress)


@dataclass(frozen=True)
class CountRow:
    """One line of an association's count history."""

    survey_date: dt.date
    households: int
    member_households: int
    rate: Decimal | None
    change: Decimal | None  # against the association's previous count

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.survey_date)


def count_history(association: Association) -> list[CountRow]:
    """An association's counts, oldest first, with its rate and the change against its previous count."""
    rows: list[CountRow] = []
    for count in association.counts.order_by("survey_date"):
        rate = rules.membership_rate(count.member_households, count.households)
        previous = rows[-1].rate if rows else None
        rows.append(
            CountRow(
                survey_date=count.survey_date,
                households=count.households,
                member_households=count.member_households,
                rate=rate,
                change=rules.rate_change(rate, previous),
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Survey rounds: the overview of a round and the entry grid of one ward
# ---------------------------------------------------------------------------------------------


def survey_rounds():
    """Every survey round, newest first."""
    from .models import SurveyRound

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
    from .models import WardProgress

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

    from .models import Association, WardProgress

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
    from .models import Association, WardProgress

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


def counts_upload_for(user, upload_id) -> CountsUpload:
    """The counts upload with this id if `user` may reach it; Http404 whatever the reason it cannot.

    Only its owner may (CountsUpload.objects.visible_to), and only while they may still import for
    its ward (for a city-wide upload: while they may import at all). The page, its progress JSON and
    the API all come through here, so a stranger's id, a malformed one, a discarded upload and one
    of a ward the owner has since lost all answer the same 404.
    """
    from django.http import Http404

    from chonaikai.accounts import policy

    try:
        key = uuid.UUID(str(upload_id))
    except ValueError:
        raise Http404 from None
    upload = CountsUpload.objects.visible_to(user).select_related("ward").filter(pk=key).first()
    if upload is None:
        raise Http404
    wards = policy.wards_editable_by(user)
    if upload.ward_id is not None:
        wards = wards.filter(pk=upload.ward_id)
    if not wards.exists():
        raise Http404
    return upload
