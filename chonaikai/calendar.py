"""Calendar rules every app uses: fiscal years (年度), survey-day arithmetic, Japanese eras (和暦).

Pure functions: no queries, no settings, no app imported. The loaded city's survey day is bound to
these in chonaikai.associations.survey; subsidies, the plan, the API and the maps name fiscal years
and era dates through this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


def is_survey_day(day: dt.date, *, month: int, day_of_month: int) -> bool:
    """Whether `day` is a yearly survey's date, the survey falling on `month`/`day_of_month`."""
    return day.month == month and day.day == day_of_month


def survey_date_of_fiscal_year(fiscal_year: int, *, month: int, day: int) -> dt.date:
    """The date of the yearly survey (on `month`/`day`) that falls in a fiscal year, so that
    fiscal_year_of(survey_date_of_fiscal_year(y, …)) == y: with the survey on 1 January FY2022's is
    2023-01-01; on 1 June, FY2024's is 2024-06-01; on 1 April, FY2024's is 2024-04-01."""
    year = fiscal_year if month >= FISCAL_YEAR_START_MONTH else fiscal_year + 1
    return dt.date(year, month, day)


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
    Era("令和", "Reiwa", dt.date(2019, 5, 1)),  # i18n: data
    Era("平成", "Heisei", dt.date(1989, 1, 8)),  # i18n: data
    Era("昭和", "Showa", dt.date(1926, 12, 25)),  # i18n: data
)


def era_of(day: dt.date) -> tuple[Era, int]:
    """The era in force on `day` and the year within it (1 for the first year, 元年)."""
    for era in ERAS:
        if day >= era.start:
            return era, day.year - era.start.year + 1
    raise ValueError(f"{day.isoformat()} is before the supported eras (昭和 onwards)")  # i18n: data


def _era_year_text(year: int) -> str:
    return "元" if year == 1 else str(year)  # i18n: data


def japanese_date(day: dt.date) -> str:
    """2023-01-01 → 令和5年1月1日; 2019-05-01 → 令和元年5月1日; 2019-04-30 → 平成31年4月30日."""
    era, year = era_of(day)
    return f"{era.name}{_era_year_text(year)}年{day.month}月{day.day}日"  # i18n: data (Japanese dates)


def fiscal_year_label(fiscal_year: int) -> str:
    """年度 label in the Japanese era: 2022 → 令和4年度, 2019 → 令和元年度, 2018 → 平成30年度.

    A fiscal year is named by the era that governs its year, as government documents do: FY2019
    began on 1 April 2019 under 平成 but is called 令和元年度 because 令和 began in that year's
    first month of business (1 May). So the era is taken on 1 May of the year the fiscal year
    starts, which also names FY1988 昭和63年度 and FY1989 平成元年度 as the government did.
    """
    era, year = era_of(dt.date(fiscal_year, 5, 1))
    return f"{era.name}{_era_year_text(year)}年度"  # i18n: data (Japanese fiscal years)
