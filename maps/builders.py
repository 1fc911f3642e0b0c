"""Map builders: the choropleth of wards, districts or associations as a folium (Leaflet) map, a
standalone HTML file, and a PNG.

Imports folium, shapely and (for the PNG) geopandas and matplotlib at module level: only the
render task imports this module, never a page that draws no map.

Nothing is fetched from the internet. folium's Map links Leaflet, jQuery, Bootstrap and Font
Awesome from CDNs; OfflineMap links nothing, and the page loads Leaflet from this site's static
files (django-leaflet's copy) while the standalone file carries it inline. Tiles are drawn only
when settings.MAP_TILES_URL names a tile server; otherwise the wards sit on a plain background
with their names on them.
"""

from __future__ import annotations

import functools
import html
import io
import json
import logging
import re
import subprocess
from dataclasses import dataclass

import folium
import shapely
from branca.element import MacroElement
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext
from folium.template import Template

from wards.projection import utm_crs

from . import metrics

logger = logging.getLogger(__name__)

PAGE_MAP_HEIGHT = "600px"
EXPORT_MAP_HEIGHT = "80vh"
LEAFLET_JS = "leaflet/leaflet.js"  # django-leaflet's static copy of Leaflet 1.9.3
LEAFLET_CSS = "leaflet/leaflet.css"
MAP_CSS = "maps/ward_map.css"
# Above this many areas the map draws no labels on them: they would cover each other.
LABELS_MAX = 120


@dataclass(frozen=True)
class MapInput:
    """Everything a builder draws: no database access happens in this module."""

    metric: metrics.Metric
    figures: list[metrics.WardFigures]
    classes: metrics.Classes
    geometries: dict[str, str]  # ward code → GeoJSON geometry text (EPSG:4326)
    title: str
    date_text: str
    attribution: str
    tiles_url: str = ""
    tiles_attribution: str = ""


class OfflineMap(folium.Map):
    """A folium Map that links no CDN and sets no page-wide CSS, for embedding in our own pages.

    folium.Map's header also styles `html, body` and `#map` for a page of its own; here only the
    map's own box is styled.
    """

    default_js = ()
    default_css = ()

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
                #{{ this.get_name() }} {
                    position: relative;
                    width: {{ this.width[0] }}{{ this.width[1] }};
                    height: {{ this.height[0] }}{{ this.height[1] }};
                }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map ward-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
        {% endmacro %}
        """
    )


class LegendAndLabels(MacroElement):
    """The Japanese legend box (a Leaflet control) and the ward-name labels, in one small script.

    Labels are non-interactive div markers created with their icon, so that no marker image is
    ever requested and the ward tooltips stay reachable underneath them. The areas' shapes take
    the keyboard focus (Leaflet makes them interactive for the tooltips): each gets its feature's
    `label` as its accessible name, and the map's box (focusable for keyboard panning) its title.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function () {
                var map = {{ this._parent.get_name() }};
                var legend = L.control({position: "bottomright"});
                legend.onAdd = function () {
                    var div = L.DomUtil.create("div", "ward-map-legend");
                    div.innerHTML = {{ this.legend_html|tojson }};
                    return div;
                };
                legend.addTo(map);
                map.getContainer().setAttribute("role", "region");
                map.getContainer().setAttribute("aria-label", {{ this.map_label|tojson }});
                {{ this.areas }}.eachLayer(function (layer) {
                    var shape = layer.getElement();
                    if (shape) {
                        shape.setAttribute("role", "img");
                        shape.setAttribute("aria-label", layer.feature.properties.label);
                    }
                });
                {{ this.labels|tojson }}.forEach(function (label) {
                    L.marker([label[0], label[1]], {
                        icon: L.divIcon({className: "ward-label", html: label[2], iconSize: [110, 36], iconAnchor: [55, 18]}),
                        interactive: false,
                        keyboard: false
                    }).addTo(map);
                });
            })();
        {% endmacro %}
        """
    )

    def __init__(
        self, *, legend_html: str, labels: list[tuple[float, float, str]], areas: str, map_label: str
    ):
        super().__init__()
        self._name = "LegendAndLabels"
        self.legend_html = legend_html
        self.labels = labels
        self.areas = areas  # the GeoJson layer's JavaScript name
        self.map_label = map_label


def build_map(data: MapInput, *, height: str = PAGE_MAP_HEIGHT) -> dict:
    """The folium map rendered in three parts for our templates: head (styles), body (div), script."""
    features = _features(data)
    bounds = _bounds(data.geometries.values())
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    fmap = OfflineMap(location=centre, zoom_start=10, tiles=None, height=height, zoom_snap=0.25)
    if data.tiles_url:
        folium.TileLayer(tiles=data.tiles_url, attr=data.tiles_attribution or " ", name="tiles").add_to(fmap)

    colours = data.classes.colours
    areas = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="wards",
        style_function=lambda f: {
            "fillColor": colours.get(f["properties"]["code"], metrics.NO_DATA_COLOUR),
            "fillOpacity": 0.85,
            "color": metrics.OUTLINE_COLOUR,
            "weight": 1,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["tooltip"], labels=False, sticky=True, class_name="ward-tooltip"
        ),
    ).add_to(fmap)

    labels = []
    by_code = {f.code: f for f in data.figures}
    for code, text in data.geometries.items() if _labelled(data) else ():
        if code in by_code:
            figures = by_code[code]
            lon, lat = _label_point(shapely.from_geojson(text), tolerance=0.0005)
            value = metrics.format_value(figures.value(data.metric.key), data.metric)
            labels.append(
                (
                    round(lat, 5),
                    round(lon, 5),
                    f"<span>{html.escape(figures.name)}</span><span>{html.escape(value)}</span>",
                )
            )
    fmap.add_child(
        LegendAndLabels(
            legend_html=_legend_html(data),
            labels=labels,
            areas=areas.get_name(),
            map_label=f"{data.title} {data.date_text}",
        )
    )
    fmap.fit_bounds(bounds)

    figure = fmap.get_root()
    for child in figure._children.values():
        child.render()
    figure.header._children.pop("meta_http", None)  # our pages declare their own charset
    return {"head": figure.header.render(), "body": figure.html.render(), "script": figure.script.render()}


def caption(figures, attribution: str, *, ascii_only: bool = False) -> str:
    """The attribution under a drawn map, after a note when any area's figures are synthetic."""
    if not any(f.sample for f in figures):
        return attribution
    if ascii_only:
        return f"Includes synthetic sample data (not real figures). {attribution}"  # i18n: data
    note = gettext("サンプルデータ（架空の数値）を含みます。")
    return f"{note}{attribution}"


