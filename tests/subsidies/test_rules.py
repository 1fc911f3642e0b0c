"""Subsidy arithmetic, table-driven and without a database.

The rules below mirror the FY2026 rows seeded by migration 0002 (test_seed checks that the seeded
rows give the same answers), so the cases read as the programmes' own rules.
"""

from decimal import Decimal

import pytest

from chonaikai.subsidies import rules, wording, workflow
from chonaikai.subsidies.errors import BudgetExceeded, IllegalTransition, InvalidApplication
from chonaikai.subsidies.rules import CategoryRule, EarlierGrant, KindRule, Line, Method
from chonaikai.subsidies.workflow import Action, Status

DIGITAL = CategoryRule(
    code="",
    name="町内会デジタル活用促進補助金",
    kinds=(
        KindRule("service", "報償費・役務費・委託費", 10, 10),
        KindRule("goods", "物品・備品購入費・工事費", 2, 3),
    ),
    cap=100_000,
)
REBUILD = CategoryRule(
    code="extension_rebuild",
    name="増築・改築",
    kinds=(
        KindRule("works", "工事費・購入費等（補助対象経費）", 1, 3),
        KindRule("ineligible", "補助対象外の経費"),
    ),
    cap=12_000_000,
    requires_hall=True,
    repeat_grant_interval_years=10,
)
DEMOLITION = CategoryRule(
    code="demolition",
    name="解体",
    method=Method.FLOOR_AREA,
    kinds=(
        KindRule("demolition_works", "解体工事費"),
        KindRule("special_works", "特殊工事費（基礎杭・埋設管・アスベスト等）", 10, 10),
    ),
    rounding_unit=10_000,
    per_m2_amount=10_000,
    tax_numerator=10,
    tax_denominator=100,
    requires_hall=True,
)
UNIT = CategoryRule(code="unit", name="単位町内会", method=Method.PER_HOUSEHOLD, per_household_amount=260)
FEDERATION = CategoryRule(
    code="federation", name="連合町内会", method=Method.PER_HOUSEHOLD, per_household_amount=120
)


def service(amount):
    return Line("service", amount, "講師謝礼")


def goods(amount):
    return Line("goods", amount, "タブレット")


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], 0),
        ([service(30_000)], 30_000),
        ([goods(90_000)], 60_000),
        ([goods(1)], 0),  # 2/3 of 1 yen rounds down to 0
        ([goods(2)], 1),  # 4/3 → 1
        ([goods(100_001)], 66_667),  # 66,667.33… → 66,667
        ([goods(1), goods(1), goods(1)], 2),  # the rate applies to the kind's sum, not line by line
        ([service(40_000), goods(90_000)], 100_000),  # reaches the cap exactly
        ([service(100_000)], 100_000),  # the cap exactly, from one kind
        ([service(100_001)], 100_000),  # one yen over: capped
        ([service(99_999), goods(1)], 99_999),
        ([service(50_000), goods(200_000)], 100_000),  # 50,000 + 133,333 → capped
    ],
)
def test_digital_subsidy_is_10_10_for_services_2_3_for_goods_capped_at_100000(lines, expected):
    assert rules.compute_amount(DIGITAL, lines=lines).amount == expected


def test_digital_breakdown_writes_every_step_in_japanese():
    breakdown = rules.compute_amount(DIGITAL, lines=[service(30_000), goods(100_001), goods(50_000)])
    assert wording.breakdown_lines(breakdown) == [
        "報償費・役務費・委託費 30,000円 × 10/10 = 30,000円",
        "物品・備品購入費・工事費 150,001円 × 2/3 = 100,000円（1円未満切り捨て）",
        "小計 30,000円 + 100,000円 = 130,000円",
        "上限額 100,000円 を適用 130,000円 → 100,000円",
        "補助額 100,000円",
    ]
    assert breakdown.amount == 100_000
    assert breakdown.cost == 180_001
    goods_step = breakdown.steps[1]
    assert goods_step.data == {"kind": "goods", "base": 150_001, "lines": 2, "numerator": 2, "denominator": 3}


