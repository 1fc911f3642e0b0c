"""/maps/target/: progress toward 723,778 member households in FY2028, the wards' parts, the charts."""

import datetime as dt
import re

import pytest

from maps import metrics
from tests.factories import AssociationFactory, HouseholdCountFactory, ward
from tests.maps.conftest import WARD_CODES

pytestmark = pytest.mark.django_db

PAGE = "/maps/target/"
D23, D24, D25 = dt.date(2023, 1, 1), dt.date(2024, 1, 1), dt.date(2025, 1, 1)


@pytest.fixture
def plan_counts(db):
    """Ten wards of 100,000 households. On 2023-01-01 (FY2022) the members add up to the plan's
    685,497; by 2025-01-01 中央区 has gained 2,000, 北区 lost 100 and every other ward gained 500
    (city 691,397), half of that by 2024-01-01, so the city series is a straight line."""
    gains = {"01101": 2000, "01102": -100}
    for code in WARD_CODES:
        association = AssociationFactory(ward=ward(code))
        start = 68549 + (7 if code == "01101" else 0)
        gain = gains.get(code, 500)
        for day, members in ((D23, start), (D24, start + gain // 2), (D25, start + gain)):
            HouseholdCountFactory(
                association=association, survey_date=day, households=100000, member_households=members
            )


def cells(html: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-ward="{code}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_city_summary_shows_latest_value_gap_share_done_and_the_pace(client, plan_counts):
    html = client.get(PAGE).content.decode()

    assert re.search(r'id="latest-value">691,397世帯<', html)
    assert re.search(r'id="gap">あと 32,381世帯<', html)
    assert re.search(r'id="share-done">15.41%<', html)  # 5,900 ÷ 38,281
    assert re.search(r'id="average-gain">2,950世帯／年<', html)  # 5,900 over FY2022 → FY2024
    assert re.search(r'id="needed-gain">8,096世帯／年<', html)  # 32,381 ÷ 4, rounded up
    assert "これまでの平均の増え方では目標に届きません" in html


def test_both_projections_to_fy2028_are_shown_with_their_assumptions(client, plan_counts):
    html = client.get(PAGE).content.decode()

    linear = re.search(r'<tr data-method="linear">(.*?)</tr>', html, re.S).group(1)
    compound = re.search(r'<tr data-method="compound">(.*?)</tr>', html, re.S).group(1)
    assert "703,197世帯" in linear  # 691,397 + 4 × 2,950
    assert "-20,581" in linear
    assert "最小二乗法" in linear and "1年あたり 2,950 世帯" in linear and "仮定" in linear
    assert "世帯" in compound and "伸び率（0.43%）" in compound and "仮定" in compound
    assert "予測や約束ではありません" in html


def test_each_wards_gain_so_far_and_whether_it_is_on_track(client, plan_counts):
    html = client.get(PAGE).content.decode()

    # households, FY2022 members, latest members, gain, share of the gain, expected by now, verdict, gap share
    assert cells(html, "01101") == [
        "100,000",
        "68,556",
        "70,556",
        "+2,000",
        "33.90%",
        "1,276",
        "順調",
        "3,239",
    ]
    assert cells(html, "01102") == ["100,000", "68,549", "68,449", "-100", "-1.69%", "1,276", "遅れ", "3,238"]
    assert cells(html, "01103")[3:7] == ["+500", "8.47%", "1,276", "遅れ"]
    assert "12,760 世帯" in html  # the city's gain expected by now, in the stated method
    assert "区域内世帯数に比例して割り当てた" in html


def test_the_fair_share_of_the_gap_is_the_maps_own_function(client, plan_counts, monkeypatch):
    calls = []
    original = metrics.fair_share_of_gap

    def spy(rows, progress):
        calls.append(progress.gap)
        return original(rows, progress)

    monkeypatch.setattr(metrics, "fair_share_of_gap", spy)
    html = client.get(PAGE).content.decode()

    assert sorted(calls) == [12760, 32381]  # the expected gain by now and the remaining gap
    shares = [int(cells(html, code)[-1].replace(",", "")) for code in WARD_CODES]
    assert sum(shares) == 32381


def test_city_and_ward_charts_are_inline_svg_and_the_page_loads_nothing_from_elsewhere(client, plan_counts):
    html = client.get(PAGE).content.decode()

    assert html.count('<svg class="chart__svg"') == 2 + 2 * 10
    assert ">加入世帯数の推移（中央区）</title>" in html and ">加入率の推移（清田区）</title>" in html
    assert 'id="city-series"' in html  # the table behind the city charts
    assert not re.search(r"<script[^>]*\ssrc=", html.split("</footer>")[0].split("<main")[1])
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)


def test_a_baseline_that_differs_from_the_counts_is_explained(client):
    association = AssociationFactory(ward=ward("01101"))
    HouseholdCountFactory(association=association, survey_date=D23, households=1000, member_households=600)
    HouseholdCountFactory(association=association, survey_date=D25, households=1000, member_households=640)

    html = client.get(PAGE).content.decode()

    assert "計画の基準値（685,497 世帯）と異なります" in html
    assert cells(html, "01101")[3] == "+40"


def test_wards_below_the_publication_threshold_are_withheld(client, plan_counts, city_row):
    city_row(publication_min_households=200000)

    html = client.get(PAGE).content.decode()

    assert cells(html, "01101") == ["世帯数が少ないため非公表"]
    assert "70,556" not in html.split('id="target-wards"')[1]
    assert ">加入世帯数の推移（中央区）</title>" not in html  # no ward series either
    assert re.search(r'id="latest-value">691,397世帯<', html)  # the city total stays


def test_without_counts_the_page_says_so(client):
    response = client.get(PAGE)

    assert response.status_code == 200
    assert "まだ世帯数が登録されていません" in response.content.decode()


def test_the_target_page_costs_a_constant_number_of_queries(client, plan_counts, django_assert_num_queries):
    # The dashboard (7), the city series (4), the ward series (4: dates, sums, the wards' names,
    # registry totals), the wards (1): none per ward or date.
    with django_assert_num_queries(16):
        assert client.get(PAGE).status_code == 200
    for code in WARD_CODES[:3]:
        HouseholdCountFactory(association=AssociationFactory(ward=ward(code)), survey_date=D24)
    with django_assert_num_queries(16):
        assert client.get(PAGE).status_code == 200


def test_the_dashboard_links_to_the_target_page(client, plan_counts):
    assert 'href="/maps/target/"' in client.get("/").content.decode()


# --- The city chart: history, the target line and both projections (issue 15) -----------------


def target_chart(html: str) -> str:
    return re.search(r'<div class="chart target-chart" id="target-chart".*?</svg>', html, re.S).group(0)


def y_ticks(svg: str) -> dict[int, float]:
    """The y axis' tick values → their y coordinate."""
    return {
        int(text.replace(",", "")): float(y)
        for y, text in re.findall(
            r'<text x="\d+" y="([\d.]+)" dy="0.35em" text-anchor="end"[^>]*>([\d,]+)<', svg
        )
    }


def y_of(ticks: dict[int, float], value: float) -> float:
    (v0, y0), (v1, y1) = sorted(ticks.items())[0], sorted(ticks.items())[-1]
    return y0 + (value - v0) * (y1 - y0) / (v1 - v0)


def test_the_city_chart_draws_the_target_line_at_723778_labelled(client, plan_counts):
    svg = target_chart(client.get(PAGE).content.decode())

    line = re.search(r'<line data-series="target" x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="\3"', svg)
    assert line, "no target line"
    assert abs(float(line.group(3)) - y_of(y_ticks(svg), 723778)) < 0.6
    assert "目標 723,778世帯（令和10年度）" in svg


def test_the_city_chart_draws_both_projections_to_the_target_year(client, plan_counts):
    svg = target_chart(client.get(PAGE).content.decode())
    ticks = y_ticks(svg)

    for series, value in (("linear", 703197), ("compound", None)):
        points = re.search(rf'<polyline data-series="{series}" points="([^"]+)"', svg)
        assert points, f"no {series} projection"
        xs_ys = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
        assert len(xs_ys) == 5  # FY2024 (the latest survey) → FY2028
        if value is not None:
            assert abs(xs_ys[-1][1] - y_of(ticks, value)) < 0.6
    assert "直線の推計（令和10年度 703,197世帯）" in svg
    assert "一定の伸び率の推計（令和10年度 " in svg


def test_the_city_charts_axis_spans_history_and_target_without_starting_at_zero(client, plan_counts):
    svg = target_chart(client.get(PAGE).content.decode())
    values = sorted(y_ticks(svg))

    assert values[0] <= 685497 and values[-1] >= 723778
    assert values[0] >= 600000  # not from 0: the change would be a flat line
    assert "縦軸は 0 から始まっていません" in svg
    # every fiscal year from the first survey (FY2022) to the target (FY2028) on the x axis
    assert [f"令和{n}" for n in range(4, 11)] == re.findall(r">(令和\d+)</tspan>", svg)
