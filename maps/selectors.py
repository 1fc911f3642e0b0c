"""Reads for the maps: ward figures (through the associations selectors), boundaries, the target
dashboard's series, and the halls of the associations a user may see on the map."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from chonaikai.accounts import policy
from chonaikai.associations import selectors as stats
from chonaikai.associations.models import Association, HouseholdCount
from chonaikai.associations.rules import TargetProgress
from wards.boundaries import DEFAULT_ATTRIBUTION
from wards.models import Ward, WardBoundary

from . import layer, metrics, progress

LEVEL = "ward"


@dataclass(frozen=True)
class WardMapData:
    survey_date: dt.date | None
    previous_survey_date: dt.date | None
    figures: list[metrics.WardFigures]
    progress: TargetProgress | None

    @property
    def digest(self) -> str:
        return metrics.figures_digest(self.figures)


def ward_map_data(*, survey_date: dt.date | None) -> WardMapData:
    """Every ward's figures on `survey_date` (None: no counts yet), with the gap shares."""
    wards = list(Ward.objects.order_by("code").values_list("code", "name", "romaji"))
    rows = stats.membership_stats(survey_date=survey_date, level=LEVEL) if survey_date else []
    progress = metrics.progress_on(rows=rows, dashboard=stats.city_dashboard()) if rows else None
    figures = metrics.ward_figures(
        wards=wards, rows=rows, progress=progress, min_households=settings.PUBLIC_SUPPRESSION_MIN_HOUSEHOLDS
    )
    previous = next((r.previous_survey_date for r in rows if r.previous_survey_date), None)
    return WardMapData(
        survey_date=survey_date, previous_survey_date=previous, figures=figures, progress=progress
    )


def has_boundaries() -> bool:
    return WardBoundary.objects.exists()


def ward_geometries(*, full: bool) -> dict[str, str]:
    """Ward code → GeoJSON geometry text: the coverage-simplified one for the web, or the full one."""
    column = "geometry" if full else "simplified"
    return dict(WardBoundary.objects.order_by("ward__code").values_list("ward__code", column))


def boundary_attribution() -> str:
    value = WardBoundary.objects.exclude(attribution="").values_list("attribution", flat=True).first()
    return value or DEFAULT_ATTRIBUTION


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
            min_households=settings.PUBLIC_SUPPRESSION_MIN_HOUSEHOLDS,
        )
    minimum = settings.PUBLIC_SUPPRESSION_MIN_HOUSEHOLDS
    ward_series = {code: [] for code, _name in wards}
    for row in ward_rows:
        if row.households >= minimum:  # published series leave out the surveys of too few households
            ward_series.setdefault(row.code, []).append(row)
    return TargetPageData(dashboard=dashboard, board=board, city_series=city_series, ward_series=ward_series)


# ---------------------------------------------------------------------------------------------
# Ward maps across survey dates
# ---------------------------------------------------------------------------------------------


def ward_series_figures() -> dict[dt.date, list[metrics.WardFigures]]:
    """Every ward's figures on every survey date, oldest first (two grouped queries in all)."""
    wards = list(Ward.objects.order_by("code").values_list("code", "name", "romaji"))
    rows = stats.membership_series(level=LEVEL)
    dashboard = stats.city_dashboard()
    by_date: dict[dt.date, list] = {}
    for row in rows:
        by_date.setdefault(row.survey_date, []).append(row)
    result = {}
    for day in sorted(by_date):
        day_rows = by_date[day]
        result[day] = metrics.ward_figures(
            wards=wards,
            rows=day_rows,
            progress=metrics.progress_on(rows=day_rows, dashboard=dashboard),
            min_households=settings.PUBLIC_SUPPRESSION_MIN_HOUSEHOLDS,
        )
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
    scope = policy.associations_on_map_for(user).filter(
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
