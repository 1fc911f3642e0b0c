"""The one place for membership arithmetic, fiscal years and eras: table-driven, no database."""

import datetime as dt
from decimal import Decimal

import pytest

from chonaikai.associations import rules
from chonaikai.calendar import (
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    japanese_date,
    survey_date_of_fiscal_year,
)


@pytest.mark.parametrize(
    ("members", "households", "expected"),
    [
        (685_497, 987_748, Decimal("69.40")),
        (1, 3, Decimal("33.33")),
        (2, 3, Decimal("66.67")),
        (1, 8, Decimal("12.50")),  # exact half-way digit stays
        (1, 200_000, Decimal("0.00")),  # 0.0005 % is below half a hundredth
        (1, 2_000, Decimal("0.05")),
        (0, 100, Decimal("0.00")),
        (120, 100, Decimal("120.00")),  # businesses counted as members: no clipping
    ],
)
def test_membership_rate_is_percent_rounded_half_up_to_two_decimals(members, households, expected):
    assert rules.membership_rate(members, households) == expected


def test_membership_rate_rounds_half_up_not_to_even():
    # 0.125 % exactly: banker's rounding would give 0.12
    assert rules.membership_rate(1, 800) == Decimal("0.13")


def test_membership_rate_in_integers_equals_the_decimal_division_digit_for_digit():
    # membership_rate divides integers in integers (hundredths, rounded half up); the reference is
    # the division in Decimal, quantized half up. Every half-way case of small denominators, then
    # large figures and negative member counts (which take the Decimal path).
    def reference(members, households):
        return (Decimal(members) * 100 / Decimal(households)).quantize(
            Decimal("0.01"), rounding="ROUND_HALF_UP"
        )

    pairs = [(m, h) for h in range(1, 401) for m in range(0, 2 * h + 1)]
    pairs += [(10**15 + 7, 3 * 10**15 + 1), (987_654_321, 123_456_789), (5, 40_000), (-1, 8), (-5, 3)]
    for members, households in pairs:
        rate = rules.membership_rate(members, households)
        expected = reference(members, households)
        assert (rate, str(rate)) == (expected, str(expected)), (members, households)


@pytest.mark.parametrize(("members", "households"), [(0, 0), (5, 0), (None, 10), (10, None), (None, None)])
def test_membership_rate_without_households_is_no_rate_not_an_exception(members, households):
    assert rules.membership_rate(members, households) is None


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (Decimal("69.40"), Decimal("69.62"), Decimal("-0.22")),
        (Decimal("70.00"), Decimal("69.50"), Decimal("0.50")),
        (None, Decimal("69.62"), None),
        (Decimal("69.40"), None, None),
    ],
)
def test_rate_change_is_in_points_and_missing_when_either_rate_is_missing(current, previous, expected):
    assert rules.rate_change(current, previous) == expected


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (dt.date(2023, 1, 1), 2022),
        (dt.date(2023, 3, 31), 2022),
        (dt.date(2023, 4, 1), 2023),
        (dt.date(2022, 12, 31), 2022),
        (dt.date(2019, 1, 1), 2018),
        (dt.date(2029, 3, 31), 2028),
    ],
)
def test_fiscal_year_runs_april_to_march(day, fiscal_year):
    assert fiscal_year_of(day) == fiscal_year


def test_fiscal_year_bounds_and_survey_date():
    assert fiscal_year_bounds(2022) == (dt.date(2022, 4, 1), dt.date(2023, 3, 31))
    assert survey_date_of_fiscal_year(2022, month=1, day=1) == dt.date(2023, 1, 1)
    assert fiscal_year_of(survey_date_of_fiscal_year(2028, month=1, day=1)) == 2028


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (dt.date(2023, 1, 1), "令和5年1月1日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(2020, 1, 1), "令和2年1月1日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1972, 4, 1), "昭和47年4月1日"),
    ],
)
def test_japanese_date_uses_the_era_in_force(day, text):
    assert japanese_date(day) == text


def test_dates_before_showa_are_refused():
    with pytest.raises(ValueError):
        japanese_date(dt.date(1926, 12, 24))


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [
        (2022, "令和4年度"),
        (2028, "令和10年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_fiscal_year_label_follows_government_usage(fiscal_year, label):
    assert fiscal_year_label(fiscal_year) == label


def test_survey_of_1_january_2023_is_fy2022_reiwa_4():
    assert fiscal_year_label(fiscal_year_of(dt.date(2023, 1, 1))) == "令和4年度"


@pytest.mark.parametrize(
    "text",
    ["ちょうないかい", "チョウナイカイ", "ﾁｮｳﾅｲｶｲ", " チョウ ナイ　カイ "],
)
def test_search_normalisation_ignores_width_and_kana_type(text):
    assert rules.normalize_for_search(text) == "チョウナイカイ"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ＡＢＣ町内会１２３", "abc町内会123"), ("", ""), (None, ""), ("北１条", "北1条")],
)
def test_search_normalisation_folds_full_width_ascii_and_case(text, expected):
    assert rules.normalize_for_search(text) == expected


def test_target_progress_from_the_plan_figures():
    progress = rules.target_progress(baseline=685_497, target=723_778, current=695_067)
    assert progress.gap == 723_778 - 695_067
    assert progress.share_done == Decimal("25.00")


def test_target_progress_past_the_target_has_negative_gap_and_over_100_percent():
    progress = rules.target_progress(baseline=100, target=200, current=250)
    assert progress.gap == -50
    assert progress.share_done == Decimal("150.00")


def test_target_progress_with_equal_baseline_and_target_has_no_share():
    assert rules.target_progress(baseline=100, target=100, current=90).share_done is None
