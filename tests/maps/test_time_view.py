"""/maps/series/: one small ward map per survey date, with the same class breaks on every one."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from maps import metrics, svg
from tests.maps.conftest import WARD_CODES

PAGE = "/maps/series/"
DAY1, DAY2 = dt.date(2023, 1, 1), dt.date(2024, 1, 1)


def ward_figures(rates):
    return [
        metrics.WardFigures(code=code, name=code, romaji=code, households=100, rate=Decimal(rate))
        for code, rate in rates.items()
    ]


def test_class_breaks_are_computed_over_all_dates_so_a_colour_means_the_same_on_each_map():
    by_date = {
        DAY1: ward_figures({"A": "60.5", "B": "62.0"}),
        DAY2: ward_figures({"A": "70.5", "B": "72.0"}),
    }

    colours, legend = metrics.classify_series(by_date, "rate")

    # Each date classed alone would give both dates' highest ward the darkest colour.
    assert (
        metrics.classify(by_date[DAY1], "rate").colours["B"]
        == metrics.classify(by_date[DAY2], "rate").colours["B"]
    )
    # Classed together, 62 and 72 fall in different classes, and the legend spans both dates.
    assert colours[(DAY1, "B")] != colours[(DAY2, "B")]
    assert legend[0].label.startswith("60 以上") and legend[-1].label.endswith("以下")
    assert len({entry.label for entry in legend}) == len(legend)


def test_the_same_value_on_two_dates_gets_the_same_colour():
    by_date = {DAY1: ward_figures({"A": "65.0", "B": "75.0"}), DAY2: ward_figures({"A": "75.0", "B": "80.0"})}

    colours, _legend = metrics.classify_series(by_date, "rate")

    assert colours[(DAY1, "B")] == colours[(DAY2, "A")]


def test_suppressed_wards_are_grey_and_marked_not_published():
    figures = [
        metrics.WardFigures(
            code="A", name="A区", romaji="A", households=10, rate=Decimal("50"), suppressed=True
        ),
        metrics.WardFigures(code="B", name="B区", romaji="B", households=100, rate=Decimal("70")),
    ]

    series = metrics.series_maps({DAY1: figures}, "rate")

    cell = series.maps[0][0]
    assert (cell.colour, cell.text) == (metrics.NO_DATA_COLOUR, "非公表")
    assert series.legend[-1].label == "データなし・非公表"
    assert series.rows[1] == ("B区", [series.maps[0][1]])


def test_ward_outlines_are_svg_paths_in_a_box_of_the_asked_width():
    square = '{"type": "Polygon", "coordinates": [[[141.0, 43.0], [141.1, 43.0], [141.1, 43.1], [141.0, 43.1], [141.0, 43.0]]]}'
    two = '{"type": "MultiPolygon", "coordinates": [[[[141.1, 43.0], [141.2, 43.0], [141.2, 43.05], [141.1, 43.0]]], [[[141.1, 43.1], [141.2, 43.1], [141.15, 43.05], [141.1, 43.1]]]]}'

    outlines = svg.ward_outlines({"A": square, "B": two}, width=204, padding=2)

    assert outlines.width == 204
    assert outlines.paths["A"].startswith("M2 ") and outlines.paths["A"].endswith("Z")
    assert outlines.paths["B"].count("M") == 2
    # Longitude is shortened by cos(43.05°): 0.2° east–west spans 200 px, 0.1° north–south ≈ 137 px.
    assert outlines.height == pytest.approx(2 * 2 + 200 * 0.1 / (0.2 * 0.7307), abs=1)


@pytest.mark.django_db
def test_the_page_draws_one_small_map_per_survey_date_with_one_shared_legend(client, boundaries, counts):
    response = client.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<figure>") == 2  # 2023-01-01 and 2024-01-01
    assert html.count('id="series-legend"') == 1
    assert html.count('<path id="ward-outline-') == 10  # each outline once, reused by every map
    assert html.count('<use href="#ward-outline-01101"') == 2
    assert re.search(
        r'<use href="#ward-outline-01101" fill="#[0-9a-f]{6}" data-ward="01101"><title>中央区 61.00%</title>',
        html,
    )
    assert "令和5年1月1日" in html and "令和6年1月1日" in html
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', html)
    assert '<table class="data-table" id="series-table">' in html


@pytest.mark.django_db
def test_every_metric_can_be_shown_over_time_and_an_unknown_one_is_refused(client, boundaries, counts):
    for metric in metrics.METRICS:
        assert client.get(PAGE, {"metric": metric}).status_code == 200
    assert client.get(PAGE, {"metric": "population"}).status_code == 400


@pytest.mark.django_db
def test_without_boundaries_the_figures_are_still_shown_as_a_table(client, counts):
    html = client.get(PAGE).content.decode()

    assert "区の境界データが取り込まれていない" in html
    assert html.count('<tr><th scope="row">') == len(WARD_CODES)


@pytest.mark.django_db
def test_wards_below_the_publication_threshold_are_withheld_on_every_map(
    client, boundaries, counts, city_row
):
    city_row(publication_min_households=5000)

    html = client.get(PAGE).content.decode()

    assert "61.00%" not in html
    assert f'fill="{metrics.NO_DATA_COLOUR}" data-ward="01101"><title>中央区 非公表</title>' in html


# --- Ward labels and the export (issue 15) ------------------------------------------------------


def test_label_points_fall_inside_their_ward_even_when_the_ward_is_concave():
    # An L: its bounding box's centre (5, 5) lies outside it.
    ell = '{"type": "Polygon", "coordinates": [[[141.0, 43.0], [141.1, 43.0], [141.1, 43.02], [141.02, 43.02], [141.02, 43.1], [141.0, 43.1], [141.0, 43.0]]]}'

    outlines = svg.ward_outlines({"L": ell}, width=104, padding=2)
    x, y = outlines.label_points["L"]

    # In pixels the L's arms are ~20 px wide (0.02° east–west, 0.02°·cos⁻¹ north–south): the label
    # sits in one of the arms, not in the empty corner.
    assert x < 2 + 22 or y > outlines.height - 2 - 30


@pytest.mark.django_db
def test_every_small_map_names_its_wards_with_a_halo(client, boundaries, counts):
    html = client.get(PAGE).content.decode()

    names = re.findall(r'<text class="ward-name"[^>]*paint-order="stroke"[^>]*>([^<]+)</text>', html)
    assert len(names) == 2 * 10  # every ward on both dates' maps
    assert names.count("中央区") == 2 and names.count("清田区") == 2


@pytest.mark.django_db
def test_the_series_can_be_downloaded_as_csv_with_the_tables_figures(client, boundaries, counts):
    html = client.get(PAGE, {"metric": "members"}).content.decode()
    link = re.search(r'href="(/maps/series\.csv\?metric=members)"', html)
    assert link, "no CSV link"

    response = client.get(link.group(1))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="ward-series-members.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = [line.split(",") for line in text.strip().splitlines()]
    assert rows[0] == [
        "調査基準日",
        "区コード",
        "区コード（文字列）",
        "区",
        "加入世帯数（世帯）",
        "単位",
        "非公表",
        "サンプル",
    ]
    assert ["2024-01-01", "01101", "C01101", "中央区", "610", "世帯", "0", "0"] in rows
    assert len(rows) == 1 + 2 * 10


@pytest.mark.django_db
def test_the_series_csv_withholds_small_wards_and_refuses_an_unknown_metric(client, counts, city_row):
    city_row(publication_min_households=5000)

    text = client.get("/maps/series.csv").content.decode("utf-8-sig")

    assert "2024-01-01,01101,C01101,中央区,,%,1,0" in text
    assert "61.00" not in text
    assert client.get("/maps/series.csv", {"metric": "population"}).status_code == 400
