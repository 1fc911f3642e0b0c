"""The map page and its exports (standalone HTML, PNG), the time view and the target dashboard.

Views parse the GET form, read the figures, and take the rendered map from the cache or have the
render task make it. They import no map library: a cached page costs a few queries.

The map page draws wards, districts or associations (`level`; the latter two once their
boundaries have been imported). Its choropleth and table are the published figures, the same for
every visitor: areas of fewer than publication.min_households() households are withheld
(chonaikai.associations.stats.publication.suppress), and the two are cached together per (level, survey date, metric,
language). Signed-in users with a scope also get the association layer (halls with their rates)
unless they tick 「公表用の表示」; it is built per request for their scope
(association_policy.associations_on_map_for: ward staff see their ward's) and never cached with the shared
map. Anonymous visitors and the exports always get the public map alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from chonaikai.associations import policy as association_policy
from chonaikai.associations import selectors as stats
from chonaikai.associations.stats import publication
from chonaikai.cities import current
from chonaikai.queue import QueueUnavailable, enqueue

from . import cache as map_cache
from . import layer, metrics, selectors, svg, tasks
from .cache import pending_key
from .forms import SeriesMapForm, WardMapForm

# How long a queued render blocks re-queuing the same map (seconds).
PENDING_TIMEOUT = 120
# How long a large association layer's rate classes are kept for its viewport requests.
HALL_BANDS_TIMEOUT = 60 * 60


@dataclass(frozen=True)
class FiguresSection:
    """What every visitor's map page shares for one (level, survey date, metric, language): the
    rendered map (None without boundaries) and the figures table with the notes, as HTML.

    Cached whole (cache.render_key kind "section"), so that a cached page computes no figures and
    renders no table: at a nationwide size the 1,000-ward table alone took ~90 ms per request.
    """

    survey_date: dt.date | None
    map: dict | None
    attribution: str
    figures_html: str


def ward_map(request):
    versions, records = map_cache.page_versions()
    offered = [level for level in selectors.LEVELS if level == selectors.LEVEL or versions[level]]
    form = WardMapForm(request.GET or None, survey_dates=stats.survey_dates(), levels=offered)
    _name_levels(form)
    context = {"form": form, "metrics": metrics.METRICS.values()}
    if form.is_bound and not form.is_valid():
        return render(request, "maps/ward_map.html", context, status=400)
    survey_date, metric, level, public = _choices(form)
    public = public or not request.user.is_authenticated
    boundaries = versions[level]
    section, pending, queue_error = _section(
        level=level, survey_date=survey_date, metric=metric, boundaries=boundaries, records=records
    )
    hall_layer = None
    if section.map and not public:
        hall_layer = _hall_layer(request.user, survey_date)
    context.update(
        {
            "section": section,
            "level": level,
            "metric": metrics.METRICS[metric],
            "has_boundaries": boundaries is not None,
            "map": section.map,
            "pending": pending,
            "queue_error": queue_error,
            "attribution": section.attribution,
            "export_query": request.GET.urlencode(),
            "public": public,
            "hall_layer": hall_layer,
        }
    )
    return render(request, "maps/ward_map.html", context)


def _name_levels(form: WardMapForm) -> None:
    """The level choices named with the loaded city's words for its areas and districts."""
    words = current.labels()
    names = {"ward": words.area, "district": gettext("%(district)s地区") % {"district": words.district}}
    widget = form.fields["level"].widget
    if getattr(widget, "choices", None):
        widget.choices = [(key, names.get(key, label)) for key, label in widget.choices]


def _section(*, level: str, survey_date, metric: str, boundaries: str | None, records: str):
    """(FiguresSection, pending, queue error): from the cache, else read, rendered and cached.

    Not cached while the map is being rendered by a worker or cannot be (the queue is down): the
    page then shows the table alone, and the next request looks again.
    """
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = map_cache.render_key(
        kind="section",
        level=level,
        survey_date=survey_date,
        metric=metric,
        language=language,
        digest=records,
        boundaries=boundaries,
    )
    section = cache.get(key)
    if section is not None:
        return section, False, ""
    data = selectors.map_data(survey_date=survey_date, level=level)
    map_parts, pending, queue_error = None, False, ""
    if boundaries is not None:
        try:
            map_parts, pending = _rendered("page", data=data, metric=metric)
        except QueueUnavailable as e:  # no worker to draw it: the page keeps the table
            queue_error = e.message
    figures_html = render_to_string(
        "maps/_figures.html", {"data": data, "metric": metrics.METRICS[metric], "level": level}
    )
    section = FiguresSection(
        survey_date=data.survey_date,
        map=map_parts,
        attribution=selectors.boundary_attribution(level) if map_parts else "",
        figures_html=figures_html,
    )
    if not pending and not queue_error:
        cache.set(key, section, map_cache.SECTION_TIMEOUT)
    return section, pending, queue_error


