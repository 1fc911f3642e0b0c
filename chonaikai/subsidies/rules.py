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

The breakdown's words are wording.py's. Each step keeps its line in Japanese (the record stored with
the application, whatever language the person acting had chosen, written by `wording.record_text`)
and a `phrase`: the sentence's name and figures, from which `wording.step_text` writes the line
again in the reader's language (「小計 30,000円 + 40,000円 = 70,000円」 / "Subtotal ¥30,000 + ¥40,000 =
¥70,000"). Error messages still go through the translation catalogue; nothing here reads the
settings, the database or the clock: every figure, year and date is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _

from .errors import BudgetExceeded, InvalidApplication
from .wording import format_yen, record_text


class Method:
    """How a category's amount is made (ProgrammeRule.method)."""

    RATE = "rate"  # expense lines × the kind's rate
    FLOOR_AREA = "floor_area"  # hall floor area × unit amount, plus rated lines (special works)
    PER_HOUSEHOLD = "per_household"  # member households × unit amount
    ALL = (RATE, FLOOR_AREA, PER_HOUSEHOLD)


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
    """One line of a breakdown: its text, the yen it results in, the figures used.

    `text` is the line in Japanese (the record, stored with the application). `phrase` names the
    sentence and holds its figures (see `wording.describe`), so that `wording.step_text` can write
    the line again in the reader's language; breakdowns stored before phrases existed show their
    `text`.
    """

    key: str  # kind, floor_area, households, subtotal, rounding, cap, tax, approved_cap, total, note
    text: str
    amount: int
    data: dict = field(default_factory=dict, compare=True, hash=False)
    phrase: dict = field(default_factory=dict, compare=False, hash=False)

    def as_dict(self) -> dict:
        result = {"key": self.key, "text": self.text, "amount": self.amount, "data": dict(self.data)}
        if self.phrase:
            result["phrase"] = dict(self.phrase)
        return result


def _step(key: str, amount: int, phrase: dict, data: dict | None = None) -> Step:
    """A Step whose stored text is the phrase in Japanese, whatever language is active."""
    return Step(key, record_text(phrase), amount, data or {}, phrase)


