"""Subsidy arithmetic: an amount from a programme's rule rows and the expense lines, every step written out.

Pure functions on plain dataclasses: no queries, no settings, no constants of any programme. The
rates, caps, rounding units and unit amounts are data (ProgrammeRule / ExpenseKindRule rows a city
administrator edits per fiscal year); selectors turn those rows into the dataclasses below.

How an amount is computed (the same order for every programme, so that one breakdown format serves
all of them):

1. Terms. Per expense kind: the sum of that kind's lines × the kind's rate (numerator/denominator),
   rounded down to the yen. The rate applies to the kind's sum, not line by line, so that 2/3 of
   three lines of ¥1 is ¥2 and not ¥0 (the applicant's favour, and how a 補助対象経費 total is
   normally multiplied). A kind without a rate is recorded as cost but adds nothing. Per-m² rules
   add 延床面積 × unit amount (rounded down to the yen); per-household rules add households × unit
   amount.
2. Subtotal of the terms, rounded down to the rule's rounding unit (1 = the yen, 10,000 = 1万円).
3. The cap, if any, applied to that (before tax).
4. Consumption tax, where the rule adds it separately: subtotal × tax rate, rounded down to the yen.

Money is whole yen (int) throughout. Rates are fractions of ints; nothing is a float.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from chonaikai.associations.rules import fiscal_year_label

from .errors import BudgetExceeded, InvalidApplication


class Method:
    """How a category's amount is made (ProgrammeRule.method)."""

    RATE = "rate"  # expense lines × the kind's rate
    FLOOR_AREA = "floor_area"  # hall floor area × unit amount, plus rated lines (special works)
    PER_HOUSEHOLD = "per_household"  # member households × unit amount
    ALL = (RATE, FLOOR_AREA, PER_HOUSEHOLD)


NEEDS_CONFIRMATION_LABEL = "要綱で要確認"


@dataclass(frozen=True)
class KindRule:
    """One kind of expense a category accepts, and its rate (None: cost recorded, not subsidised)."""

    code: str
    name: str
    rate_numerator: int | None = None
    rate_denominator: int | None = None

    @property
    def has_rate(self) -> bool:
        return self.rate_numerator is not None and self.rate_denominator is not None


@dataclass(frozen=True)
class CategoryRule:
    """A category's rule for one fiscal year (a ProgrammeRule row and its ExpenseKindRule rows)."""

    code: str
    name: str
    method: str = Method.RATE
    kinds: tuple[KindRule, ...] = ()
    cap: int | None = None
    rounding_unit: int = 1
    per_m2_amount: int | None = None
    per_household_amount: int | None = None
    tax_numerator: int | None = None
    tax_denominator: int | None = None
    needs_confirmation: bool = False
    repeat_grant_interval_years: int | None = None
    requires_hall: bool = False

    def kind(self, code: str) -> KindRule | None:
        return next((k for k in self.kinds if k.code == code), None)


@dataclass(frozen=True)
class Line:
    """An expense line: what it is for, its kind (KindRule.code) and its amount in yen."""

    kind: str
    amount: int
    description: str = ""


@dataclass(frozen=True)
class Step:
    """One line of a breakdown: the Japanese text shown, the yen it results in, the figures used."""

    key: str  # kind, floor_area, households, subtotal, rounding, cap, tax, approved_cap, total, note
    text: str
    amount: int
    data: dict = field(default_factory=dict, compare=True, hash=False)

    def as_dict(self) -> dict:
        return {"key": self.key, "text": self.text, "amount": self.amount, "data": dict(self.data)}


