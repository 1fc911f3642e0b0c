"""rules.check_count: the one plausibility rule (no database)."""

from decimal import Decimal

import pytest

from chonaikai.associations import rules
from chonaikai.associations.rules import (
    INCOMPLETE,
    LARGE_CHANGE_CODE,
    MEMBERS_OVER,
    NEEDS_REASON,
    NO_COUNT,
    NOTICE,
    REFUSED,
    ZERO,
    check_count,
)

H, M = rules.HOUSEHOLDS, rules.MEMBERS


@pytest.mark.parametrize(
    ("now", "before", "reason", "flags"),
    [
        # (households, members), previous (households, members) or None, reason, expected flags
        ((100, 70), (100, 70), "", []),
        ((100, 70), None, "", []),
        ((None, None), (100, 70), "", [(NO_COUNT, NOTICE, (), False)]),
        ((None, None), None, "", [(NO_COUNT, NOTICE, (), False)]),
        ((100, None), None, "", [(INCOMPLETE, REFUSED, (M,), False)]),
        ((None, 70), None, "", [(INCOMPLETE, REFUSED, (H,), False)]),
        ((100, 101), None, "", [(MEMBERS_OVER, REFUSED, (M,), False)]),
        ((100, 100), None, "", []),
        # The typo of the issue: 93 → 930.
        ((930, 60), (93, 60), "", [(LARGE_CHANGE_CODE, NEEDS_REASON, (H,), False)]),
        ((930, 600), (93, 60), "", [(LARGE_CHANGE_CODE, NEEDS_REASON, (H, M), False)]),
        ((930, 600), (93, 60), "マンション新築", [(LARGE_CHANGE_CODE, NEEDS_REASON, (H, M), True)]),
        ((120, 70), (100, 70), "", []),  # exactly 20 %: not more than a fifth
        ((121, 70), (100, 70), "", [(LARGE_CHANGE_CODE, NEEDS_REASON, (H,), False)]),
        ((100, 55), (100, 70), "", [(LARGE_CHANGE_CODE, NEEDS_REASON, (M,), False)]),
        ((100, 56), (100, 70), "", []),  # −20 % exactly
        ((5, 0), (0, 0), "", [(LARGE_CHANGE_CODE, NEEDS_REASON, (H,), False), (ZERO, NOTICE, (M,), False)]),
        ((0, 0), (0, 0), "", [(ZERO, NOTICE, (H,), False)]),
        ((0, 0), None, "", [(ZERO, NOTICE, (H,), False)]),
        (
            (100, 0),
            (100, 10),
            "",
            [(LARGE_CHANGE_CODE, NEEDS_REASON, (M,), False), (ZERO, NOTICE, (M,), False)],
        ),
        (
            (100, 120),
            (100, 70),
            "",
            [(MEMBERS_OVER, REFUSED, (M,), False), (LARGE_CHANGE_CODE, NEEDS_REASON, (M,), False)],
        ),
    ],
)
def test_check_count_flags_a_count_against_the_previous_survey(now, before, reason, flags):
    previous = before or (None, None)
    check = check_count(
        *now, previous_households=previous[0], previous_member_households=previous[1], reason=reason
    )
    assert [(f.code, f.severity, f.fields, f.explained) for f in check.flags] == flags


def test_a_typo_of_93_for_930_is_a_large_change_that_blocks_until_a_reason_is_given():
    check = check_count(930, 60, previous_households=93, previous_member_households=60)
    assert check.codes == (LARGE_CHANGE_CODE,)
    assert [f.code for f in check.blocking] == [LARGE_CHANGE_CODE]
    assert check.households.difference == 837
    assert check.households.percent == Decimal("900.0")
    explained = check_count(
        930, 60, previous_households=93, previous_member_households=60, reason=" 区画整理 "
    )
    assert explained.blocking == () and explained.reason == "区画整理"


def test_members_above_households_is_refused_whatever_the_reason():
    check = check_count(100, 101, reason="事業所を含む")
    assert [f.code for f in check.blocking] == [MEMBERS_OVER]


@pytest.mark.parametrize(
    ("now", "before", "difference", "percent"),
    [
        (100, 80, 20, Decimal("25.0")),
        (80, 100, -20, Decimal("-20.0")),
        (5, 0, 5, None),  # no base for a percentage
        (5, None, None, None),
        (None, 5, None, None),
        (1, 3, -2, Decimal("-66.7")),
    ],
)
def test_figures_give_the_difference_and_the_change_in_percent(now, before, difference, percent):
    figure = rules.Figure(now, before)
    assert figure.difference == difference
    assert figure.percent == percent


def test_the_check_gives_both_rates_and_the_change_in_points():
    check = check_count(200, 150, previous_households=200, previous_member_households=160)
    assert check.rate == Decimal("75.00")
    assert check.previous_rate == Decimal("80.00")
    assert check.rate_change == Decimal("-5.00")
    assert check_count(None, None).rate is None
