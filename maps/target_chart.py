"""The target page's city chart: member households so far, the plan's target and both projections.

An inline SVG like chonaikai.associations.templatetags.charts (whose tick and colour helpers it
reuses), but with fiscal years along the x axis from the first survey to the target year, so that
the history, the target line and the two projections (chonaikai.plan.rules' linear_projection and
compound_growth_projection, read at every year up to the target) share one axis. The y axis spans
every value drawn, the target included; it does not start at 0 (that would flatten a change of a
few percent into a line), and the chart says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from chonaikai.associations.templatetags.charts import (
    AXIS,
    PRIMARY,
    TEXT,
    nice_ticks,
    svg_chart,
    svg_dots,
    svg_x_labels,
    svg_y_grid,
)
from chonaikai.associations.templatetags.japanese import fylabel
from chonaikai.calendar import fiscal_year_of
from chonaikai.plan import rules as plan_rules

from .progress import TargetDashboard

WIDTH, HEIGHT = 760, 400
LEFT, RIGHT, TOP, BOTTOM = 92, 24, 64, 132
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

TARGET = "#B3261E"  # dark red, dashed
# The two projections often nearly coincide: the linear one is a wide pale band, the compound one a
# thin dotted line on top of it, so that both stay visible (and tell apart without colour).
LINEAR_COLOUR = "#F0A35E"  # pale orange, wide
COMPOUND_COLOUR = "#5D3A9B"  # purple, dotted


@dataclass(frozen=True)
class Series:
    key: str
    colour: str
    dash: str
    width: int
    label: str
    points: list[tuple[int, int]]  # (fiscal year, value)


def projection_path(
    board: TargetDashboard, projection: plan_rules.Projection | None
) -> list[tuple[int, int]]:
    """The projection read at every fiscal year from the latest survey's to the target year."""
    if projection is None:
        return []
    method = (
        plan_rules.linear_projection
        if projection.method == plan_rules.LINEAR
        else plan_rules.compound_growth_projection
    )
    return [
        (year, method(projection.basis, year=year).value)
        for year in range(board.fiscal_year, board.target_year + 1)
    ]


def _fy_lines(year: int) -> list[str]:
    """令和10年度 → ["令和10", "年度"]; FY2028 stays on one line."""
    label = fylabel(year)
    if label.endswith("年度"):  # i18n: data (the Japanese fiscal-year label)
        return [label[: -len("年度")], "年度"]  # i18n: data
    return [label]


