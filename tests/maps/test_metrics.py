"""What the ward map shows: the fair share of the gap, class breaks and colours (no database)."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from chonaikai.associations.rules import target_progress
from maps import metrics

DAY = dt.date(2024, 1, 1)


def row(code, households, members=0, rate=None, change=None):
    return SimpleNamespace(
        code=code, households=households, member_households=members, rate=rate, change=change, survey_date=DAY
    )


def figures(values, metric="rate"):
    field = {"rate": "rate", "change": "change", "members": "member_households", "gap": "gap_share"}[metric]
    return [
        metrics.WardFigures(
            code=code, name=code, romaji=code, households=None if v is None else 100, **{field: v}
        )
        for code, v in values.items()
    ]


def test_gap_is_shared_in_proportion_to_households_and_adds_up_exactly():
    rows = [row("A", 500), row("B", 300), row("C", 200)]
    progress = target_progress(baseline=0, target=1001, current=0)

    shares = metrics.fair_share_of_gap(rows, progress)

    # 1001 × 0.5 = 500.5, × 0.3 = 300.3, × 0.2 = 200.2: the one left over goes to the largest fraction.
    assert shares == {"A": 501, "B": 300, "C": 200}
    assert sum(shares.values()) == progress.gap


def test_real_gap_to_the_plan_target_is_shared_without_remainder():
    rows = [row(f"{n:05d}", h) for n, h in enumerate([131703, 138990, 132253, 115331, 129671, 68210])]
    progress = target_progress(baseline=685497, target=723778, current=691858)

    assert sum(metrics.fair_share_of_gap(rows, progress).values()) == 723778 - 691858


def test_no_share_once_the_target_is_reached_and_none_without_a_target():
    rows = [row("A", 500), row("B", 300)]

    assert metrics.fair_share_of_gap(rows, target_progress(baseline=0, target=100, current=150)) == {
        "A": 0,
        "B": 0,
    }
    assert metrics.fair_share_of_gap(rows, None) == {}


def test_wards_without_households_get_no_share():
    shares = metrics.fair_share_of_gap(
        [row("A", 0), row("B", 10)], target_progress(baseline=0, target=7, current=0)
    )
    assert shares == {"B": 7}


@pytest.mark.parametrize(
    ("raw", "integer", "expected"),
    [
        ("0.37", False, "0.5"),
        ("1.8", False, "2"),
        ("2.2", False, "2.5"),
        ("7", False, "10"),
        ("0.04", False, "0.05"),
        ("2.2", True, "5"),  # 2.5 is no step for whole households
        ("1234", True, "2000"),
    ],
)
def test_class_steps_are_nice_numbers(raw, integer, expected):
    assert metrics.nice_step(Decimal(raw), integer=integer) == Decimal(expected)


def test_wards_without_data_are_grey_never_black():
    classes = metrics.classify(figures({"A": Decimal("60.50"), "B": None, "C": Decimal("70.25")}), "rate")

    assert classes.colours["B"] == metrics.NO_DATA_COLOUR
    assert "#000000" not in classes.colours.values()
    assert classes.legend[-1] == metrics.LegendEntry(metrics.NO_DATA_COLOUR, "データなし・非公表")


def test_rate_classes_have_round_limits_and_cover_every_value():
    values = {
        c: Decimal(v) for c, v in zip("ABCDE", ["61.10", "64.35", "69.45", "72.00", "76.51"], strict=True)
    }

    classes = metrics.classify(figures(values), "rate")

    assert [e.label for e in classes.legend] == [
        "60 以上 65 未満",
        "65 以上 70 未満",
        "70 以上 75 未満",
        "75 以上 80 以下",
    ]
    palette = metrics.METRICS["rate"].palette
    assert classes.colours["A"] == classes.colours["B"] == palette[0]
    assert classes.colours["E"] == palette[-1]


def test_change_is_classed_symmetrically_red_for_decline_blue_for_increase():
    values = {"down": Decimal("-0.34"), "flat": Decimal("0.00"), "up": Decimal("0.12")}

    classes = metrics.classify(figures(values, "change"), "change")

    palette = metrics.METRICS["change"].palette
    assert [e.label for e in classes.legend] == [
        "-0.6 以上 -0.4 未満",
        "-0.4 以上 -0.2 未満",
        "-0.2 以上 ±0 未満",
        "変化なし（±0）",
        "±0 超 +0.2 以下",
        "+0.2 超 +0.4 以下",
        "+0.4 超 +0.6 以下",
    ]
    assert classes.colours == {"down": palette[1], "flat": palette[3], "up": palette[4]}


def test_one_value_makes_one_class():
    classes = metrics.classify(figures({"A": 1234}, "members"), "members")
    assert [e.label for e in classes.legend] == ["1,234"]


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("rate", Decimal("72"), "72.00%"),
        ("change", Decimal("-0.3"), "-0.30ポイント"),
        ("change", Decimal("0"), "±0.00ポイント"),
        ("members", 12345, "12,345世帯"),
        ("gap", None, "—"),
    ],
)
def test_figures_are_formatted_like_the_tables(metric, value, expected):
    assert metrics.format_value(value, metrics.METRICS[metric]) == expected