def _hall_layer(user, survey_date) -> str | None:
    """The association layer's JSON for the user's scope, or None when they may see no hall."""
    points = selectors.hall_points(user=user, survey_date=survey_date)
    if not points:
        return None
    labels = {
        "layer": gettext("町内会（会館の位置）"),
        "legend_title": gettext("町内会の会館（色は町内会の加入率）"),
        "federation": current.labels().federation,
        "no_federation": gettext("なし"),
        "rate": gettext("加入率"),
        "open_page": gettext("町内会のページを開く"),
        "cluster": gettext("町内会 {n} 件"),
        "cluster_note": gettext(
            "円の数字はその範囲の町内会の数、色はその範囲の合計の加入率です。拡大すると個別に表示します。"
        ),
        "no_data": gettext("データなし・非公表"),
    }
    bands = layer.hall_bands(points)
    remote = ""
    if len(points) > layer.EMBED_POINTS_MAX:
        # Too many halls to send at once: the page gets the first zoom levels and fetches the rest
        # from hall_layer, which colours them with these classes (kept here so it need not read
        # every hall again).
        cache.set(_hall_bands_key(user, survey_date), bands, HALL_BANDS_TIMEOUT)
        query = urlencode({"survey_date": survey_date.isoformat() if survey_date else ""})
        remote = f"{reverse('maps:hall_layer')}?{query}"
    payload = layer.layer_payload(
        points,
        detail_url=reverse("associations:detail", args=["CODE"]),
        labels=labels,
        min_households=publication.min_households(),
        remote_url=remote,
        bands=bands,
    )
    return layer.to_json_text(payload)


def _hall_bands_key(user, survey_date) -> str:
    try:
        sql = str(association_policy.associations_on_map_for(user).query)  # the scope, whoever's it is
    except EmptyResultSet:  # no scope at all
        sql = "none"
    scope = hashlib.sha256(sql.encode()).hexdigest()[:16]
    return f"maps:hall-bands:{scope}:{survey_date}:{map_cache.data_version()}"


@require_GET
def hall_layer(request):
    """One viewport of a large association layer (see layer.EMBED_POINTS_MAX) as JSON.

    GET survey_date (ISO or empty), zoom, bbox=south,west,north,east. The same scope as the page's
    layer (association_policy.associations_on_map_for: nothing for anonymous visitors); clusters up to
    layer.CLUSTER_MAX_ZOOM, then every hall, in the encoding of the page's levels.
    """
    try:
        zoom = int(request.GET["zoom"])
        south, west, north, east = (float(v) for v in request.GET["bbox"].split(","))
        text = request.GET.get("survey_date", "")
        survey_date = dt.date.fromisoformat(text) if text else None
    except (KeyError, ValueError):
        return JsonResponse(
            {"message": gettext("zoom と bbox（南,西,北,東）を指定してください。")}, status=400
        )
    if not (0 <= zoom <= 22 and -90 <= south < north <= 90 and -180 <= west < east <= 180):
        return JsonResponse(
            {"message": gettext("zoom と bbox（南,西,北,東）を指定してください。")}, status=400
        )
    if zoom <= layer.CLUSTER_MAX_ZOOM:
        south, west, north, east = layer.cell_bounds(south, west, north, east, zoom=zoom)
    points = selectors.hall_points(
        user=request.user, survey_date=survey_date, bbox=(south, west, north, east)
    )
    bands = cache.get(_hall_bands_key(request.user, survey_date))
    if bands is None:
        bands = layer.hall_bands(selectors.hall_points(user=request.user, survey_date=survey_date))
        cache.set(_hall_bands_key(request.user, survey_date), bands, HALL_BANDS_TIMEOUT)
    entries = layer.viewport_entries(
        points, zoom=zoom, bands=bands, min_households=publication.min_households()
    )
    return HttpResponse(
        layer.to_json_text({"zoom": zoom, "entries": entries}), content_type="application/json"
    )


def ward_map_series(request):
    """Small multiples: one ward map per survey date, with the same class breaks on every one."""
    form = SeriesMapForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "maps/ward_map_series.html", {"form": form}, status=400)
    metric = form.cleaned_data["metric"] if form.is_bound else metrics.DEFAULT_METRIC
    series = metrics.series_maps(selectors.ward_series_figures(), metric)
    outlines = (
        svg.ward_outlines(selectors.ward_geometries(full=False)) if selectors.has_boundaries() else None
    )
    # Every small map names its wards at the same points (the names are the same on every date).
    ward_labels = [
        (cell.name, *outlines.label_points[cell.code])
        for cell in (series.maps[0] if outlines and series.maps else [])
        if cell.code in outlines.label_points
    ]
    return render(
        request,
        "maps/ward_map_series.html",
        {
            "form": form,
            "metric": metrics.METRICS[metric],
            "metric_key": metric,
            "series": series,
            "outlines": outlines,
            "ward_labels": ward_labels,
            "attribution": selectors.boundary_attribution() if outlines else "",
        },
    )