@dataclass(frozen=True)
class Breakdown:
    """An amount and how it was reached. Stored as JSON on applications and grant computations."""

    amount: int
    steps: tuple[Step, ...]
    cost: int = 0  # the sum of the expense lines
    needs_confirmation: bool = False
    category: str = ""

    def for_applicants(self) -> Breakdown:
        """The breakdown without the 「要綱で要確認」 note: whether the city still has to confirm a rule
        is the staff's marker, not a sentence for the people applying. The figures stay."""
        return replace(self, steps=tuple(step for step in self.steps if step.key != "note"))

    def as_dict(self) -> dict:
        """For storing: the lines in Japanese (the record) and the steps with their phrases."""
        return {
            "amount": self.amount,
            "cost": self.cost,
            "category": self.category,
            "needs_confirmation": self.needs_confirmation,
            "lines": [step.text for step in self.steps],
            "steps": [step.as_dict() for step in self.steps],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Breakdown:
        return cls(
            amount=data["amount"],
            cost=data.get("cost", 0),
            category=data.get("category", ""),
            needs_confirmation=data.get("needs_confirmation", False),
            steps=tuple(
                Step(s["key"], s["text"], s["amount"], s.get("data", {}), s.get("phrase", {}))
                for s in data["steps"]
            ),
        )


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
                _("経費の金額は0以上の整数（円）で入力してください（%(description)s）。")
                % {"description": line.description}
            )
        if rule.kind(line.kind) is None:
            names = _("、").join(k.name for k in rule.kinds) or _("なし")
            # Named by what the applicant typed: the kind's code is for programs (extra), not people.
            raise InvalidApplication(
                _(
                    "経費「%(description)s」の種類は%(programme)sでは使えません。使える種類（%(kinds)s）から選び直してください。"
                )
                % {"description": line.description, "programme": rule.name or _("この制度"), "kinds": names},
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
        steps.append(_step("note", 0, {"id": "note"}))
    terms: list[int] = []

    if rule.method == Method.FLOOR_AREA:
        if rule.per_m2_amount is None:
            raise ValueError("a floor-area rule needs per_m2_amount")
        if floor_area_m2 is None:
            steps.append(_step("floor_area", 0, {"id": "floor_area_missing"}))
            terms.append(0)
        else:
            area = Decimal(floor_area_m2)
            base = int((area * rule.per_m2_amount).to_integral_value(ROUND_FLOOR))
            steps.append(
                _step(
                    "floor_area",
                    base,
                    {"id": "floor_area", "area": str(area), "unit": rule.per_m2_amount, "amount": base},
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
            _step(
                "households",
                base,
                {
                    "id": "households",
                    "households": households,
                    "unit": rule.per_household_amount,
                    "amount": base,
                },
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
                _step("kind", 0, {"id": "kind_without_rate", "kind": kind.name, "base": total}, data)
            )
            continue
        n, d = kind.rate_numerator, kind.rate_denominator
        result = apply_rate(total, n, d)
        phrase = {
            "id": "kind",
            "kind": kind.name,
            "base": total,
            "numerator": n,
            "denominator": d,
            "result": result,
            "floored": bool(total * n % d),
        }
        steps.append(_step("kind", result, phrase, {**data, "numerator": n, "denominator": d}))
        terms.append(result)

    amount = sum(terms)
    if len(terms) > 1:
        steps.append(_step("subtotal", amount, {"id": "subtotal", "terms": terms, "amount": amount}))
    if rule.rounding_unit > 1:
        rounded = floor_to_unit(amount, rule.rounding_unit)
        steps.append(
            _step(
                "rounding",
                rounded,
                {"id": "rounding", "unit": rule.rounding_unit, "before": amount, "after": rounded},
                {"unit": rule.rounding_unit, "before": amount},
            )
        )
        amount = rounded
    if rule.cap is not None and amount > rule.cap:
        steps.append(
            _step(
                "cap",
                rule.cap,
                {"id": "cap", "cap": rule.cap, "before": amount},
                {"cap": rule.cap, "before": amount},
            )
        )
        amount = rule.cap
    if rule.tax_numerator is not None and rule.tax_denominator is not None:
        tax = apply_rate(amount, rule.tax_numerator, rule.tax_denominator)
        figures = {"base": amount, "numerator": rule.tax_numerator, "denominator": rule.tax_denominator}
        steps.append(_step("tax", tax, {"id": "tax", **figures, "tax": tax}, figures))
        amount += tax
    steps.append(_step("total", amount, {"id": "total", "amount": amount}))
    return Breakdown(
        amount=amount,
        steps=tuple(steps),
        cost=sum(line.amount for line in lines),
        needs_confirmation=rule.needs_confirmation,
        category=rule.code,
    )


# The inputs of the worked example on a programme's page (the amounts follow the rule's cap; the
# results are always compute_amount's).
EXAMPLE_FLOOR_AREA = Decimal(100)
_EXAMPLE_BASE_WITHOUT_CAP = 300_000
_EXAMPLE_SHARES = (3, 9)  # tenths of the cap for the first and second kind with a rate


@dataclass(frozen=True)
class WorkedExample:
    lines: tuple[Line, ...]
    floor_area_m2: Decimal | None
    breakdown: Breakdown


def worked_example(rule: CategoryRule) -> WorkedExample:
    """An example for applicants, computed by compute_amount from the rule itself: a line for each of
    (up to) two kinds with a rate, of 3/10 and 9/10 of the cap (rounded to ¥1,000), and 100 m² of
    floor area for a floor-area rule. Changing a rate or the cap changes the example."""
    base = rule.cap or _EXAMPLE_BASE_WITHOUT_CAP
    rated = [k for k in rule.kinds if k.has_rate][: len(_EXAMPLE_SHARES)]
    lines = tuple(
        Line(kind=k.code, amount=max(base * share // 10 // 1_000 * 1_000, 1_000), description=k.name)
        for k, share in zip(rated, _EXAMPLE_SHARES, strict=False)
    )
    area = EXAMPLE_FLOOR_AREA if rule.method == Method.FLOOR_AREA else None
    breakdown = compute_amount(
        rule,
        lines=lines,
        floor_area_m2=area,
        member_households=None if rule.method != Method.PER_HOUSEHOLD else 100,
    )
    return WorkedExample(lines=lines, floor_area_m2=area, breakdown=breakdown)


def limit_to_approved(breakdown: Breakdown, approved_amount: int) -> Breakdown:
    """額の確定: the amount on actual costs, never above the approved amount (交付決定額)."""
    if breakdown.amount <= approved_amount:
        return breakdown
    steps = [s for s in breakdown.steps if s.key != "total"]
    steps.append(
        _step(
            "approved_cap",
            approved_amount,
            {"id": "approved_cap", "approved": approved_amount, "before": breakdown.amount},
            {"approved_amount": approved_amount, "before": breakdown.amount},
        )
    )
    steps.append(_step("total", approved_amount, {"id": "total", "amount": approved_amount}))
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
    if budget is None:
        if programme_name:
            message = _(
                "%(programme)sの予算額が登録されていません。市の管理者が予算額を登録してから交付決定してください。"
            ) % {"programme": programme_name}
        else:
            message = _("予算額が登録されていません。市の管理者が予算額を登録してから交付決定してください。")
        raise BudgetExceeded(message)
    remaining = budget - committed
    if amount > remaining:
        figures = {
            "budget": format_yen(budget),
            "committed": format_yen(committed),
            "remaining": format_yen(max(remaining, 0)),
            "amount": format_yen(amount),
        }
        if programme_name:
            message = _(
                "%(programme)sの予算の残額が足りません: 予算額 %(budget)s、交付決定済み %(committed)s、"
                "残額 %(remaining)s に対して %(amount)s の交付決定はできません。"
            ) % {"programme": programme_name, **figures}
        else:
            message = (
                _(
                    "予算の残額が足りません: 予算額 %(budget)s、交付決定済み %(committed)s、"
                    "残額 %(remaining)s に対して %(amount)s の交付決定はできません。"
                )
                % figures
            )
        raise BudgetExceeded(
            message,
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


# ---------------------------------------------------------------------------------------------
# 住民組織助成金: recomputations
# ---------------------------------------------------------------------------------------------


def grant_difference(new_amount: int, previous_amount: int | None) -> int:
    """What a recomputation changes: new − previously computed (the whole amount the first time)."""
    return new_amount - (previous_amount or 0)