def test_reaching_the_cap_exactly_adds_no_cap_step():
    breakdown = rules.compute_amount(DIGITAL, lines=[service(40_000), goods(90_000)])
    assert [s.key for s in breakdown.steps] == ["kind", "kind", "subtotal", "total"]


@pytest.mark.parametrize(
    ("works", "ineligible", "expected"),
    [
        (36_000_000, 0, 12_000_000),  # 1/3 is the cap exactly
        (36_000_003, 0, 12_000_000),  # 12,000,001 → capped
        (35_999_999, 0, 11_999_999),  # 11,999,999.67 → rounded down
        (3_000_001, 500_000, 1_000_000),  # lines without a rate are cost, not subsidy
    ],
)
def test_rebuild_is_one_third_capped_at_12_million(works, ineligible, expected):
    lines = [Line("works", works, "改築工事")]
    if ineligible:
        lines.append(Line("ineligible", ineligible, "備品"))
    breakdown = rules.compute_amount(REBUILD, lines=lines)
    assert breakdown.amount == expected
    if ineligible:
        assert (
            "補助対象外の経費 500,000円（補助率の定めなし: 補助額に算入しません）"
            in wording.breakdown_lines(breakdown)
        )


@pytest.mark.parametrize(
    ("area", "special", "expected_lines", "expected"),
    [
        (
            Decimal("52.50"),
            [Line("special_works", 123_456, "アスベスト除去")],
            [
                "基本額 延床面積 52.50m² × 10,000円 = 525,000円",
                "特殊工事費（基礎杭・埋設管・アスベスト等） 123,456円 × 10/10 = 123,456円",
                "小計 525,000円 + 123,456円 = 648,456円",
                "1万円未満切り捨て 648,456円 → 640,000円",
                "消費税相当額 640,000円 × 10/100 = 64,000円",
                "補助額 704,000円",
            ],
            704_000,
        ),
        (
            Decimal("80.37"),
            [Line("demolition_works", 2_000_000, "解体工事一式")],  # cost only
            [
                "基本額 延床面積 80.37m² × 10,000円 = 803,700円",
                "解体工事費 2,000,000円（補助率の定めなし: 補助額に算入しません）",
                "1万円未満切り捨て 803,700円 → 800,000円",
                "消費税相当額 800,000円 × 10/100 = 80,000円",
                "補助額 880,000円",
            ],
            880_000,
        ),
        (
            Decimal("100.00"),
            [Line("special_works", 300_000, "基礎杭"), Line("special_works", 200_000, "埋設管")],
            [
                "基本額 延床面積 100.00m² × 10,000円 = 1,000,000円",
                "特殊工事費（基礎杭・埋設管・アスベスト等） 500,000円 × 10/10 = 500,000円",
                "小計 1,000,000円 + 500,000円 = 1,500,000円",
                "1万円未満切り捨て 1,500,000円 → 1,500,000円",
                "消費税相当額 1,500,000円 × 10/100 = 150,000円",
                "補助額 1,650,000円",
            ],
            1_650_000,
        ),
    ],
)
def test_demolition_is_floor_area_times_10000_plus_special_works_rounded_to_10000_plus_tax(
    area, special, expected_lines, expected
):
    breakdown = rules.compute_amount(DEMOLITION, lines=special, floor_area_m2=area)
    assert wording.breakdown_lines(breakdown) == expected_lines
    assert breakdown.amount == expected


def test_demolition_without_a_floor_area_gives_no_base_amount():
    breakdown = rules.compute_amount(DEMOLITION, lines=[])
    assert breakdown.amount == 0
    assert "延床面積が未登録" in wording.breakdown_lines(breakdown)[0]


