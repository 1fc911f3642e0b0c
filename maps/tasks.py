"""Render the maps (of wards, districts or associations) in Celery and keep them in the Django cache.

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
from django.utils.translation import gettext_lazy as _

from chonaikai.cities.texts import words

from . import metrics, selectors
from .cache import TIMEOUT, pending_key, render_key


@shared_task(name="maps.render_ward_map", soft_time_limit=120, time_limit=180)
def render_ward_map(
    *, kind: str, survey_date: str | None, metric: str, language: str, level: str = selectors.LEVEL
) -> str:
    """Render one map ("page", "html" or "png") of one level into the cache; returns its cache key."""
    day = dt.date.fromisoformat(survey_date) if survey_date else None
    key, _payload = render_and_cache(
        kind=kind, survey_date=day, metric=metric, language=language, level=level
    )
    return key


def render_and_cache(
    *,
    kind: str,
    survey_date: dt.date | None,
    metric: str,
    language: str,
    level: str = selectors.LEVEL,
    data: selectors.WardMapData | None = None,
):
    """(cache key, payload): page parts (dict), standalone HTML (str) or PNG (bytes).

    `data`: the figures when the caller (a page rendering eagerly) has just read them.
    """
    if data is not None:
        level = data.level
    if level not in selectors.LEVELS:
        raise ValueError(f"unknown map level {level!r}")
    with translation.override(language):
        if data is None:
            data = selectors.map_data(survey_date=survey_date, level=level)
        key = cache_key(kind=kind, data=data, metric=metric, language=language)
        payload = render(kind=kind, data=data, metric=metric, language=language)
    cache.set(key, payload, TIMEOUT)
    cache.delete(pending_key(key))
    return key, payload


def cache_key(*, kind: str, data: selectors.WardMapData, metric: str, language: str) -> str:
    return render_key(
        kind=kind,
        level=data.level,
        survey_date=data.survey_date,
        metric=metric,
        language=language,
        digest=data.digest,
    )


# The exports' and the PNG's title per level (the city's name, then the metric's label).
TITLES = {
    "ward": _("%(city)s %(area)s別の%(metric)s"),
    "district": _("%(city)s %(district)s地区別の%(metric)s"),
    "association": _("%(city)s 町内会別の%(metric)s"),
}


def render(*, kind: str, data: selectors.WardMapData, metric: str, language: str):
    from . import builders

    spec = metrics.METRICS[metric]
    # The page draws the coverage-simplified areas (< 100 KB for wards); the exports keep the full geometry.
    geometries = selectors.geometries(level=data.level, full=kind != "page")
    if not geometries:
        raise ValueError(f"no {data.level} boundaries: run manage.py import_boundaries first")
    date_text = metrics.date_label(data.survey_date, language) if data.survey_date else "—"
    map_input = builders.MapInput(
        metric=spec,
        figures=data.figures,
        classes=metrics.classify(data.figures, metric),
        geometries=geometries,
        title=str(TITLES[data.level]) % {**words(), "metric": spec.label},
        date_text=date_text,
        attribution=selectors.boundary_attribution(data.level),
        tiles_url=settings.MAP_TILES_URL,
        tiles_attribution=settings.MAP_TILES_ATTRIBUTION,
    )
    if kind == "page":
        return builders.build_map(map_input)
    if kind == "html":
        return builders.build_standalone_html(
            map_input,
            context={
                "data": data,
                "metric": spec,
                "level": data.level,
                "date_text": date_text,
                "language": language,
            },
        )
    if kind == "png":
        return builders.build_png(map_input)
    raise ValueError(f"unknown map kind {kind!r}")
