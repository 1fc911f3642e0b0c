"""Render ward maps in Celery and keep them in the Django cache.

The task is thin: it takes plain values (dates as ISO text, never model instances), reads the
figures and boundaries, calls a builder and caches the result under maps.cache.render_key. Without
a broker (the default) it runs eagerly in the web process; with one, a worker renders the map and
the page shows the table until it is ready. folium, geopandas and matplotlib are imported only
inside the render, so importing this module costs nothing.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from . import metrics, selectors
from .cache import TIMEOUT, pending_key, render_key


@shared_task(name="maps.render_ward_map", soft_time_limit=120, time_limit=180)
def render_ward_map(
    *, kind: str, survey_date: str | None, metric: str, language: str, level: str = selectors.LEVEL
) -> str:
    """Render one ward map ("page", "html" or "png") into the cache; returns its cache key."""
    day = dt.date.fromisoformat(survey_date) if survey_date else None
    key, _payload = render_and_cache(
        kind=kind, survey_date=day, metric=metric, language=language, level=level
    )
    return key


def render_and_cache(
    *, kind: str, survey_date: dt.date | None, metric: str, language: str, level: str = selectors.LEVEL
):
    """(cache key, payload): page parts (dict), standalone HTML (str) or PNG (bytes)."""
    if level != selectors.LEVEL:
        raise ValueError(f"maps of level {level!r} are not supported yet (only {selectors.LEVEL!r})")
    with translation.override(language):
        data = selectors.ward_map_data(survey_date=survey_date)
        key = cache_key(kind=kind, data=data, metric=metric, language=language)
        payload = render(kind=kind, data=data, metric=metric, language=language)
    cache.set(key, payload, TIMEOUT)
    cache.delete(pending_key(key))
    return key, payload


def cache_key(*, kind: str, data: selectors.WardMapData, metric: str, language: str) -> str:
    return render_key(
        kind=kind,
        level=selectors.LEVEL,
        survey_date=data.survey_date,
        metric=metric,
        language=language,
        digest=data.digest,
    )


def render(*, kind: str, data: selectors.WardMapData, metric: str, language: str):
    from . import builders

    spec = metrics.METRICS[metric]
    # The page draws the coverage-simplified wards (< 100 KB); the exports keep the full geometry.
    geometries = selectors.ward_geometries(full=kind != "page")
    if not geometries:
        raise ValueError("no ward boundaries: run manage.py import_boundaries first")
    date_text = metrics.date_label(data.survey_date, language) if data.survey_date else "—"
    map_input = builders.MapInput(
        metric=spec,
        figures=data.figures,
        classes=metrics.classify(data.figures, metric),
        geometries=geometries,
        title=f"{settings.CITY_NAME} 区別の{spec.label}",
        date_text=date_text,
        attribution=selectors.boundary_attribution(),
        tiles_url=settings.MAP_TILES_URL,
        tiles_attribution=settings.MAP_TILES_ATTRIBUTION,
    )
    if kind == "page":
        return builders.build_map(map_input)
    if kind == "html":
        return builders.build_standalone_html(
            map_input, context={"data": data, "metric": spec, "date_text": date_text, "language": language}
        )
    if kind == "png":
        return builders.build_png(map_input)
    raise ValueError(f"unknown map kind {kind!r}")