def build_standalone_html(data: MapInput, *, context: dict) -> str:
    """One HTML file that works offline: Leaflet's JS and CSS and our map CSS inline."""
    parts = build_map(data, height=EXPORT_MAP_HEIGHT)
    return render_to_string(
        "maps/ward_map_export.html",
        {
            **context,
            "map": parts,
            "title": data.title,
            "attribution": caption(data.figures, data.attribution),
            "leaflet_css": _static_text(LEAFLET_CSS),
            "map_css": _static_text(MAP_CSS),
            "leaflet_js": _static_text(LEAFLET_JS),
        },
    )


def build_png(data: MapInput, *, dpi: int = 150) -> bytes:
    """The choropleth as a PNG drawn with geopandas and matplotlib (Agg, no display needed)."""
    import geopandas
    import matplotlib

    matplotlib.use("Agg")  # geopandas imports pyplot: never pick a GUI backend on a server
    from matplotlib import patheffects
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    font = japanese_font()
    codes = [c for c in data.geometries if c in {f.code for f in data.figures}]
    by_code = {f.code: f for f in data.figures}
    gdf = geopandas.GeoDataFrame(
        {"code": codes},
        geometry=[shapely.from_geojson(data.geometries[c]) for c in codes],
        crs=4326,
    )
    # Metres, so that the wards keep their shapes (degrees of longitude are short at 43° N).
    gdf = gdf.to_crs(utm_crs(gdf.total_bounds))

    fig = Figure(figsize=(8.5, 8.5), layout="constrained")
    ax = fig.add_subplot()
    gdf.plot(
        ax=ax,
        color=[data.classes.colours.get(c, metrics.NO_DATA_COLOUR) for c in codes],
        edgecolor=metrics.OUTLINE_COLOUR,
        linewidth=0.6,
    )
    # Names are data: "$…$" in an association's name is text, not matplotlib's mathtext (which
    # would fail on it and 500 the export for everyone), so no text of the figure parses math.
    text_kw = {"fontproperties": font, "parse_math": False} if font else {"parse_math": False}
    # A white halo keeps dark text readable on the darkest fill as on the lightest.
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for code, geometry in zip(codes, gdf.geometry.values, strict=True) if _labelled(data) else ():
        figures = by_code[code]
        name = figures.name if font else figures.romaji
        # Without a Japanese font, units other than % (世帯, ポイント) are left to the legend title.
        unit = bool(font) or data.metric.key == "rate"
        value = metrics.format_value(figures.value(data.metric.key), data.metric, unit=unit)
        x, y = _label_point(geometry, tolerance=50)
        ax.annotate(
            f"{name}\n{value}", (x, y), ha="center", va="center", fontsize=7.5, path_effects=halo, **text_kw
        )
    ax.set_axis_off()

    if font:
        title = f"{data.title}\n{data.date_text}"
        legend_labels = [e.label for e in data.classes.legend]
        attribution = caption(data.figures, data.attribution)
    else:
        # No Japanese font: English text rather than boxes where the characters would be.
        title = f"{data.metric.label_en}\n{data.date_text.split('（')[-1].rstrip('）')}"  # i18n: data
        legend_labels = [_ascii_label(e.label) for e in data.classes.legend]
        attribution = caption(data.figures, _ascii_attribution(data.attribution), ascii_only=True)
    ax.set_title(title, fontsize=12, **text_kw)
    handles = [
        Patch(facecolor=e.colour, edgecolor=metrics.OUTLINE_COLOUR, label=label)
        for e, label in zip(data.classes.legend, legend_labels, strict=True)
    ]
    legend = ax.legend(
        handles=handles,
        loc="lower right",
        fontsize=8,
        frameon=True,
        title=legend_title(data, ascii_only=not font),
        title_fontsize=8,
        alignment="left",
    )
    for text in [*legend.get_texts(), legend.get_title()]:
        text.set_parse_math(False)
        if font:
            text.set_fontproperties(font)
    # A figure-level label, so that the constrained layout keeps it clear of the map and legend.
    fig.supxlabel(_wrap(attribution, 110), x=0.01, ha="left", fontsize=6.5, **text_kw)

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def legend_title(data: MapInput, *, ascii_only: bool = False) -> str:
    """The PNG legend's title: what is shown, in which unit, on which survey date, divided by what.

    A map saved as an image travels without the page around it, so the legend says it all.
    """
    denominator = metrics.DENOMINATORS.get(data.metric.key)
    if ascii_only:
        day = data.date_text.split("（")[-1].rstrip("）")  # i18n: data (the ISO date in the label)
        unit = {"rate": "%", "change": "percentage points"}.get(data.metric.key, "households")
        lines = [
            data.metric.label_en,
            f"Unit: {unit}",
            f"Survey date: {day}",
            "Denominator: households in the associations' areas"
            if denominator
            else "Denominator: none (counts)",
        ]
        return "\n".join(lines)
    return "\n".join(
        [
            str(data.metric.label),
            gettext("単位: %(unit)s") % {"unit": data.metric.unit},
            gettext("調査基準日: %(day)s") % {"day": data.date_text},
            gettext("分母: %(denominator)s") % {"denominator": denominator or gettext("なし（世帯数）")},
        ]
    )


