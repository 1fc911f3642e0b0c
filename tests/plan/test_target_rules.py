"""Pace and projections toward the plan target (chonaikai.plan.rules), on known series."""

from decimal import Decimal

import pytest

from chonaikai.plan.rules import (
    COMPOUND,
    LINEAR,
    compound_growth_projection,
    linear_projection,
    target_pace,
)


def test_a_straight_line_projects_exactly():
    series = [(year, 680000 + 3000 * (year - 2018)) for year in range(2018, 2025)]

    projection = linear_projection(series, year=2028)

    assert projection.method == LINEAR
    assert projection.value == 680000 + 3000 * 10
    assert projection.yearly_change == Decimal("3000.00")
    assert [year for year, _value in projection.basis] == [2020, 2021, 2022, 2023, 2024]  # the last five


def test_a_straight_line_with_a_skipped_survey_still_projects_exactly():
    series = [(2018, 100), (2019, 110), (2021, 130), (2022, 140), (2024, 160)]

    assert linear_projection(series, year=2028).value == 200


def test_the_linear_projection_uses_only_the_last_five_surveys():
    # Flat for years, then a steady climb of 10 a year over the last five surveys.
    series = [
        (2015, 50),
        (2016, 50),
        (2017, 50),
        (2020, 100),
        (2021, 110),
        (2022, 120),
        (2023, 130),
        (2024, 140),
    ]

    assert linear_projection(series, year=2028).value == 180


def test_the_linear_projection_is_the_least_squares_line():
    # Points 0, 2, 1 at years 0, 1, 2: the fitted line is 0.5 + 0.5·x.
    projection = linear_projection([(0, 0), (1, 2), (2, 1)], year=4)

    assert projection.yearly_change == Decimal("0.50")
    assert projection.value == 3  # 2.5, rounded half-up


def test_compound_growth_on_a_doubling_series():
    series = [(year, 2**i) for i, year in enumerate(range(2020, 2025))]  # 1, 2, 4, 8, 16

    projection = compound_growth_projection(series, year=2028)

    assert projection.method == COMPOUND
    assert projection.value == 16 * 2**4
    assert projection.yearly_change == Decimal("100.00")  # percent a year


def test_compound_growth_compounds_the_first_to_last_rate_of_the_last_five_surveys():
    # 16 growing 50 % a year; an older outlier falls outside the window.
    series = [(2018, 1), (2019, 16), (2020, 24), (2021, 36), (2022, 54), (2023, 81)]

    projection = compound_growth_projection(series, year=2025)

    assert projection.basis[0] == (2019, 16)
    assert projection.yearly_change == Decimal("50.00")
    assert projection.value == 182  # 81 × 1.5² = 182.25


@pytest.mark.parametrize("project", [linear_projection, compound_growth_projection])
def test_one_survey_is_not_enough_to_project(project):
    assert project([(2024, 691858)], year=2028) is None
    assert project([], year=2028) is None


def test_compound_growth_needs_a_positive_first_value():
    assert compound_growth_projection([(2023, 0), (2024, 10)], year=2028) is None


def test_a_series_with_two_values_for_one_year_is_an_error():
    with pytest.raises(ValueError):
        linear_projection([(2024, 1), (2024, 2)], year=2028)


def test_pace_toward_the_plan_target_from_the_fy2022_baseline():
    pace = target_pace(
        baseline=685497,
        baseline_year=2022,
        target=723778,
        target_year=2028,
        current=691858,
        current_year=2024,
    )

    assert (pace.years_elapsed, pace.years_left) == (2, 4)
    assert pace.average_gain_so_far == 3181  # 6,361 ÷ 2 = 3,180.5, half-up
    assert pace.gain_needed_per_year == 7980  # 31,920 ÷ 4
    assert pace.expected_gain_by_now == 12760  # 38,281 × 2 ÷ 6 = 12,760.3
    assert pace.on_pace is False


def test_the_gain_needed_is_rounded_up_and_is_zero_once_the_target_is_passed():
    short = target_pace(
        baseline=0, baseline_year=2022, target=10, target_year=2028, current=0, current_year=2025
    )
    passed = target_pace(
        baseline=0, baseline_year=2022, target=10, target_year=2028, current=12, current_year=2025
    )

    assert short.gain_needed_per_year == 4  # 10 ÷ 3 = 3.33…: 3 a year would fall short
    assert passed.gain_needed_per_year == 0
    assert passed.on_pace is True


def test_at_the_baseline_survey_there_is_no_average_yet_and_in_the_target_year_no_need():
    at_baseline = target_pace(
        baseline=5, baseline_year=2022, target=10, target_year=2028, current=5, current_year=2022
    )
    at_target = target_pace(
        baseline=5, baseline_year=2022, target=10, target_year=2028, current=9, current_year=2028
    )

    assert at_baseline.average_gain_so_far is None and at_baseline.on_pace is None
    assert at_baseline.expected_gain_by_now == 0
    assert at_target.gain_needed_per_year is None and at_target.on_pace is None
    assert at_target.expected_gain_by_now == 5
