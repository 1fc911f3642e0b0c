"""Reads: membership statistics at every level, survey dates, plan targets (the rounds' and the
entry grid's reads are in counts/selectors.py, an upload's in imports/selectors.py).

All rate arithmetic is delegated to rules.py; this module only sums counts in the database (one
grouped query per call) and hands the sums to the rules. City, ward, district and federation
figures and the list of survey dates come from the maintained summaries (models.WardSummary,
DistrictSummary, FederationSummary, kept in step by every service that writes counts or moves an
association between areas): at 3,000,000 counts summing the counts takes 0.3–2 s, reading the
summaries a few ms. Association figures are the counts themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal
from operator import attrgetter

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.functions import Cast
from django.utils.translation import get_language

from chonaikai.calendar import fiscal_year_of
from chonaikai.cities.current import city
from wards.models import Ward, WardTotal

from . import rules
from .models import (
    Association,
    DistrictSummary,
    FederationSummary,
    HouseholdCount,
    Target,
    WardProgress,
    WardSummary,
)
from .stats.kept import KeptRows


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


@dataclass(frozen=True, init=False)
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

    def __init__(
        self,
        level: str,
        code: str,
        name: str,
        survey_date: dt.date,
        households: int,
        member_households: int,
        associations: int,
        rate: Decimal | None,
        denominator: str,
        previous_survey_date: dt.date | None = None,
        previous_rate: Decimal | None = None,
        change: Decimal | None = None,
        registry_households: int | None = None,
        registry_rate: Decimal | None = None,
    ):
        # The __init__ dataclass writes for a frozen class sets each field through
        # object.__setattr__: ~9 µs a row, 100 ms for the 12,000 districts of a nationwide city.
        # One update of the instance's dict sets the same fields in ~1 µs; the row stays frozen.
        # The parameters are the fields in order (tests/associations/test_selectors.py checks it).
        vars(self).update(
            level=level,
            code=code,
            name=name,
            survey_date=survey_date,
            households=households,
            member_households=member_households,
            associations=associations,
            rate=rate,
            denominator=denominator,
            previous_survey_date=previous_survey_date,
            previous_rate=previous_rate,
            change=change,
            registry_households=registry_households,
            registry_rate=registry_rate,
        )

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
    prev = previous_sums.get((code, previous_day)) if previous_day else None
    return _make_row(
        level,
        code,
        sums["name"],
        day,
        sums["households"],
        sums["members"],
        sums["n"],
        registry.get((code, day)),
        previous_day if prev else None,
        (prev["households"], prev["members"]) if prev else None,
    )


def _make_row(
    level, code, name, day, households, members, associations, registry_households, previous_day, previous
) -> MembershipRow:
    """A group's row: its sums on `day`, and `previous` = (households, members) on previous_day or None."""
    rate = rules.membership_rate(members, households)
    previous_rate = rules.membership_rate(previous[1], previous[0]) if previous else None
    return MembershipRow(
        level,
        code,
        name,
        day,
        households,
        members,
        associations,
        rate,
        rules.Denominator.AREA,
        previous_day,
        previous_rate,
        rules.rate_change(rate, previous_rate),
        registry_households,
        None if registry_households is None else rules.membership_rate(members, registry_households),
    )


# Levels whose membership_stats come from _area_stats: one query, one row per group.
_AREA_LEVELS = (Level.DISTRICT, Level.FEDERATION)
# Their city-wide rows, kept by this process while the summaries and the areas' names hold.
_kept_area_rows = KeptRows()


def _area_figures(level: str, survey_date: dt.date, previous_day: dt.date | None, ward: Ward | None):
    """Per district or federation with summary rows on `survey_date`: (code, name, households,
    members, associations, previous households, previous members), the previous figures None where
    the group has no row on `previous_day`; the associations of no area under UNASSIGNED_CODE.

    Two queries: the sums (_area_sums), then the groups' codes and names (_area_names).
    """
    sums = _area_sums(level, survey_date, previous_day, ward)
    # One ward's: a few groups; city-wide, all of them (12,000 ids as parameters took longer).
    names = _area_names(level, None if ward is None else [row[0] for row in sums])
    return _with_names(sums, names)


