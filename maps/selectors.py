"""Reads for the maps: figures per ward, district or association (through the associations
selectors), boundaries, the target dashboard's series, and the halls of the associations a user may
see on the map."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Subquery
from django.utils.translation import gettext

from chonaikai.associations import policy as association_policy
from chonaikai.associations import selectors as stats
from chonaikai.associations.models import Association, HouseholdCount
from chonaikai.associations.rules import TargetProgress
from chonaikai.associations.stats import publication
from wards.boundaries import DEFAULT_ATTRIBUTION
from wards.models import AreaBoundary, District, Ward, WardBoundary

from . import layer, metrics, progress

LEVEL = "ward"  # the default level
LEVELS = ("ward", "district", "association")


@dataclass(frozen=True)
class WardMapData:
    """The figures a map of one level draws (wards, districts or associations) on one survey date."""

    survey_date: dt.date | None
    previous_survey_date: dt.date | None
    figures: list[metrics.WardFigures]
    progress: TargetProgress | None
    level: str = LEVEL

    @property
    def digest(self) -> str:
        return metrics.figures_digest(self.figures)


MapData = WardMapData


def map_data(*, survey_date: dt.date | None, level: str = LEVEL) -> WardMapData:
    """The level's areas' figures on `survey_date` (None: no counts yet), with the gap shares.

    Wards: every ward. Districts and associations: those with an imported boundary (the areas the
    map draws; the table lists the same). Areas of fewer households than the publication threshold
    are withheld, and so is the change where the previous survey's area was that small
    (chonaikai.associations.stats.publication: the previous sizes from `previous_households`, the rule
    `suppress` applied by metrics.ward_figures; the one rule of the API and the open data).
    """
    areas = _areas(level)
    rows = []
    if survey_date:
        rows = stats.membership_stats(survey_date=survey_date, level=level)
    previous = next((r.previous_survey_date for r in rows if r.previous_survey_date), None)
    previous_households = publication.previous_households(rows, level=level)
    samples = publication.sample_keys(level=level, dates=[survey_date] if rows else [])
    progress = metrics.progress_on(rows=rows, dashboard=stats.city_dashboard()) if rows else None
    figures = metrics.ward_figures(
        wards=areas,
        rows=rows,
        progress=progress,
        min_households=publication.min_households(),
        previous_households=previous_households,
        sample_codes=frozenset(code for code, _day in samples),
    )
    return WardMapData(
        survey_date=survey_date,
        previous_survey_date=previous,
        figures=figures,
        progress=progress,
        level=level,
    )


def ward_map_data(*, survey_date: dt.date | None) -> WardMapData:
    return map_data(survey_date=survey_date, level=LEVEL)


def _areas(level: str) -> list[tuple[str, str, str]]:
    """(code, name, romaji) of the level's areas in code order; for districts and associations the
    code stands in for the romaji (the PNG's labels without a Japanese font)."""
    if level == LEVEL:
        return list(Ward.objects.order_by("code").values_list("code", "name", "romaji"))
    model = {"district": District, "association": Association}[level]
    drawn = AreaBoundary.objects.filter(level=level).values("code")
    return [
        (code, name, code)
        for code, name in model.objects.filter(code__in=Subquery(drawn))
        .order_by("code")
        .values_list("code", "name")
    ]


def has_boundaries(level: str = LEVEL) -> bool:
    if level == LEVEL:
        return WardBoundary.objects.exists()
    return AreaBoundary.objects.filter(level=level).exists()


def geometries(*, level: str = LEVEL, full: bool) -> dict[str, str]:
    """Area code → GeoJSON geometry text: the coverage-simplified one for the web, or the full one."""
    column = "geometry" if full else "simplified"
    if level == LEVEL:
        return dict(WardBoundary.objects.order_by("ward__code").values_list("ward__code", column))
    return dict(AreaBoundary.objects.filter(level=level).order_by("code").values_list("code", column))


def ward_geometries(*, full: bool) -> dict[str, str]:
    """Ward code → GeoJSON geometry text: the coverage-simplified one for the web, or the full one."""
    return geometries(level=LEVEL, full=full)


def boundary_attribution(level: str = LEVEL) -> str:
    """The boundaries' attribution: the file's, MLIT's citation for wards, else the file's name."""
    if level == LEVEL:
        value = WardBoundary.objects.exclude(attribution="").values_list("attribution", flat=True).first()
        return value or DEFAULT_ATTRIBUTION
    boundaries = AreaBoundary.objects.filter(level=level)
    value = boundaries.exclude(attribution="").values_list("attribution", flat=True).first()
    if value:
        return value
    source = boundaries.values_list("source_file", flat=True).first() or ""
    return gettext("境界: %(file)s") % {"file": source}


# ---------------------------------------------------------------------------------------------
# The target dashboard
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetPageData:
    dashboard: stats.Dashboard
    board: progress.TargetDashboard | None  # None without counts or without the plan's figures
    city_series: list[stats.MembershipRow]
    ward_series: dict[str, list[stats.MembershipRow]]  # ward code → its series, oldest first


def target_page_data() -> TargetPageData:
    """The city's and every ward's series and the plan's figures; a constant number of queries."""
    dashboard = stats.city_dashboard()
    city_series = stats.membership_series(level=stats.Level.CITY)
    ward_rows = stats.membership_series(level=stats.Level.WARD)
    wards = list(Ward.objects.order_by("code").values_list("code", "name"))
    board = None
    if dashboard.baseline is not None and dashboard.target is not None:
        board = progress.build(
            baseline=int(dashboard.baseline.value),
            baseline_year=dashboard.baseline.fiscal_year,
            target=int(dashboard.target.value),
            target_year=dashboard.target.fiscal_year,
            city_series=city_series,
            ward_series=ward_rows,
            wards=wards,
            min_households=publication.min_households(),
        )
    ward_series = {code: [] for code, _name in wards}
    # Published series leave out the surveys of too few households (publication's rule).
    for row in publication.series_as_published(ward_rows, min_households=publication.min_households()):
        ward_series.setdefault(row.code, []).append(row)
    return TargetPageData(dashboard=dashboard, board=board, city_series=city_series, ward_series=ward_series)


# ---------------------------------------------------------------------------------------------
# Ward maps across survey dates
# ---------------------------------------------------------------------------------------------


def ward_series_figures() -> dict[dt.date, list[metrics.WardFigures]]:
    """Every ward's figures on every survey date, oldest first (three grouped queries in all)."""
    wards = list(Ward.objects.order_by("code").values_list("code", "name", "romaji"))
    rows = stats.membership_series(level=LEVEL)
    dashboard = stats.city_dashboard()
    by_date: dict[dt.date, list] = {}
    for row in rows:
        by_date.setdefault(row.survey_date, []).append(row)
    result = {}
    previous_households: dict[str, int] = {}
    samples = publication.sample_keys(level=LEVEL, dates=by_date)
    for day in sorted(by_date):
        day_rows = by_date[day]
        result[day] = metrics.ward_figures(
            wards=wards,
            rows=day_rows,
            progress=metrics.progress_on(rows=day_rows, dashboard=dashboard),
            min_households=publication.min_households(),
            previous_households=previous_households,
            sample_codes=frozenset(code for code, sample_day in samples if sample_day == day),
        )
        previous_households = {r.code: r.households for r in day_rows}
    return result


# ---------------------------------------------------------------------------------------------
# The association layer: meeting halls
# ---------------------------------------------------------------------------------------------


def hall_points(
    *, user, survey_date: dt.date | None, bbox: tuple[float, float, float, float] | None = None
) -> list[layer.HallPoint]:
    """The halls (where known) of the associations the user may see on the map, with that survey's rate.

    Active associations and those counted on `survey_date`; two queries. Only public fields are
    read: code, name, federation, hall position and the counts. `bbox` (south, west, north, east):
    only the halls inside it (one viewport of a large layer, layer.viewport_entries).
    """
    scope = association_policy.associations_on_map_for(user).filter(
        hall_latitude__isnull=False, hall_longitude__isnull=False
    )
    if bbox is not None:
        south, west, north, east = bbox
        scope = scope.filter(
            hall_latitude__gte=south,
            hall_latitude__lte=north,
            hall_longitude__gte=west,
            hall_longitude__lte=east,
        )
    counts = {}
    if survey_date is not None:
        counts = {
            association_id: (households, members)
            for association_id, households, members in HouseholdCount.objects.filter(
                survey_date=survey_date, association__in=scope
            ).values_list("association_id", "households", "member_households")
        }
    # Filtered here rather than with pk__in=[…counted ids]: a list of thousands of ids costs more
    # to send and plan than the few rows of dissolved associations it would save.
    rows = [
        row
        for row in scope.order_by("code").values_list(
            "pk", "code", "name", "federation__name", "hall_latitude", "hall_longitude", "status"
        )
        if row[6] == Association.Status.ACTIVE or row[0] in counts
    ]
    points = []
    for pk, code, name, federation, lat, lon, _status in rows:
        households, members = counts.get(pk, (None, None))
        points.append(
            layer.HallPoint(
                code=code,
                name=name,
                federation=federation or "",
                lat=float(lat),
                lon=float(lon),
                households=households,
                member_households=members,
            )
        )
    return points