def render(board: TargetDashboard, city_series) -> SafeString:
    """`<div class="chart target-chart">` with an accessible `<svg role="img">`."""
    history = [
        (fiscal_year_of(r.survey_date), r.member_households)
        for r in city_series
        if r.member_households is not None
    ]
    if not history:
        return format_html('<p class="chart-empty">{}</p>', gettext("グラフにできるデータがありません。"))
    target = board.progress.target
    target_text = gettext("目標 %(n)s世帯（%(fy)s）") % {
        "n": intcomma(target),
        "fy": fylabel(board.target_year),
    }
    projections = []
    for key, colour, dash, width, projection, label in (
        (plan_rules.LINEAR, LINEAR_COLOUR, "", 8, board.linear, gettext("直線の推計（%(fy)s %(n)s世帯）")),
        (
            plan_rules.COMPOUND,
            COMPOUND_COLOUR,
            "1 6",
            3,
            board.compound,
            gettext("一定の伸び率の推計（%(fy)s %(n)s世帯）"),
        ),
    ):
        path = projection_path(board, projection)
        if path:
            text = label % {"fy": fylabel(board.target_year), "n": intcomma(path[-1][1])}
            projections.append(Series(key, colour, dash, width, text, path))

    first_year = min(year for year, _v in history)
    last_year = max(board.target_year, *(year for year, _v in history))
    values = [v for _y, v in history] + [target] + [v for s in projections for _y, v in s.points]
    ticks, _step = nice_ticks(min(values), max(values))
    bottom, top = ticks[0], ticks[-1]

    def x_of(year: int) -> float:
        span = last_year - first_year
        return LEFT + PLOT_W / 2 if span == 0 else LEFT + PLOT_W * (year - first_year) / span

    def y_of(value: float) -> float:
        return TOP + PLOT_H * (top - value) / (top - bottom)

    def xy(points) -> str:
        return " ".join(f"{x_of(year):.1f},{y_of(value):.1f}" for year, value in points)

    grid = svg_y_grid(
        ticks, lambda t: f"{y_of(t):.1f}", lambda t: intcomma(round(t)), left=LEFT, width=PLOT_W
    )
    x_labels = svg_x_labels(
        ((f"{x_of(year):.1f}", _fy_lines(year)) for year in range(first_year, last_year + 1)),
        y=TOP + PLOT_H + 20,
        font_size=13,
    )
    target_y = y_of(target)
    target_line = format_html(
        '<line data-series="target" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" '
        'stroke="{c}" stroke-width="2" stroke-dasharray="8 5"/>'
        '<text x="{x2}" y="{ty}" text-anchor="end" font-size="14" font-weight="700" fill="{c}" '
        'stroke="#FFFFFF" stroke-width="4" paint-order="stroke">{text}</text>',
        x1=LEFT,
        x2=LEFT + PLOT_W,
        y=f"{target_y:.1f}",
        ty=f"{target_y - 8:.1f}",
        c=TARGET,
        text=target_text,
    )
    projection_lines = format_html_join(
        "",
        '<polyline data-series="{}" points="{}" fill="none" stroke="{}" stroke-width="{}" '
        'stroke-dasharray="{}" stroke-linecap="round"><title>{}</title></polyline>',
        ((s.key, xy(s.points), s.colour, s.width, s.dash or "none", s.label) for s in projections),
    )
    history_line = format_html(
        '<polyline data-series="history" points="{}" fill="none" stroke="{}" stroke-width="3" '
        'stroke-linejoin="round"/>',
        xy(history),
        PRIMARY,
    )
    dots = svg_dots(
        (f"{x_of(year):.1f}", f"{y_of(value):.1f}", fylabel(year), intcomma(value)) for year, value in history
    )

    history_label = gettext("加入世帯数（各年1月1日の調査）")
    legend_items = [(PRIMARY, "", 3, history_label), (TARGET, "8 5", 2, target_text)] + [
        (s.colour, s.dash, s.width, s.label) for s in projections
    ]
    legend = format_html_join(
        "",
        '<g transform="translate({x},{y})"><line x1="0" x2="36" y1="0" y2="0" stroke="{c}" stroke-width="{sw}" '
        'stroke-dasharray="{d}" stroke-linecap="round"/><text x="44" y="0" dy="0.35em" font-size="14" fill="{t}">{label}</text></g>',
        (
            {
                "x": 16 + (i % 2) * 360,
                "y": TOP + PLOT_H + 70 + (i // 2) * 24,
                "c": colour,
                "d": dash or "none",
                "sw": width,
                "t": TEXT,
                "label": label,
            }
            for i, (colour, dash, width, label) in enumerate(legend_items)
        ),
    )
    axis_note = gettext("縦軸は 0 から始まっていません（%(n)s世帯から）。") % {"n": intcomma(round(bottom))}
    title = gettext("加入世帯数の推移と目標・推計（市全体）")
    description = " / ".join(
        [
            gettext("、").join(f"{fylabel(year)} {intcomma(value)}" for year, value in history),
            target_text,
            *(s.label for s in projections),
            axis_note,
        ]
    )
    body = format_html(
        # The axis break: two short slanted strokes at the foot of the y axis.
        '<path d="M{bx1} {by1}l12 -6M{bx1} {by2}l12 -6" stroke="{axis}" stroke-width="1.5"/>'
        "{x_labels}"
        '<text x="8" y="{y_title_y}" font-size="15" fill="{text}">{y_label}</text>'
        '<text x="{right}" y="{y_title_y}" text-anchor="end" font-size="13" fill="{text}">{axis_note}</text>'
        "{target_line}{projection_lines}{history_line}{dots}{legend}",
        axis=AXIS,
        bx1=LEFT - 6,
        by1=f"{TOP + PLOT_H - 8:.1f}",
        by2=f"{TOP + PLOT_H - 14:.1f}",
        x_labels=x_labels,
        y_title_y=TOP - 30,
        y_label=gettext("加入世帯数"),
        right=LEFT + PLOT_W,
        text=TEXT,
        axis_note=axis_note,
        target_line=target_line,
        projection_lines=projection_lines,
        history_line=history_line,
        dots=dots,
        legend=legend,
    )
    return svg_chart(
        grid,
        body,
        chart_id="target-chart",
        width=WIDTH,
        height=HEIGHT,
        title=title,
        description=description,
        axes=(LEFT, LEFT + PLOT_W, TOP, TOP + PLOT_H),
        region_class="chart target-chart",
        region_id="target-chart",
    )