@pytest.mark.parametrize(
    ("rule", "households", "expected", "text"),
    [
        (UNIT, 1_234, 320_840, "加入世帯数 1,234世帯 × 260円 = 320,840円"),
        (UNIT, 0, 0, "加入世帯数 0世帯 × 260円 = 0円"),
        (FEDERATION, 10_001, 1_200_120, "加入世帯数 10,001世帯 × 120円 = 1,200,120円"),
    ],
)
def test_resident_grant_is_member_households_times_the_unit_amount(rule, households, expected, text):
    breakdown = rules.compute_amount(rule, member_households=households)
    assert breakdown.amount == expected
    assert wording.breakdown_lines(breakdown) == [text, f"補助額 {expected:,}円"]


def test_a_rule_to_confirm_says_so_in_its_breakdown():
    rule = CategoryRule(
        code="repair", name="修繕", kinds=REBUILD.kinds, cap=12_000_000, needs_confirmation=True
    )
    breakdown = rules.compute_amount(rule, lines=[Line("works", 300, "修繕")])
    assert breakdown.needs_confirmation
    assert "要綱で要確認" in wording.breakdown_lines(breakdown)[0]
    assert breakdown.amount == 100


@pytest.mark.parametrize(
    "line",
    [
        Line("travel", 1000, "旅費"),
        Line("service", -1, "返金"),
        Line("service", 10.5, "端数"),
        Line("service", True, "真"),
    ],
)
def test_unknown_kinds_and_amounts_that_are_not_whole_non_negative_yen_are_refused(line):
    with pytest.raises(InvalidApplication):
        rules.compute_amount(DIGITAL, lines=[line])


def test_the_confirmed_amount_is_never_above_the_approved_amount():
    above = rules.compute_amount(DIGITAL, lines=[service(80_000)])
    limited = rules.limit_to_approved(above, 70_000)
    assert limited.amount == 70_000
    assert wording.breakdown_lines(limited)[-2:] == [
        "交付決定額 70,000円 を上限 80,000円 → 70,000円",
        "補助額 70,000円",
    ]
    below = rules.compute_amount(DIGITAL, lines=[service(60_000)])
    assert rules.limit_to_approved(below, 70_000) == below


def test_breakdowns_survive_a_round_trip_through_json():
    breakdown = rules.compute_amount(
        DEMOLITION, lines=[Line("special_works", 5, "杭")], floor_area_m2=Decimal("1.5")
    )
    assert rules.Breakdown.from_dict(breakdown.as_dict()) == breakdown


@pytest.mark.parametrize(
    ("budget", "committed", "amount", "left"),
    [(13_000_000, 12_900_000, 100_000, 0), (100, 0, 1, 99), (100, 99, 1, 0)],
)
def test_approvals_up_to_the_remaining_budget_are_allowed(budget, committed, amount, left):
    assert rules.check_budget(budget=budget, committed=committed, amount=amount) == left


def test_one_yen_over_the_remaining_budget_is_refused_with_the_figures():
    with pytest.raises(BudgetExceeded) as error:
        rules.check_budget(budget=13_000_000, committed=12_900_000, amount=100_001, programme_name="デジタル")
    assert str(error.value) == (
        "デジタルの予算の残額が足りません: 予算額 13,000,000円、交付決定済み 12,900,000円、"
        "残額 100,000円 に対して 100,001円 の交付決定はできません。"
    )
    assert error.value.extra["remaining"] == 100_000


def test_a_programme_without_a_budget_cannot_approve():
    with pytest.raises(BudgetExceeded, match="予算額が登録されていません"):
        rules.check_budget(budget=None, committed=0, amount=1)


@pytest.mark.parametrize(
    ("fiscal_year", "earlier_years", "interval", "blocking_year"),
    [
        (2026, [2016], 10, None),  # exactly 10 fiscal years later: allowed
        (2026, [2017], 10, 2017),  # 9 years: too soon
        (2026, [2010, 2020, 2018], 10, 2020),  # the most recent blocking grant is named
        (2026, [2026], 10, 2026),
        (2026, [2025], None, None),  # no interval set: no limit
        (2026, [], 10, None),
    ],
)
def test_repeat_grant_rule_counts_fiscal_years(fiscal_year, earlier_years, interval, blocking_year):
    earlier = [EarlierGrant(year, f"補助{year}") for year in earlier_years]
    blocker = rules.repeat_grant_blocker(fiscal_year=fiscal_year, interval_years=interval, earlier=earlier)
    assert (blocker.fiscal_year if blocker else None) == blocking_year


