"""The subsidy app's words: states and actions, amounts, dates and the lines of a breakdown.

Everything a person reads about an application that is not a template lives here; rules.py does the
arithmetic and takes its words from this module.

States and actions name an organisation: the loaded city's, not fixed ones.

The choices in workflow.py keep one fixed label each; the model fields' choices (status_choices,
action_choices: callables, so migrations name no city's word), the pages, e-mails, exports and
messages show these instead, which put in the loaded city's words for
its area and area office (labels(): 区 / 区役所 in a city with wards, 市 / 市役所 where the city is its
own one area) and, where it matters, say what the programme's review path means for the applicant.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import formats
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext, gettext_lazy, override
from django.utils.translation import gettext as _

from chonaikai.calendar import fiscal_year_label, japanese_date
from chonaikai.cities.current import labels
from chonaikai.cities.texts import labelled

from .workflow import Action, ReviewPath, Status

if TYPE_CHECKING:
    from . import rules

NEEDS_CONFIRMATION_LABEL = gettext_lazy("要綱で要確認")
# The states and actions whose names hold the city's words; the others keep workflow.py's label.
CITY_WORDED_STATES = {Status.UNDER_REVIEW: labelled(gettext_lazy("%(area)sで審査中"))}
CITY_WORDED_ACTIONS = {Action.SEND_BACK: labelled(gettext_lazy("%(area)sへ戻す"))}


def status_label(status: str) -> str:
    """The state in words. 「区で審査中」 is the area office's stage, named with the city's word."""
    return str(CITY_WORDED_STATES.get(status, Status(status).label))


def action_label(action: str) -> str:
    """The action in words. 「区へ戻す」 names the area with the city's word."""
    return str(CITY_WORDED_ACTIONS.get(action, Action(action).label))


def status_choices():
    """The states with their names in the city's words (the choices of Application.status …)."""
    return [(status.value, CITY_WORDED_STATES.get(status, status.label)) for status in Status]


def action_choices():
    """The actions with their names in the city's words (the choices of Transition.action)."""
    return [(action.value, CITY_WORDED_ACTIONS.get(action, action.label)) for action in Action]


def programme_reviewer(programme) -> str:
    """Who checks a programme's applications, in the city's words: the area office (区役所) on an
    area_then_city programme, the city's department in charge on a city_only one."""
    words = labels()
    if programme.review_path == ReviewPath.CITY_ONLY:
        return words.department or gettext("市")
    return words.area_office


def reviewer(application) -> str:
    """Who checks the application (programme_reviewer of its programme)."""
    return programme_reviewer(application.programme)


def status_help(application) -> str:
    """What the application's state means for the association, in plain words (their pages, the
    printout). Who checks it depends on the programme's review path."""
    status = application.status
    if application.programme.review_path == ReviewPath.CITY_ONLY:
        city_only = {
            Status.SUBMITTED: gettext("提出しました。市の確認を待っています。"),
            Status.RETURNED: gettext("市から修正の依頼があります。内容を直して、もう一度提出してください。"),
            Status.FORWARDED: gettext("市で内容を確認・審査しています。"),
        }
        if status in city_only:
            return city_only[status]
    office = {"office": labels().area_office}
    texts = {
        Status.DRAFT: gettext("まだ提出していません。続きを入力して、最後に「提出する」を押してください。"),
        Status.SUBMITTED: gettext("提出しました。%(office)sの確認を待っています。") % office,
        Status.UNDER_REVIEW: gettext("%(office)sで内容を確認しています。") % office,
        Status.RETURNED: gettext(
            "%(office)sから修正の依頼があります。内容を直して、もう一度提出してください。"
        )
        % office,
        Status.FORWARDED: gettext("%(office)sの確認が終わり、市で審査しています。") % office,
        Status.APPROVED: gettext("補助金の交付が決まりました。事業が終わったら「実績報告」をしてください。"),
        Status.REJECTED: gettext("補助金は交付されないことになりました。理由は下に書いてあります。"),
        Status.COMPLETION_REPORTED: gettext("実績報告を受け付けました。市で補助金の額を確定します。"),
        Status.CONFIRMED: gettext("補助金の額が確定しました。支払いまでお待ちください。"),
        Status.PAID: gettext("補助金を支払いました。"),
        Status.WITHDRAWN: gettext("この申請は取り下げました。"),
    }
    return texts[status]


def _area_words() -> dict[str, str]:
    words = labels()
    return {"area": words.area, "office": words.area_office}


def with_area(text_fn) -> str:
    """A lazy text built when shown: `text_fn(words)` gets {"area": …, "office": …} of the loaded city
    (for texts written at import time, such as a page's button labels)."""
    return lazy(lambda: text_fn(_area_words()), str)()


# ---------------------------------------------------------------------------------------------
# Amounts as people write and read them
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


def rate_text(kind: rules.KindRule) -> str:
    """A kind's rate for applicants: 「10/10（全額）」「2/3」, or that it is not subsidised."""
    if not kind.has_rate:
        return _("補助の対象外（費用として記入）")
    if kind.rate_numerator == kind.rate_denominator:
        return _("%(n)s/%(d)s（全額）") % {"n": kind.rate_numerator, "d": kind.rate_denominator}
    return f"{kind.rate_numerator}/{kind.rate_denominator}"


def repeat_grant_message(*, hall_name: str, blocker: rules.EarlierGrant, interval_years: int) -> str:
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
# The lines of a breakdown (rules.Step / rules.Breakdown)
# ---------------------------------------------------------------------------------------------


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


def record_text(phrase: dict) -> str:
    """A breakdown line in Japanese, whatever language is active: the text stored with the record."""
    with override("ja"):
        return describe(phrase)


def step_text(step: rules.Step) -> str:
    """A breakdown line in the active language: in Japanese the stored text itself (the record as it
    was computed, even if a sentence's wording changes later); in another language the phrase
    written again, or the stored text where there is no phrase or it is no longer known."""
    if not step.phrase or get_language() == settings.LANGUAGE_CODE:
        return step.text
    try:
        return describe(step.phrase)
    except (ValueError, KeyError):
        return step.text


def breakdown_lines(breakdown: rules.Breakdown) -> list[str]:
    """The breakdown in the active language, e.g. 「報償費・役務費・委託費 30,000円 × 10/10 = 30,000円」."""
    return [step_text(step) for step in breakdown.steps]
