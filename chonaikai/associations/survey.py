"""The loaded city's survey date (調査基準日) as counts, rounds, imports and reports apply it.

A city counts its households once a year on the same day: the profile's survey.month/day
(chonaikai.cities.current; 1 January in most cities, 1 June or 1 April in others). The arithmetic
is in chonaikai.calendar (pure, month and day as parameters); this module binds it to the loaded
city, and is the one place that says which days are survey days, which survey a fiscal year has, what a new
round or import starts from and how a refused date is explained.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from chonaikai import calendar
from chonaikai.cities.current import city
from chonaikai.cities.current import survey_date as survey_date_in

from .templatetags.japanese import jdate


def survey_month_day() -> tuple[int, int]:
    current = city()
    return current.survey_month, current.survey_day


def is_survey_day(day: dt.date) -> bool:
    month, day_of_month = survey_month_day()
    return calendar.is_survey_day(day, month=month, day_of_month=day_of_month)


def survey_date_of_fiscal_year(fiscal_year: int) -> dt.date:
    """The survey that counts for `fiscal_year` (fiscal_year_of that date is `fiscal_year`)."""
    month, day = survey_month_day()
    return calendar.survey_date_of_fiscal_year(fiscal_year, month=month, day=day)


def default_survey_date(today: dt.date | None = None) -> dt.date:
    """This year's survey date (in the site's time zone): what a new round or import starts from."""
    return survey_date_in((today or timezone.localdate()).year)


def survey_day_label() -> str:
    """The survey's month and day in the active language: 1月1日 (English: January 1)."""
    month, day = survey_month_day()
    return formats.date_format(dt.date(2000, month, day), "MONTH_DAY_FORMAT")  # 2000: 29 February exists


def survey_day_error(day: dt.date) -> str | None:
    """Why `day` cannot be a survey date (the city's survey day named), or None when it is one."""
    if is_survey_day(day):
        return None
    return _("%(date)sは調査基準日ではありません。調査基準日は毎年%(survey_day)sです。") % {
        "date": jdate(day),
        "survey_day": survey_day_label(),
    }