@functools.cache
def japanese_font():
    """FontProperties of an installed Japanese font (fc-list :lang=ja), or None if there is none."""
    from matplotlib import font_manager

    try:
        listed = subprocess.run(
            ["fc-list", ":lang=ja", "file"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listed = ""
    paths = sorted({line.split(":")[0].strip() for line in listed.splitlines() if line.strip()})

    def preference(path: str):  # a regular Gothic (sans-serif) face first
        name = path.lower()
        return ("serif" in name or "mincho" in name or "mono" in name, "bold" in name, name)

    paths.sort(key=preference)
    for path in paths:
        try:
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path)
        except (OSError, RuntimeError, ValueError):
            continue
    logger.info("No Japanese font found (fc-list :lang=ja): the PNG map uses English labels.")
    return None


def _labelled(data: MapInput) -> bool:
    """Whether the areas get name-and-value labels: wards and districts, not thousands of associations
    (their tooltips and the table carry the same figures)."""
    return len(data.geometries) <= LABELS_MAX


def _features(data: MapInput) -> list[dict]:
    by_code = {f.code: f for f in data.figures}
    features = []
    for code, text in data.geometries.items():
        figures = by_code.get(code)
        if figures is None:  # a boundary whose ward is gone
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": code,
                    "name": figures.name,
                    "tooltip": _tooltip(figures, data),
                    "label": _area_label(figures, data),
                },
                "geometry": json.loads(text),
            }
        )
    return features


