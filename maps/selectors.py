"""Reads for the ward map: figures per ward (through the associations selectors) and boundaries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from chonaikai.associations import selectors as stats
from chonaikai.associations.rules import TargetProgress
from wards.boundaries import DEFAULT_ATTRIBUTION
from wards.models import Ward, WardBoundary

from . import metrics

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
