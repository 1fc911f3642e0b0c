"""Display filters and the SVG chart: no database."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from chonaikai.associations.templatetags import charts, japanese


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2025, 1, 1), "令和7年1月1日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1965, 4, 1), "昭和40年4月1日"),
        (None, "—"),
    ],
)
def test_jdate_shows_the_era(value, expected):
    with translation.override("ja"):
        assert japanese.jdate(value) == expected


def test_jdate_falls_back_to_the_western_date_before_showa():
    with translation.override("ja"):
        assert "1920" in japanese.jdate(dt.date(1920, 1, 1))


def test_jdate_and_fylabel_use_the_western_calendar_on_english_pages():
    with translation.override("en"):
        assert "2025" in japanese.jdate(dt.date(2025, 1, 1))
        assert "令和" not in japanese.jdate(dt.date(2025, 1, 1))
        assert "2024" in japanese.fylabel(2024)


JST = dt.timezone(dt.timedelta(hours=9))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2026, 10, 22, 20, 17, tzinfo=dt.UTC), "令和8年10月23日 5:17"),  # the site's time (Tokyo)
        (dt.datetime(2026, 10, 23, 14, 5, tzinfo=JST), "令和8年10月23日 14:05"),
        (None, "—"),
    ],
)
def test_jdatetime_shows_the_era_and_the_time_in_the_sites_time_zone(value, expected):
    with translation.override("ja"):
        assert japanese.jdatetime(value) == expected


def test_jdatetime_uses_the_western_calendar_on_english_pages():
    with translation.override("en"):
        shown = japanese.jdatetime(dt.datetime(2026, 10, 23, 14, 5, tzinfo=JST))
    assert "2026" in shown and "令和" not in shown


@pytest.mark.parametrize(
    ("value", "expected"), [(2024, "令和6年度"), (2019, "令和元年度"), (2018, "平成30年度"), (None, "—")]
)
def test_fylabel(value, expected):
    with translation.override("ja"):
        assert japanese.fylabel(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("69.4"), "69.40%"), (Decimal("100.00"), "100.00%"), (Decimal("0"), "0.00%"), (None, "—")],
)
def test_rate(value, expected):
    assert japanese.rate(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.12"), "+0.12ポイント"),
        (Decimal("-1.05"), "-1.05ポイント"),
        (Decimal("0"), "0.00ポイント"),
        (None, "—"),
    ],
)
def test_points(value, expected):
    with translation.override("ja"):
        assert japanese.points(value) == expected


def test_fiscal_year_filter_uses_the_april_start():
    assert japanese.fiscal_year(dt.date(2025, 1, 1)) == 2024
    assert japanese.fiscal_year(dt.date(2025, 4, 1)) == 2025


@pytest.mark.parametrize(
    ("low", "high"), [(68.2, 71.9), (0.0, 100.0), (685497, 723778), (50.0, 50.0), (0.3, 0.31)]
)
def test_nice_ticks_cover_the_range_with_round_steps(low, high):
    ticks, step = charts.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    assert 3 <= len(ticks) <= 12
    mantissa = step / 10 ** __import__("math").floor(__import__("math").log10(step))
    assert round(mantissa, 6) in (1, 2, 2.5, 5, 10)


def rows(*values):
    return [{"survey_date": dt.date(2018 + i, 1, 1), "rate": v} for i, v in enumerate(values)]


def render(template: str, **context) -> str:
    with translation.override("ja"):
        return Template("{% load charts %}" + template).render(Context(context))


def test_line_chart_is_an_accessible_svg_with_title_axes_line_and_points():
    svg = render(
        '{% line_chart rows "rate" title="加入率の推移" y_label="加入率（%）" %}',
        rows=rows(Decimal("70.10"), Decimal("69.40"), Decimal("68.95")),
    )
    assert '<svg class="chart__svg"' in svg
    # Named by its visible <title>, as the target page's chart is (one frame for every chart).
    title_id = re.search(r'<svg [^>]*role="img" aria-labelledby="([^"]+)"', svg).group(1)
    assert f'<title id="{title_id}">加入率の推移</title>' in svg
    assert "加入率（%）" in svg and "調査基準日" in svg
    assert svg.count("<polyline") == 1
    assert svg.count("<circle") == 3
    assert "令和元年1月1日: 69.40%" not in svg  # 2019-01-01 is still 平成
    assert "平成31年1月1日: 69.40%" in svg
    assert "http" not in svg


def test_line_chart_escapes_its_text():
    svg = render(
        '{% line_chart rows "rate" title=title y_label="率" %}',
        rows=rows(Decimal(1), Decimal(2)),
        title="<script>",
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_line_chart_breaks_the_line_at_a_missing_value():
    svg = render(
        '{% line_chart rows "rate" title="t" y_label="y" %}',
        rows=rows(Decimal(70), Decimal(71), None, Decimal(69), Decimal(68)),
    )
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 4


def test_line_chart_with_one_point_draws_the_point():
    svg = render('{% line_chart rows "rate" title="t" y_label="y" %}', rows=rows(Decimal("70")))
    assert svg.count("<circle") == 1 and "<polyline" not in svg


def test_line_chart_without_values_says_so():
    assert "グラフにできるデータがありません。" in render(
        '{% line_chart rows "rate" title="t" y_label="y" %}', rows=[]
    )


def test_line_chart_formats_counts_with_thousands_separators():
    data = [
        {"survey_date": dt.date(2023, 1, 1), "n": 685497},
        {"survey_date": dt.date(2024, 1, 1), "n": 690123},
    ]
    svg = render('{% line_chart rows "n" title="t" y_label="世帯" value_format="count" %}', rows=data)
    assert "690,123" in svg
