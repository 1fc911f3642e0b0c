"""Server-side SVG line charts: no JavaScript, no network, readable without colour.

    {% load charts %}
    {% line_chart rows "rate" title=_("加入率の推移") y_label=_("加入率（%）") %}

`rows` are objects or dicts with a `survey_date` and the value named by the second argument
(a rate from rules.py, or a count). The chart is a picture of a table, never a replacement:
every page that draws one shows the same numbers in a table beside it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from .japanese import jdate, rate

register = template.Library()

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 92, 28, 48, 84
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MAX_X_LABELS = 8

PRIMARY = "#0017C1"
TEXT = "#1A1A1C"
GRID = "#D8D8DB"
AXIS = "#626264"

RATE, COUNT = "rate", "count"


@dataclass(frozen=True)
class Point:
    label: str  # the survey date as shown in the table
    value: float | None
    text: str  # the value as shown in the table


def nice_ticks(low: float, high: float, count: int = 5) -> tuple[list[float], float]:
    """Round tick values covering [low, high], and the step between them (1, 2, 2.5 or 5 × 10ⁿ)."""
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.05 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start, end = math.floor(low / step) * step, math.ceil(high / step) * step
    return [start + i * step for i in range(round((end - start) / step) + 1)], step


def _tick_text(value: float, step: float, value_format: str) -> str:
    if value_format == COUNT:
        return intcomma(round(value))
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if round(step * 10**decimals) % 10 == 5 and step < 1:  # 2.5, 0.25 …: one more decimal
        decimals += 1
    return f"{value:.{decimals}f}%"


def _x_label_lines(label: str) -> list[str]:
    """令和7年1月1日 → ["令和7年", "1月1日"]; Jan. 1, 2025 → ["Jan. 1", "2025"]."""
    if "年" in label:  # i18n: data (a Japanese date)
        head, tail = label.split("年", 1)  # i18n: data
        return [f"{head}年", tail]  # i18n: data
    if ", " in label:
        return label.rsplit(", ", 1)
    return [label]


def svg_y_grid(ticks, y_of, tick_text, *, left: float, width: float) -> SafeString:
    """The horizontal grid lines, each with its value to the left of the y axis."""
    return format_html_join(
        "",
        '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="{3}" stroke-width="1"/>'
        '<text x="{4}" y="{2}" dy="0.35em" text-anchor="end" font-size="15" fill="{5}">{6}</text>',
        ((left, left + width, y_of(t), GRID, left - 10, TEXT, tick_text(t)) for t in ticks),
    )


def svg_x_labels(labels, *, y: float, font_size: int) -> SafeString:
    """Labels under the x axis: (x, [line, …]) each, its lines stacked as <tspan>s."""
    return format_html_join(
        "",
        '<text x="{0}" y="{1}" text-anchor="middle" font-size="{2}" fill="{3}">{4}</text>',
        (
            (
                x,
                y,
                font_size,
                TEXT,
                format_html_join(
                    "",
                    '<tspan x="{0}" dy="{1}">{2}</tspan>',
                    ((x, "0" if n == 0 else "1.2em", line) for n, line in enumerate(lines)),
                ),
            )
            for x, lines in labels
        ),
    )


def svg_dots(dots) -> SafeString:
    """A circle at each (x, y), with its label and value as the tooltip."""
    return format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="5" fill="#FFFFFF" stroke="{}" stroke-width="3">'
        "<title>{}: {}</title></circle>",
        ((x, y, PRIMARY, label, text) for x, y, label, text in dots),
    )


def svg_chart(
    grid: SafeString,
    body: SafeString,
    *,
    chart_id: str,
    width: int,
    height: int,
    title: str,
    description: str,
    axes: tuple[float, float, float, float],
    region_class: str = "chart",
    region_id: str | None = None,
) -> SafeString:
    """The accessible frame every chart shares: a focusable region (a phone scrolls a wide chart
    sideways, the keyboard too), an `<svg role="img">` named by its title and described by its
    description, the y grid, the two axes (left, right, top, base), then `body`."""
    left, right, top, base = axes
    return format_html(
        '<div class="{cls}"{region_id} role="region" aria-labelledby="{id}-title" tabindex="0">'
        '<svg class="chart__svg" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title" '
        'aria-describedby="{id}-desc" font-family="inherit">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{grid}"
        '<line x1="{left}" x2="{left}" y1="{top}" y2="{base}" stroke="{axis}" stroke-width="1.5"/>'
        '<line x1="{left}" x2="{right}" y1="{base}" y2="{base}" stroke="{axis}" stroke-width="1.5"/>'
        "{body}</svg></div>",
        cls=region_class,
        region_id=format_html(' id="{}"', region_id) if region_id else "",
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=description,
        left=left,
        right=right,
        top=top,
        base=base,
        axis=AXIS,
        grid=grid,
        body=body,
    )


def render_line_chart(
    points: Sequence[Point], *, title: str, x_label: str, y_label: str, value_format: str = RATE
) -> SafeString:
    """An accessible `<svg role="img">`: title, description, grid, axis labels, a line and points."""
    values = [p.value for p in points if p.value is not None]
    if not values:
        return format_html('<p class="chart-empty">{}</p>', gettext("グラフにできるデータがありません。"))

    ticks, step = nice_ticks(min(values), max(values))
    bottom, top = ticks[0], ticks[-1]
    chart_id = "chart-" + hashlib.md5(f"{title}|{y_label}".encode(), usedforsecurity=False).hexdigest()[:8]

    def x_of(i: int) -> str:
        x = LEFT + PLOT_W / 2 if len(points) == 1 else LEFT + PLOT_W * i / (len(points) - 1)
        return f"{x:.1f}"

    def y_of(v: float) -> str:
        return f"{TOP + PLOT_H * (top - v) / (top - bottom):.1f}"

    grid = svg_y_grid(ticks, y_of, lambda t: _tick_text(t, step, value_format), left=LEFT, width=PLOT_W)

    every = math.ceil(len(points) / MAX_X_LABELS)
    shown = [i for i in range(len(points)) if i % every == 0 or i == len(points) - 1]
    if len(shown) > 1 and shown[-1] - shown[-2] < every:  # keep the last label clear of its neighbour
        del shown[-2]
    x_labels = svg_x_labels(
        ((x_of(i), _x_label_lines(points[i].label)) for i in shown), y=TOP + PLOT_H + 22, font_size=14
    )

    # One polyline per unbroken run of values: a missing survey leaves a gap, not a false line.
    runs: list[list[tuple[str, str]]] = [[]]
    for i, p in enumerate(points):
        if p.value is None:
            runs.append([])
        else:
            runs[-1].append((x_of(i), y_of(p.value)))
    lines = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="3" stroke-linejoin="round"/>',
        ((" ".join(f"{x},{y}" for x, y in run), PRIMARY) for run in runs if len(run) > 1),
    )
    dots = svg_dots(
        (x_of(i), y_of(p.value), p.label, p.text) for i, p in enumerate(points) if p.value is not None
    )
    description = gettext("、").join(f"{p.label} {p.text}" for p in points)
    body = format_html(
        "{x_labels}"
        '<text x="{mid_x}" y="{x_title_y}" text-anchor="middle" font-size="15" fill="{text}">{x_label}</text>'
        # The y-axis title sits horizontally above the axis: rotated Japanese is hard to read.
        '<text x="{y_title_x}" y="{y_title_y}" text-anchor="start" font-size="15" fill="{text}">{y_label}</text>'
        "{lines}{dots}",
        x_labels=x_labels,
        mid_x=f"{LEFT + PLOT_W / 2:.1f}",
        x_title_y=HEIGHT - 10,
        text=TEXT,
        x_label=x_label,
        y_title_x=8,
        y_title_y=TOP - 22,
        y_label=y_label,
        lines=lines,
        dots=dots,
    )
    return svg_chart(
        grid,
        body,
        chart_id=chart_id,
        width=WIDTH,
        height=HEIGHT,
        title=title,
        description=description,
        axes=(LEFT, LEFT + PLOT_W, TOP, TOP + PLOT_H),
    )


def _value(row, name: str):
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def points_from_rows(rows: Iterable, value_name: str, value_format: str) -> list[Point]:
    points = []
    for row in rows:
        value = _value(row, value_name)
        text = rate(value) if value_format == RATE else ("—" if value is None else intcomma(value))
        points.append(Point(jdate(_value(row, "survey_date")), None if value is None else float(value), text))
    return points


@register.simple_tag
def line_chart(
    rows, value_name: str, *, title: str, y_label: str, x_label: str | None = None, value_format: str = RATE
):
    """`{% line_chart series "member_households" title=… y_label=… value_format="count" %}`."""
    if value_format not in (RATE, COUNT):
        raise template.TemplateSyntaxError(f"line_chart: value_format must be {RATE!r} or {COUNT!r}")
    return render_line_chart(
        points_from_rows(rows, value_name, value_format),
        title=str(title),
        x_label=str(x_label) if x_label else gettext("調査基準日"),
        y_label=str(y_label),
        value_format=value_format,
    )