def _area_sums(level: str, survey_date: dt.date, previous_day: dt.date | None, ward: Ward | None):
    """(area id, households, members, associations[, previous households, previous members]) per area
    with summary rows on `survey_date` or `previous_day` (None where it has none on that date).

    The summary rows of both dates summed per group by the database, current and previous side by
    side (a group has one row per ward it has associations in). At the nationwide size (12,000
    districts) reading the 24,000 rows and summing them here, with a dict per group and date
    (_summary_sums), took twice as long.
    """
    model, group = _SUMMARY[level]
    qs = model.objects.filter(survey_date__in=[survey_date] + ([previous_day] if previous_day else []))
    if ward is not None:
        qs = qs.filter(ward=ward)

    def total(field, day):
        # Each row's figure as integer: PostgreSQL sums integers into a bigint, in a plain counter,
        # where a SUM of bigint keeps a numeric state per group and returns numeric (Decimals here):
        # a third of the query's time at 12,000 groups. A ward's households in one area fit an
        # integer (2,147,483,647) many times over; the sums are bigint.
        return Sum(Cast(field, IntegerField()), filter=Q(survey_date=day))

    figures = {
        "h": total("households", survey_date),
        "m": total("member_households", survey_date),
        "n": total("associations", survey_date),
    }
    if previous_day:
        figures.update(
            previous_h=total("households", previous_day), previous_m=total("member_households", previous_day)
        )
    # Grouped by the area's id alone (PostgreSQL hashes integers; grouped by the joined code and name
    # it sorted 24,000 rows by text); the names come from _area_names.
    return _fetchall(qs.values_list(f"{group}_id").annotate(**figures).order_by())


def _area_names(level: str, ids: list | None) -> dict:
    """{area id: (code, name)} of these areas (None: every area of the level), and the associations of
    no area under None."""
    model, group = _SUMMARY[level]
    areas = model._meta.get_field(group).related_model.objects.order_by()
    if ids is not None:
        areas = areas.filter(pk__in=[pk for pk in ids if pk is not None])
    names = {pk: (code, name) for pk, code, name in _fetchall(areas.values_list("pk", "code", "name"))}
    names[None] = (UNASSIGNED_CODE, _unassigned_name(level))
    return names


def _with_names(sums, names: dict) -> list[tuple]:
    return [
        (*names[pk], households, members, n, *(before or (None, None)))
        for pk, households, members, n, *before in sums
        if households is not None  # None: a group of the previous date only
    ]


def _summary_revisions(dates) -> frozenset:
    """The (ward, date, revision) of every ward summary of these dates: what kept rows are checked
    against (stats.kept)."""
    return frozenset(
        _fetchall(
            WardSummary.objects.filter(survey_date__in=dates)
            .values_list("ward_id", "survey_date", "revision")
            .order_by()
        )
    )


def _fetchall(queryset) -> list[tuple]:
    """The rows of a values_list queryset of plain columns and integer sums, as the driver returns
    them: the ORM's per-value converters (int() of every sum) and its 100-row chunks cost more than
    the query for 12,000 rows. Only for columns the driver already gives as Python ints and str."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a filter no row can pass (pk__in=[]): the ORM would not ask either
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _area_stats(level: str, survey_date: dt.date, previous_day: dt.date | None, ward: Ward | None):
    """membership_stats for the district and federation levels (no registry figures there); the
    city-wide rows kept by the process while the summaries and the areas' names hold (stats.kept)."""
    if ward is not None:
        return _area_rows(
            level, survey_date, previous_day, _area_figures(level, survey_date, previous_day, ward)
        )
    # The revisions first, the sums after them (see stats.kept).
    revisions = _summary_revisions([survey_date] + ([previous_day] if previous_day else []))
    names = _area_names(level, None)
    key = (level, survey_date, previous_day, get_language())
    rows = _kept_area_rows.get(key, revisions=revisions, names=names)
    if rows is None:
        sums = _area_sums(level, survey_date, previous_day, None)
        rows = _area_rows(level, survey_date, previous_day, _with_names(sums, names))
        _kept_area_rows.put(key, rows, revisions=revisions, names=names)
    return rows


def _area_rows(level, survey_date, previous_day, figures) -> list[MembershipRow]:
    rows = [
        _make_row(
            level,
            code,
            name,
            survey_date,
            households,
            members,
            n,
            None,
            previous_day if previous_households is not None else None,
            (previous_households, previous_members) if previous_households is not None else None,
        )
        for code, name, households, members, n, previous_households, previous_members in figures
    ]
    rows.sort(key=attrgetter("code"))
    return rows


def _stats_from_sums(level, survey_date, previous_day, ward, sums) -> list[MembershipRow]:
    """membership_stats from _sums-shaped sums of `survey_date` and `previous_day`."""
    registry = _registry(level, [survey_date], ward)
    rows = [
        _row(level, code, day, s, registry, previous_day, sums)
        for (code, day), s in sums.items()
        if day == survey_date
    ]
    rows.sort(key=attrgetter("code"))
    return rows


def membership_stats(*, survey_date: dt.date, level: str, ward: Ward | None = None) -> list[MembershipRow]:
    """Membership per group at `level` on `survey_date`, with the change against the previous survey."""
    if level not in Level.ALL:
        raise ValueError(f"unknown level {level!r}")
    previous_day = previous_survey_date(survey_date)
    if level in _AREA_LEVELS:
        return _area_stats(level, survey_date, previous_day, ward)
    dates = [survey_date] + ([previous_day] if previous_day else [])
    return _stats_from_sums(level, survey_date, previous_day, ward, _sums(level, dates, ward))


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