@dataclass(frozen=True)
class Breakdown:
    """An amount and how it was reached. Stored as JSON on applications and grant computations."""

    amount: int
    steps: tuple[Step, ...]
    cost: int = 0  # the sum of the expense lines
    needs_confirmation: bool = False
    category: str = ""

    @property
    def lines(self) -> list[str]:
        """The breakdown as Japanese lines, e.g. 「報償費・役務費・委託費 30,000円 × 10/10 = 30,000円」."""
        return [step.text for step in self.steps]

    def as_dict(self) -> dict:
        return {
            "amount": self.amount,
            "cost": self.cost,
            "category": self.category,
            "needs_confirmation": self.needs_confirmation,
            "lines": self.lines,
            "steps": [step.as_dict() for step in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Breakdown:
        return cls(
            amount=data["amount"],
            cost=data.get("cost", 0),
            category=data.get("category", ""),
            needs_confirmation=data.get("needs_confirmation", False),
            steps=tuple(Step(s["key"], s["text"], s["amount"], s.get("data", {})) for s in data["steps"]),
        )


# ---------------------------------------------------------------------------------------------
# Formatting (the breakdown's words)
# ---------------------------------------------------------------------------------------------


def format_yen(amount: int) -> str:
    """30000 → 「30,000円」."""
    return f"{amount:,}円"


def format_unit(unit: int) -> str:
    """A rounding unit in words: 10000 → 「1万円」, 1000 → 「1,000円」."""
    if unit >= 10_000 and unit % 10_000 == 0:
        return f"{unit // 10_000:,}万円"
    return format_yen(unit)


def format_area(area: Decimal) -> str:
    return f"{area:,.2f}m²"


# ---------------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------------


def apply_rate(amount: int, numerator: int, denominator: int) -> int:
    """amount × numerator / denominator, rounded down to the yen (exact integer arithmetic)."""
    if denominator <= 0 or numerator < 0 or amount < 0:
        raise ValueError("rates and amounts must not be negative, denominators must be positive")
    return amount * numerator // denominator


def floor_to_unit(amount: int, unit: int) -> int:
    """Round `amount` down to a multiple of `unit` (1 = the yen)."""
    if unit < 1:
        raise ValueError("the rounding unit is at least 1 yen")
    return amount // unit * unit


def _check_lines(rule: CategoryRule, lines: Sequence[Line]) -> None:
    for line in lines:
        if isinstance(line.amount, bool) or not isinstance(line.amount, int) or line.amount < 0:
            raise InvalidApplication(
                f"経費の金額は0以上の整数（円）で入力してください（{line.description}）。"
            )
        if rule.kind(line.kind) is None:
            names = "、".join(k.name for k in rule.kinds) or "なし"
            raise InvalidApplication(
                f"経費の種類「{line.kind}」は{rule.name or 'この制度'}では使えません（使える種類: {names}）。",
                extra={"kind": line.kind},
            )


def compute_amount(
    rule: CategoryRule,
    *,
    lines: Iterable[Line] = (),
    floor_area_m2: Decimal | None = None,
    member_households: int | None = None,
) -> Breakdown:
    """The subsidy for `lines` under `rule`, with the breakdown (see the module docstring for the order).

    `floor_area_m2` is for FLOOR_AREA rules (from the hall register) and `member_households` for
    PER_HOUSEHOLD rules. Unknown expense kinds and negative amounts raise InvalidApplication.
    """
    lines = list(lines)
    _check_lines(rule, lines)
    steps: list[Step] = []
    if rule.needs_confirmation:
        steps.append(
            Step(
                "note",
                f"※ この区分の算定基準は「{NEEDS_CONFIRMATION_LABEL}」です（市の管理者が確認するまでの仮の基準）。",
                0,
            )
        )
    terms: list[int] = []

    if rule.method == Method.FLOOR_AREA:
        if rule.per_m2_amount is None:
            raise ValueError("a floor-area rule needs per_m2_amount")
        if floor_area_m2 is None:
            steps.append(Step("floor_area", "基本額: 会館の延床面積が未登録のため計算できません（0円）", 0))
            terms.append(0)
        else:
            area = Decimal(floor_area_m2)
            base = int((area * rule.per_m2_amount).to_integral_value(ROUND_FLOOR))
            steps.append(
                Step(
                    "floor_area",
                    f"基本額 延床面積 {format_area(area)} × {format_yen(rule.per_m2_amount)} = {format_yen(base)}",
                    base,
                    {"floor_area_m2": str(area), "per_m2_amount": rule.per_m2_amount},
                )
            )
            terms.append(base)
    elif rule.method == Method.PER_HOUSEHOLD:
        if rule.per_household_amount is None:
            raise ValueError("a per-household rule needs per_household_amount")
        households = member_households or 0
        base = households * rule.per_household_amount
        steps.append(
            Step(
                "households",
                f"加入世帯数 {households:,}世帯 × {format_yen(rule.per_household_amount)} = {format_yen(base)}",
                base,
                {"member_households": households, "per_household_amount": rule.per_household_amount},
            )
        )
        terms.append(base)
    elif rule.method != Method.RATE:
        raise ValueError(f"unknown method {rule.method!r}")

    for kind in rule.kinds:
        kind_lines = [line for line in lines if line.kind == kind.code]
        if not kind_lines:
            continue
        total = sum(line.amount for line in kind_lines)
        data = {"kind": kind.code, "base": total, "lines": len(kind_lines)}
        if not kind.has_rate:
            steps.append(
                Step(
                    "kind",
                    f"{kind.name} {format_yen(total)}（補助率の定めなし: 補助額に算入しません）",
                    0,
                    data,
                )
            )
            continue
        n, d = kind.rate_numerator, kind.rate_denominator
        result = apply_rate(total, n, d)
        text = f"{kind.name} {format_yen(total)} × {n}/{d} = {format_yen(result)}"
        if total * n % d:
            text += "（1円未満切り捨て）"
        steps.append(Step("kind", text, result, {**data, "numerator": n, "denominator": d}))
        terms.append(result)

    amount = sum(terms)
    if len(terms) > 1:
        steps.append(
            Step(
                "subtotal", f"小計 {' + '.join(format_yen(t) for t in terms)} = {format_yen(amount)}", amount
            )
        )
    if rule.rounding_unit > 1:
        rounded = floor_to_unit(amount, rule.rounding_unit)
        steps.append(
            Step(
                "rounding",
                f"{format_unit(rule.rounding_unit)}未満切り捨て {format_yen(amount)} → {format_yen(rounded)}",
                rounded,
                {"unit": rule.rounding_unit, "before": amount},
            )
        )
        amount = rounded
    if rule.cap is not None and amount > rule.cap:
        steps.append(
            Step(
                "cap",
                f"上限額 {format_yen(rule.cap)} を適用 {format_yen(amount)} → {format_yen(rule.cap)}",
                rule.cap,
                {"cap": rule.cap, "before": amount},
            )
        )
        amount = rule.cap
    if rule.tax_numerator is not None and rule.tax_denominator is not None:
        tax = apply_rate(amount, rule.tax_numerator, rule.tax_denominator)
        steps.append(
            Step(
                "tax",
                f"消費税相当額 {format_yen(amount)} × {rule.tax_numerator}/{rule.tax_denominator} = {format_yen(tax)}",
                tax,
                {"base": amount, "numerator": rule.tax_numerator, "denominator": rule.tax_denominator},
            )
        )
        amount += tax
    steps.append(Step("total", f"補助額 {format_yen(amount)}", amount))
    return Breakdown(
        amount=amount,
        steps=tuple(steps),
        cost=sum(line.amount for line in lines),
        needs_confirmation=rule.needs_confirmation,
        category=rule.code,
    )


def limit_to_approved(breakdown: Breakdown, approved_amount: int) -> Breakdown:
    """額の確定: the amount on actual costs, never above the approved amount (交付決定額)."""
    if breakdown.amount <= approved_amount:
        return breakdown
    steps = [s for s in breakdown.steps if s.key != "total"]
    steps.append(
        Step(
            "approved_cap",
            f"交付決定額 {format_yen(approved_amount)} を上限 {format_yen(breakdown.amount)} → {format_yen(approved_amount)}",
            approved_amount,
            {"approved_amount": approved_amount, "before": breakdown.amount},
        )
    )
    steps.append(Step("total", f"補助額 {format_yen(approved_amount)}", approved_amount))
    return Breakdown(
        amount=approved_amount,
        steps=tuple(steps),
        cost=breakdown.cost,
        needs_confirmation=breakdown.needs_confirmation,
        category=breakdown.category,
    )


# ---------------------------------------------------------------------------------------------
# Budget
# ---------------------------------------------------------------------------------------------


def check_budget(*, budget: int | None, committed: int, amount: int, programme_name: str = "") -> int:
    """The budget left after granting `amount`; BudgetExceeded when it would go below zero.

    `committed`: what the fiscal year's grants already take (approved amounts, or the confirmed
    or paid amount once known). A programme without a budget amount cannot grant anything.
    """
    label = f"{programme_name}の" if programme_name else ""
    if budget is None:
        raise BudgetExceeded(
            f"{label}予算額が登録されていません。市の管理者が予算額を登録してから交付決定してください。"
        )
    remaining = budget - committed
    if amount > remaining:
        raise BudgetExceeded(
            f"{label}予算の残額が足りません: 予算額 {format_yen(budget)}、交付決定済み {format_yen(committed)}、"
            f"残額 {format_yen(max(remaining, 0))} に対して {format_yen(amount)} の交付決定はできません。",
            extra={"budget": budget, "committed": committed, "remaining": remaining, "amount": amount},
        )
    return remaining - amount


# ---------------------------------------------------------------------------------------------
# Meeting halls: no new grant too soon after the last one
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EarlierGrant:
    """A grant a hall received: in this system (an application) or recorded from earlier files."""

    fiscal_year: int
    label: str  # names it, e.g. 「市民集会施設建築費補助金（修繕）申請番号 2021-meeting_hall-00012」


def repeat_grant_blocker(
    *, fiscal_year: int, interval_years: int | None, earlier: Iterable[EarlierGrant]
) -> EarlierGrant | None:
    """The most recent earlier grant that is fewer than `interval_years` fiscal years before `fiscal_year`.

    Years are counted in fiscal years: with an interval of 10, a grant of FY2016 blocks FY2025 and
    allows FY2026. None when nothing blocks (or the rule sets no interval).
    """
    if interval_years is None:
        return None
    blocking = [g for g in earlier if fiscal_year - g.fiscal_year < interval_years]
    return max(blocking, key=lambda g: g.fiscal_year) if blocking else None


def repeat_grant_message(*, hall_name: str, blocker: EarlierGrant, interval_years: int) -> str:
    return (
        f"会館「{hall_name}」には{fiscal_year_label(blocker.fiscal_year)}に{blocker.label}が交付されています。"
        f"同じ会館への次の補助は{interval_years}年度後の"
        f"{fiscal_year_label(blocker.fiscal_year + interval_years)}以降です。"
    )


# ---------------------------------------------------------------------------------------------
# 住民組織助成金: recomputations
# ---------------------------------------------------------------------------------------------


def grant_difference(new_amount: int, previous_amount: int | None) -> int:
    """What a recomputation changes: new − previously computed (the whole amount the first time)."""
    return new_amount - (previous_amount or 0)
