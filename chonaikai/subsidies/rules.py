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

The breakdown's words go through Django's translation. Each step keeps its line in Japanese (the
record stored with the application, whatever language the person acting had chosen) and a
`phrase`: the sentence's name and figures, from which `Step.display` writes the line again in the
reader's language (「小計 30,000円 + 40,000円 = 70,000円」 / "Subtotal ¥30,000 + ¥40,000 = ¥70,000").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from chonaikai.calendar import fiscal_year_label, japanese_date

from .errors import BudgetExceeded, InvalidApplication


class Method:
    """How a category's amount is made (ProgrammeRule.method)."""

    RATE = "rate"  # expense lines × the kind's rate
    FLOOR_AREA = "floor_area"  # hall floor area × unit amount, plus rated lines (special works)
    PER_HOUSEHOLD = "per_household"  # member households × unit amount
    ALL = (RATE, FLOOR_AREA, PER_HOUSEHOLD)


NEEDS_CONFIRMATION_LABEL = gettext_lazy("要綱で要確認")


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
    sentence and holds its figures (see `describe`), so that `display` can write the line again in
    the reader's language; breakdowns stored before phrases existed show their `text`.
    """

    key: str  # kind, floor_area, households, subtotal, rounding, cap, tax, approved_cap, total, note
    text: str
    amount: int
    data: dict = field(default_factory=dict, compare=True, hash=False)
    phrase: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def display(self) -> str:
        """The line in the active language: in Japanese the stored text itself (the record as it
        was computed, even if a sentence's wording changes later); in another language the phrase
        written again, or the stored text where there is no phrase or it is no longer known."""
        if not self.phrase or get_language() == settings.LANGUAGE_CODE:
            return self.text
        try:
            return describe(self.phrase)
        except (ValueError, KeyError):
            return self.text

    def as_dict(self) -> dict:
        result = {"key": self.key, "text": self.text, "amount": self.amount, "data": dict(self.data)}
        if self.phrase:
            result["phrase"] = dict(self.phrase)
        return result


def _step(key: str, amount: int, phrase: dict, data: dict | None = None) -> Step:
    """A Step whose stored text is the phrase in Japanese, whatever language is active."""
    with override("ja"):
        text = describe(phrase)
    return Step(key, text, amount, data or {}, phrase)


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
        """The breakdown in the active language, e.g. 「報償費・役務費・委託費 30,000円 × 10/10 = 30,000円」."""
        return [step.display for step in self.steps]

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
# Formatting (the breakdown's words)
# ---------------------------------------------------------------------------------------------


def format_yen(amount: int) -> str:
    """30000 → 「30,000円」 (English: ¥30,000); a negative amount keeps its sign in front: -¥1,200."""
    sign = "-" if amount < 0 else ""
    return sign + _("%(amount)s円") % {"amount": f"{abs(amount):,}"}


class AmountNotReadable(ValueError):
    """parse_yen could not read an amount: `reason` is "invalid" (not whole yen) or "negative"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# 「1億2000万円」「12万3,000円」「3.5万円」「5千円」: the units in their order, each optional.
_AMOUNT = re.compile(
    r"^(?:(?P<oku>\d+(?:\.\d+)?)億)?(?:(?P<man>\d+(?:\.\d+)?)万)?(?:(?P<sen>\d+(?:\.\d+)?)千)?(?P<yen>\d+)?$"  # i18n: data
)
_UNIT_VALUES = {"oku": 100_000_000, "man": 10_000, "sen": 1_000, "yen": 1}
# Signs typed for minus: hyphen, minus sign, 長音 (a common slip), hyphen and en dash.
_MINUS = ("-", "\u2212", "\u30fc", "\u2010", "\u2013")  # i18n: data
_SPACES_AND_SEPARATORS = str.maketrans("", "", " ,\u3000")  # i18n: data


def parse_yen(text: str) -> int:
    """An amount of whole yen as people write it: 「120万円」「１２０，０００」「¥30,000」「12万3000」.

    Full-width digits, commas, spaces, 円, ¥ and the units 億・万・千 are read; a fraction that
    does not come to whole yen, anything else, and a negative amount raise AmountNotReadable.
    """
    t = unicodedata.normalize("NFKC", str(text)).translate(_SPACES_AND_SEPARATORS)
    t = t.removeprefix("¥").removeprefix("\\").removesuffix("円")  # i18n: data (the unit as typed)
    negative = t.startswith(_MINUS)
    if negative:
        t = t[1:]
    match = _AMOUNT.match(t)
    if not t or match is None or not any(match.groupdict().values()):
        raise AmountNotReadable("invalid")
    total = sum(
        (Decimal(value) * _UNIT_VALUES[unit] for unit, value in match.groupdict().items() if value),
        Decimal(0),
    )
    if total != total.to_integral_value():
        raise AmountNotReadable("invalid")
    if negative and total:
        raise AmountNotReadable("negative")
    return int(total)


def _japanese() -> bool:
    """Whether the active language is Japanese (the default, and the language of the records)."""
    return (get_language() or "ja").startswith("ja")


def format_unit(unit: int) -> str:
    """A rounding unit in words: 10000 → 「1万円」, 1000 → 「1,000円」 (other languages write the yen out)."""
    if unit >= 10_000 and unit % 10_000 == 0 and _japanese():
        return _("%(man)s万円") % {"man": f"{unit // 10_000:,}"}
    return format_yen(unit)


def fiscal_year_text(fiscal_year: int) -> str:
    """A fiscal year for people: 「令和8年度」 in Japanese, 「FY2026」 in other languages."""
    if _japanese():
        return fiscal_year_label(fiscal_year)
    return _("FY%(year)s") % {"year": fiscal_year}


def date_text(day) -> str:
    """A date for people: 「令和8年1月1日」 in Japanese, the Western date in other languages."""
    if _japanese():
        try:
            return japanese_date(day)
        except ValueError:  # before 昭和: no era label
            pass
    return formats.date_format(day, "DATE_FORMAT")


def format_area(area: Decimal) -> str:
    return f"{area:,.2f}m²"


def describe(phrase: dict) -> str:
    """A breakdown line in the active language from its phrase: {"id": sentence, figures...}."""
    p, yen = phrase, format_yen
    match p["id"]:
        case "note":
            return _("※ この区分の算定基準は「%(label)s」です（市の管理者が確認するまでの仮の基準）。") % {
                "label": NEEDS_CONFIRMATION_LABEL
            }
        case "floor_area_missing":
            return _("基本額: 会館の延床面積が未登録のため計算できません（%(zero)s）") % {"zero": yen(0)}
        case "floor_area":
            return _("基本額 延床面積 %(area)s × %(unit)s = %(amount)s") % {
                "area": format_area(Decimal(p["area"])),
                "unit": yen(p["unit"]),
                "amount": yen(p["amount"]),
            }
        case "households":
            return _("加入世帯数 %(households)s世帯 × %(unit)s = %(amount)s") % {
                "households": f"{p['households']:,}",
                "unit": yen(p["unit"]),
                "amount": yen(p["amount"]),
            }
        case "kind_without_rate":
            return _("%(kind)s %(amount)s（補助率の定めなし: 補助額に算入しません）") % {
                "kind": p["kind"],
                "amount": yen(p["base"]),
            }
        case "kind":
            text = _("%(kind)s %(amount)s × %(numerator)s/%(denominator)s = %(result)s") % {
                "kind": p["kind"],
                "amount": yen(p["base"]),
                "numerator": p["numerator"],
                "denominator": p["denominator"],
                "result": yen(p["result"]),
            }
            return text + _("（1円未満切り捨て）") if p.get("floored") else text
        case "subtotal":
            return _("小計 %(terms)s = %(amount)s") % {
                "terms": " + ".join(yen(t) for t in p["terms"]),
                "amount": yen(p["amount"]),
            }
        case "rounding":
            return _("%(unit)s未満切り捨て %(before)s → %(after)s") % {
                "unit": format_unit(p["unit"]),
                "before": yen(p["before"]),
                "after": yen(p["after"]),
            }
        case "cap":
            return _("上限額 %(cap)s を適用 %(before)s → %(cap)s") % {
                "cap": yen(p["cap"]),
                "before": yen(p["before"]),
            }
        case "tax":
            return _("消費税相当額 %(base)s × %(numerator)s/%(denominator)s = %(tax)s") % {
                "base": yen(p["base"]),
                "numerator": p["numerator"],
                "denominator": p["denominator"],
                "tax": yen(p["tax"]),
            }
        case "approved_cap":
            return _("交付決定額 %(approved)s を上限 %(before)s → %(approved)s") % {
                "approved": yen(p["approved"]),
                "before": yen(p["before"]),
            }
        case "total":
            return _("補助額 %(amount)s") % {"amount": yen(p["amount"])}
    raise ValueError(f"unknown breakdown phrase {p['id']!r}")


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


def rate_text(kind: KindRule) -> str:
    """A kind's rate for applicants: 「10/10（全額）」「2/3」, or that it is not subsidised."""
    if not kind.has_rate:
        return _("補助の対象外（費用として記入）")
    if kind.rate_numerator == kind.rate_denominator:
        return _("%(n)s/%(d)s（全額）") % {"n": kind.rate_numerator, "d": kind.rate_denominator}
    return f"{kind.rate_numerator}/{kind.rate_denominator}"


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


def repeat_grant_message(*, hall_name: str, blocker: EarlierGrant, interval_years: int) -> str:
    return _(
        "会館「%(hall)s」には%(fiscal_year)sに%(grant)sが交付されています。"
        "同じ会館への次の補助は%(years)s年度後の%(next_fiscal_year)s以降です。"
    ) % {
        "hall": hall_name,
        "fiscal_year": fiscal_year_text(blocker.fiscal_year),
        "grant": blocker.label,
        "years": interval_years,
        "next_fiscal_year": fiscal_year_text(blocker.fiscal_year + interval_years),
    }


# ---------------------------------------------------------------------------------------------
# 住民組織助成金: recomputations
# ---------------------------------------------------------------------------------------------


def grant_difference(new_amount: int, previous_amount: int | None) -> int:
    """What a recomputation changes: new − previously computed (the whole amount the first time)."""
    return new_amount - (previous_amount or 0)
