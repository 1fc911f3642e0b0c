"""The PNG export: a legend that states metric, unit, survey date and denominator; labels with a halo.

The builder is called directly (no database): its legend text is a function of the map's input,
and what it draws is read back from the matplotlib artists, not by OCR.
"""

from decimal import Decimal

import pytest
from matplotlib.axes import Axes

from maps import builders, metrics

SQUARE = '{"type":"Polygon","coordinates":[[[141.30,43.00],[141.40,43.00],[141.40,43.07],[141.30,43.07],[141.30,43.00]]]}'
NEXT = '{"type":"Polygon","coordinates":[[[141.40,43.00],[141.50,43.00],[141.50,43.07],[141.40,43.07],[141.40,43.00]]]}'
DATE = "令和7年1月1日（2025-01-01）"  # i18n: data


def map_input(metric: str) -> builders.MapInput:
    figures = [
        metrics.WardFigures(
            "01101", "中央区", "Chuo-ku", 1000, 900, Decimal("90.00"), Decimal("1.50"), 120
        ),  # i18n: data
        metrics.WardFigures(
            "01102", "北区", "Kita-ku", 1000, 600, Decimal("60.00"), Decimal("-2.00"), 300
        ),  # i18n: data
    ]
    return builders.MapInput(
        metric=metrics.METRICS[metric],
        figures=figures,
        classes=metrics.classify(figures, metric),
        geometries={"01101": SQUARE, "01102": NEXT},
        title="札幌市 区別の地図",  # i18n: data
        date_text=DATE,
        attribution="出典",  # i18n: data
    )


@pytest.mark.parametrize(
    ("metric", "unit", "denominator"),
    [
        ("rate", "%", "区域内世帯数"),
        ("change", "ポイント", "区域内世帯数"),
        ("members", "世帯", "なし"),
        ("gap", "世帯", "なし"),
    ],
)
def test_the_png_legend_states_metric_unit_date_and_denominator(metric, unit, denominator):
    text = builders.legend_title(map_input(metric))

    assert str(metrics.METRICS[metric].label) in text
    assert f"単位: {unit}" in text
    assert f"調査基準日: {DATE}" in text
    assert f"分母: {denominator}" in text


def test_without_a_japanese_font_the_legend_says_the_same_in_english():
    text = builders.legend_title(map_input("rate"), ascii_only=True)

    assert text.isascii()
    assert "Membership rate" in text and "Unit: %" in text and "2025-01-01" in text
    assert "Denominator: households in the associations' areas" in text


@pytest.fixture
def drawn(monkeypatch):
    """The annotations and the legend the PNG builder draws."""
    artists = {"labels": [], "legend": []}
    annotate, legend = Axes.annotate, Axes.legend

    def spy_annotate(self, *args, **kwargs):
        artists["labels"].append(annotate(self, *args, **kwargs))
        return artists["labels"][-1]

    def spy_legend(self, *args, **kwargs):
        artists["legend"].append(legend(self, *args, **kwargs))
        return artists["legend"][-1]

    monkeypatch.setattr(Axes, "annotate", spy_annotate)
    monkeypatch.setattr(Axes, "legend", spy_legend)
    return artists


def test_the_png_draws_that_legend_title(drawn):
    data = map_input("rate")

    assert builders.build_png(data, dpi=40).startswith(b"\x89PNG")

    title = drawn["legend"][0].get_title().get_text()
    assert title == builders.legend_title(data, ascii_only=builders.japanese_font() is None)


def test_png_labels_have_a_white_halo_so_they_read_on_the_darkest_fill(drawn):
    data = map_input("rate")
    assert data.classes.colours["01101"] == metrics.METRICS["rate"].palette[-1]  # the darkest fill

    builders.build_png(data, dpi=40)

    assert len(drawn["labels"]) == 2
    for label in drawn["labels"]:
        halos = [
            effect
            for effect in label.get_path_effects()
            if getattr(effect, "_gc", {}).get("foreground") in ("white", "#ffffff", "#FFFFFF")
        ]
        assert halos, "no white halo around the label"
