"""The one place for membership arithmetic, fiscal years and Japanese eras.

Pure functions: no queries, no settings. Every page, API view, command and task that shows a
membership rate, a fiscal year or an era date calls these.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import jaconv

# ---------------------------------------------------------------------------------------------
# Membership rate (加入率)
# ---------------------------------------------------------------------------------------------

RATE_QUANTUM = Decimal("0.01")


def membership_rate(member_households: int | None, households: int | None) -> Decimal | None:
    """加入率 in percent, rounded half-up to two decimals.

    Returns None ("no rate") when there are no households to divide by, or when either figure is
    missing. Member households may exceed households (some associations count businesses as
    members), so a rate above 100 is returned as is: the data-entry checks warn about it.
    """
    if member_households is None or households is None or households <= 0:
        return None
    return (Decimal(member_households) * 100 / Decimal(households)).quantize(RATE_QUANTUM, ROUND_HALF_UP)


def rate_change(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """Change in percentage points between two rates; None if either rate is missing."""
    if current is None or previous is None:
        return None
    return (current - previous).quantize(RATE_QUANTUM, ROUND_HALF_UP)


class Denominator:
    """Which households a rate divides by. The two are never mixed silently."""

    AREA = (
        "area_households"  # 区域内世帯数: households in the associations' areas (the city's published rate)
    )
    REGISTRY = "registry_households"  # 住民基本台帳世帯数: the ward's registry total


# ---------------------------------------------------------------------------------------------
# Fiscal years (年度): 1 April to 31 March
# ---------------------------------------------------------------------------------------------

FISCAL_YEAR_START_MONTH = 4


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year containing `day`: 2023-01-01 → 2022, 2023-04-01 → 2023."""
    return day.year if day.month >= FISCAL_YEAR_START_MONTH else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of a fiscal year."""
    return dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)


def survey_date_of_fiscal_year(fiscal_year: int) -> dt.date:
    """The 1 January survey date that belongs to a fiscal year (FY2022 → 2023-01-01)."""
    return dt.date(fiscal_year + 1, 1, 1)


# ---------------------------------------------------------------------------------------------
# Japanese eras (和暦)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Era:
    name: str
    romaji: str
    start: dt.date


# Newest first. Associations were founded under 昭和, so it is included for founding dates.
ERAS = (
    Era("令和", "Reiwa", dt.date(2019, 5, 1)),
    Era("平成", "Heisei", dt.date(1989, 1, 8)),
    Era("昭和", "Showa", dt.date(1926, 12, 25)),
)


def era_of(day: dt.date) -> tuple[Era, int]:
    """The era in force on `day` and the year within it (1 for the first year, 元年)."""
    for era in ERAS:
        if day >= era.start:
            return era, day.year - era.start.year + 1
    raise ValueError(f"{day.isoformat()} is before the supported eras (昭和 onwards)")


def _era_year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def japanese_date(day: dt.date) -> str:
    """2023-01-01 → 令和5年1月1日; 2019-05-01 → 令和元年5月1日; 2019-04-30 → 平成31年4月30日."""
    era, year = era_of(day)
    return f"{era.name}{_era_year_text(year)}年{day.month}月{day.day}日"


def fiscal_year_label(fiscal_year: int) -> str:
    """年度 label in the Japanese era: 2022 → 令和4年度, 2019 → 令和元年度, 2018 → 平成30年度.

    A fiscal year is named by the era that governs its year, as government documents do: FY2019
    began on 1 April 2019 under 平成 but is called 令和元年度 because 令和 began in that year's
    first month of business (1 May). So the era is taken on 1 May of the year the fiscal year
    starts, which also names FY1988 昭和63年度 and FY1989 平成元年度 as the government did.
    """
    era, year = era_of(dt.date(fiscal_year, 5, 1))
    return f"{era.name}{_era_year_text(year)}年度"


# ---------------------------------------------------------------------------------------------
# Search normalisation
# ---------------------------------------------------------------------------------------------


def normalize_for_search(text: str | None) -> str:
    """Fold the differences a searcher should not have to care about.

    NFKC folds full-width ASCII and digits and half-width katakana to their standard forms;
    hiragana becomes katakana; Latin letters are lower-cased; all white space (including the
    ideographic space) is removed. 「ﾁｮｳﾅｲｶｲ」, 「ちょうないかい」 and 「チョウナイカイ」 all give
    「チョウナイカイ」.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    folded = jaconv.hira2kata(folded).lower()
    return "".join(folded.split())


# ---------------------------------------------------------------------------------------------
# Progress toward a plan target
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetProgress:
    baseline: int
    target: int
    current: int
    gap: int  # still to gain; negative once the target is passed
    share_done: Decimal | None  # percent of the way from baseline to target, two decimals


def target_progress(*, baseline: int, target: int, current: int) -> TargetProgress:
    """How far `current` has come from `baseline` toward `target` (e.g. member households)."""
    span = target - baseline
    share = None
    if span:
        share = (Decimal(current - baseline) * 100 / Decimal(span)).quantize(RATE_QUANTUM, ROUND_HALF_UP)
    return TargetProgress(
        baseline=baseline, target=target, current=current, gap=target - current, share_done=share
    )
