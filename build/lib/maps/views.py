"""The ward map page and its exports (standalone HTML, PNG).

Views parse the GET form, read the figures, and take the rendered map from the cache or have the
render task make it. They import no map library: a cached page costs a few queries.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext

from chonaikai.associations import selectors as stats

from . import metrics, selectors, tasks
from .cache import pending_key
from .forms import WardMapForm

# How long a queued render blocks re-queuing the same map (seconds).
PENDING_TIMEOUT = 120


def ward_map(request):
    form = WardMapForm(request.GET or None, survey_dates=stats.survey_dates())
    context = {"form": form, "metrics": metrics.METRICS.values()}
    if form.is_bound and not form.is_valid():
        return render(request, "maps/ward_map.html", context, status=400)
    survey_date, metric = _choices(form)
    data = selectors.ward_map_data(survey_date=survey_date)
    has_boundaries = selectors.has_boundaries()
    map_parts, pending = None, False
    if has_boundaries:
        map_parts, pending = _rendered("page", data=data, metric=metric)
    context.update(
        {
            "data": data,
            "metric": metrics.METRICS[metric],
            "has_boundaries": has_boundaries,
            "map": map_parts,
            "pending": pending,
            "attribution": selectors.boundary_attribution() if has_boundaries else "",
            "export_query": request.GET.urlencode(),
        }
    )
    return render(request, "maps/ward_map.html", context)


def ward_map_html(request):
    return _export(request, kind="html", content_type="text/html; charset=utf-8", suffix="html")


def ward_map_png(request):
    return _export(request, kind="png", content_type="image/png", suffix="png")


def _export(request, *, kind: str, content_type: str, suffix: str) -> HttpResponse:
    form = WardMapForm(request.GET or None, survey_dates=stats.survey_dates())
    if form.is_bound and not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _text(gettext("指定が正しくありません: %(errors)s") % {"errors": errors}, status=400)
    if not selectors.has_boundaries():
        return _text(
            gettext(
                "区の境界が取り込まれていないため、地図を作成できません（manage.py import_boundaries FILE）。"
            ),
            status=404,
        )
    survey_date, metric = _choices(form)
    data = selectors.ward_map_data(survey_date=survey_date)
    payload, pending = _rendered(kind, data=data, metric=metric)
    if pending:
        response = _text(
            gettext("地図を作成しています。しばらくしてからもう一度お試しください。"), status=202
        )
        response["Retry-After"] = "5"
        return response
    response = HttpResponse(payload, content_type=content_type)
    day = survey_date.isoformat() if survey_date else "no-data"
    response["Content-Disposition"] = f'attachment; filename="ward-map-{day}-{metric}.{suffix}"'
    return response


def _choices(form: WardMapForm):
    if form.is_bound:
        return form.cleaned_data["survey_date"], form.cleaned_data["metric"]
    return (form.survey_dates[0] if form.survey_dates else None), metrics.DEFAULT_METRIC


def _rendered(kind: str, *, data: selectors.WardMapData, metric: str):
    """(payload, pending): the cached render, else the task's (eager) or None while a worker renders it."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = tasks.cache_key(kind=kind, data=data, metric=metric, language=language)
    payload = cache.get(key)
    if payload is not None:
        return payload, False
    arguments = {
        "kind": kind,
        "survey_date": data.survey_date.isoformat() if data.survey_date else None,
        "metric": metric,
        "language": language,
        "level": selectors.LEVEL,
    }
    if settings.CELERY_TASK_ALWAYS_EAGER:
        key = tasks.render_ward_map.delay(**arguments).get()
        payload = cache.get(key)
        if payload is None:  # a cache that keeps nothing (DummyCache): use the render itself
            _key, payload = tasks.render_and_cache(
                kind=kind, survey_date=data.survey_date, metric=metric, language=language
            )
        return payload, False
    if cache.add(pending_key(key), True, PENDING_TIMEOUT):
        tasks.render_ward_map.delay(**arguments)
    return None, True


def _text(message: str, *, status: int) -> HttpResponse:
    return HttpResponse(message, content_type="text/plain; charset=utf-8", status=status)