def ward_map_series_csv(request):
    """The time view's figures as CSV (UTF-8 with BOM): one row per survey date and ward."""
    from chonaikai.downloads import code_text, csv_response

    form = SeriesMapForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _text(gettext("指定が正しくありません: %(errors)s") % {"errors": errors}, status=400)
    metric = form.cleaned_data["metric"] if form.is_bound else metrics.DEFAULT_METRIC
    area = current.labels().area
    header = [
        gettext("調査基準日"),
        gettext("%(area)sコード") % {"area": area},
        gettext("%(area)sコード（文字列）") % {"area": area},
        area,
        str(metrics.METRICS[metric].label),
        gettext("単位"),
        gettext("非公表"),
        gettext("サンプル"),
    ]
    rows = [
        [day, code, code_text(code), *rest]
        for day, code, *rest in metrics.series_table(selectors.ward_series_figures(), metric)
    ]
    return csv_response(header, rows, filename=f"ward-series-{metric}.csv")


def target(request):
    """Progress toward the plan's member-household target: pace, projections, wards' parts, charts."""
    data = selectors.target_page_data()
    return render(
        request,
        "maps/target.html",
        {
            "data": data,
            "board": data.board,
            "city_series": data.city_series,
            "ward_series": [
                (w, data.ward_series.get(w.code, [])) for w in (data.board.wards if data.board else [])
            ],
        },
    )


def ward_map_html(request):
    return _export(request, kind="html", content_type="text/html; charset=utf-8", suffix="html")


def ward_map_png(request):
    return _export(request, kind="png", content_type="image/png", suffix="png")


def _export(request, *, kind: str, content_type: str, suffix: str) -> HttpResponse:
    form = WardMapForm(request.GET or None, survey_dates=stats.survey_dates(), levels=selectors.LEVELS)
    if form.is_bound and not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _text(gettext("指定が正しくありません: %(errors)s") % {"errors": errors}, status=400)
    survey_date, metric, level, _public = _choices(form)  # exports are always public
    if not selectors.has_boundaries(level):
        return _text(
            gettext(
                "%(area)sの境界が取り込まれていないため、地図を作成できません（manage.py import_boundaries FILE）。"
            )
            % {"area": current.labels().area}
            if level == selectors.LEVEL
            else gettext(
                "この単位の境界が取り込まれていないため、地図を作成できません"
                "（manage.py import_boundaries FILE --level %(level)s）。"
            )
            % {"level": level},
            status=404,
        )
    data = selectors.map_data(survey_date=survey_date, level=level)
    try:
        payload, pending = _rendered(kind, data=data, metric=metric)
    except QueueUnavailable as e:
        response = _text(e.message, status=503)
        response["Retry-After"] = "60"
        return response
    if pending:
        response = _text(
            gettext("地図を作成しています。しばらくしてからもう一度お試しください。"), status=202
        )
        response["Retry-After"] = "5"
        return response
    response = HttpResponse(payload, content_type=content_type)
    day = survey_date.isoformat() if survey_date else "no-data"
    response["Content-Disposition"] = f'attachment; filename="{level}-map-{day}-{metric}.{suffix}"'
    return response


def _choices(form: WardMapForm):
    """(survey date, metric, level, public) from the form, or the defaults when nothing was sent."""
    if form.is_bound:
        data = form.cleaned_data
        return data["survey_date"], data["metric"], data["level"], data["public"]
    default_day = form.survey_dates[0] if form.survey_dates else None
    return default_day, metrics.DEFAULT_METRIC, selectors.LEVEL, False


def _rendered(kind: str, *, data: selectors.WardMapData, metric: str):
    """(payload, pending): the cached render, else the task's (eager) or None while a worker renders it.

    QueueUnavailable when a worker should render it but the queue is down.
    """
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = tasks.cache_key(kind=kind, data=data, metric=metric, language=language)
    payload = cache.get(key)
    if payload is not None:
        return payload, False
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # What the task does, on the figures already read (the task would read them again).
        _key, payload = tasks.render_and_cache(
            kind=kind, survey_date=data.survey_date, metric=metric, language=language, data=data
        )
        return payload, False
    arguments = {
        "kind": kind,
        "survey_date": data.survey_date.isoformat() if data.survey_date else None,
        "metric": metric,
        "language": language,
        "level": data.level,
    }
    if cache.add(pending_key(key), True, PENDING_TIMEOUT):
        try:
            enqueue(tasks.render_ward_map, **arguments)
        except QueueUnavailable:
            cache.delete(pending_key(key))  # nothing is rendering it: the next request tries again
            raise
    return None, True


def _text(message: str, *, status: int) -> HttpResponse:
    return HttpResponse(message, content_type="text/plain; charset=utf-8", status=status)