def _area_label(figures: metrics.WardFigures, data: MapInput) -> str:
    """The area's accessible name (plain text): its name, the metric and its value or why there is none."""
    if figures.suppressed:
        return f"{figures.name} {gettext('世帯数が少ないため非公表')}"
    value = figures.value(data.metric.key)
    if value is None:
        return f"{figures.name} {gettext('この調査基準日のデータはありません')}"
    return f"{figures.name} {data.metric.label} {metrics.format_value(value, data.metric)}"


def _tooltip(figures: metrics.WardFigures, data: MapInput) -> str:
    """HTML (escaped here: Leaflet inserts it as is) with the area's name, figures and survey date."""
    spec = metrics.METRICS

    def line(label: str, value, metric: str) -> str:
        return html.escape(f"{label} {metrics.format_value(value, spec[metric])}")

    lines = [f"<strong>{html.escape(figures.name)}</strong>"]
    if figures.sample:
        lines.append(html.escape(gettext("サンプルデータ（架空の数値）")))
    if figures.suppressed:
        lines.append(html.escape(gettext("世帯数が少ないため非公表")))
    elif not figures.has_data:
        lines.append(html.escape(gettext("この調査基準日のデータはありません")))
    else:
        lines += [
            line(gettext("加入率"), figures.rate, "rate"),
            line(gettext("加入世帯数"), figures.member_households, "members")
            + gettext(" ／ ")
            + line(gettext("区域内世帯数"), figures.households, "members"),
            line(gettext("前回比"), figures.change, "change"),
        ]
        if figures.gap_share is not None:
            lines.append(line(gettext("目標までの不足分の割当"), figures.gap_share, "gap"))
    lines.append(html.escape(f"{gettext('調査基準日')} {data.date_text}"))
    return "<br>".join(lines)


def _legend_html(data: MapInput) -> str:
    e = html.escape
    items = "".join(
        f'<li><span class="ward-map-legend__swatch" style="background:{e(entry.colour)}"></span>{e(entry.label)}</li>'
        for entry in data.classes.legend
    )
    return (
        f'<p class="ward-map-legend__title">{e(str(data.metric.label))}</p>'
        f'<p class="ward-map-legend__date">{e(data.date_text)}</p><ul>{items}</ul>'
    )


def _bounds(texts) -> list[list[float]]:
    geoms = [shapely.from_geojson(t) for t in texts]
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def _label_point(geometry, *, tolerance: float) -> tuple[float, float]:
    """(x, y) well inside the ward's largest part (its pole of inaccessibility), for its label."""
    from shapely.ops import polylabel

    largest = max(shapely.get_parts(geometry), key=lambda part: part.area)
    point = polylabel(largest, tolerance=tolerance)
    return float(point.x), float(point.y)


def _wrap(text: str, width: int) -> str:
    """Hard line breaks every `width` characters (Japanese has no spaces to wrap at)."""
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def _static_text(path: str) -> str:
    """A static file's text, made safe to put inside <script> or <style>."""
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(
            f"static file {path} not found (django-leaflet's copy is added to STATICFILES_DIRS in settings)"
        )
    with open(found, encoding="utf-8") as fh:
        text = fh.read()
    # Only "</script" or "</style" would end the element early (Leaflet has neither today).
    return re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.IGNORECASE)


def _ascii_attribution(text: str) -> str:
    """The attribution without Japanese characters: MLIT's citation in English, else the ASCII parts
    (a district file's URL or file name) of its own."""
    if "国土数値情報" in text:  # i18n: data
        return "Source: MLIT National Land Numerical Information (Administrative Areas), processed"
    return " ".join("".join(c if c.isascii() else " " for c in text).split())


def _ascii_label(label: str) -> str:
    replacements = {  # i18n: data (the Japanese legend's words, for a PNG drawn without a Japanese font)
        " 以上 ": " to ",
        " 超 ": " to ",
        "未満": "",
        "以下": "",
        "変化なし（±0）": "No change",
        "データなし・非公表": "No data",
        "−": "-",
        "世帯": "",
        "ポイント": "",
    }
    for ja, en in replacements.items():
        label = label.replace(ja, en)
    return label.strip()