def test_repeat_grant_message_names_the_earlier_grant_and_the_first_year_allowed():
    message = wording.repeat_grant_message(
        hall_name="桜会館",
        blocker=EarlierGrant(2021, "市民集会施設建築費補助金（修繕、申請番号 X）"),
        interval_years=10,
    )
    assert message == (
        "会館「桜会館」には令和3年度に市民集会施設建築費補助金（修繕、申請番号 X）が交付されています。"
        "同じ会館への次の補助は10年度後の令和13年度以降です。"
    )


@pytest.mark.parametrize(
    ("new", "previous", "difference"), [(320_840, None, 320_840), (320_580, 320_840, -260), (10, 10, 0)]
)
def test_grant_difference_is_new_minus_previously_computed(new, previous, difference):
    assert rules.grant_difference(new, previous) == difference


@pytest.mark.parametrize(
    ("unit", "text"), [(1, "1円"), (1000, "1,000円"), (10_000, "1万円"), (100_000, "10万円")]
)
def test_rounding_units_read_naturally(unit, text):
    assert wording.format_unit(unit) == text


# ---------------------------------------------------------------------------------------------
# The workflow graph
# ---------------------------------------------------------------------------------------------

LEGAL = {
    Action.SUBMIT: {Status.DRAFT: Status.SUBMITTED, Status.RETURNED: Status.SUBMITTED},
    Action.START_REVIEW: {Status.SUBMITTED: Status.UNDER_REVIEW},
    Action.RETURN: {Status.UNDER_REVIEW: Status.RETURNED},
    Action.FORWARD: {Status.UNDER_REVIEW: Status.FORWARDED},
    Action.SEND_BACK: {Status.FORWARDED: Status.UNDER_REVIEW},
    Action.APPROVE: {Status.FORWARDED: Status.APPROVED},
    Action.REJECT: {Status.FORWARDED: Status.REJECTED},
    Action.WITHDRAW: {
        s: Status.WITHDRAWN
        for s in (Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW, Status.RETURNED, Status.FORWARDED)
    },
    Action.REPORT_COMPLETION: {Status.APPROVED: Status.COMPLETION_REPORTED},
    Action.RETURN_COMPLETION: {Status.COMPLETION_REPORTED: Status.APPROVED},
    Action.CONFIRM: {Status.COMPLETION_REPORTED: Status.CONFIRMED},
    Action.PAY: {Status.CONFIRMED: Status.PAID},
}


@pytest.mark.parametrize("action", Action.values)
@pytest.mark.parametrize("status", Status.values)
def test_every_action_from_every_state_is_legal_exactly_as_the_graph_says(action, status):
    expected = LEGAL[action].get(status)
    if expected is None:
        with pytest.raises(IllegalTransition) as error:
            workflow.target_status(action, status)
        assert f"「{Status(status).label}」の申請は「{Action(action).label}」できません" in str(error.value)
    else:
        assert workflow.target_status(action, status) == expected


def test_nothing_leaves_a_final_state():
    for final in (Status.REJECTED, Status.PAID, Status.WITHDRAWN):
        assert workflow.actions_from(final) == []


def test_the_rules_module_reads_no_settings_database_or_clock():
    """rules.py is arithmetic on values passed in: every figure, year and date comes from its caller."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    forbidden = ("django.conf", "django.db", "django.utils.timezone", "models", "datetime", "time")
    assert not [m for m in imported if m.split(".")[-1] in forbidden or m.startswith(forbidden[:3])]
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"now", "today", "localdate", "objects"}
