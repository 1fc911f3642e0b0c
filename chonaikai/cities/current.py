"""The loaded municipality, read once per process: `city()`.

Saving or deleting the City row (load_city, the admin) forgets the cached row in this process;
other processes (gunicorn workers, celery) read it again after a restart, which load_city's
message asks for.
"""

from __future__ import annotations

import datetime as dt

_cached = None


def city():
    """The City row, or an unsaved City with neutral labels when no profile is loaded yet."""
    global _cached
    if _cached is None:
        from chonaikai.cities.models import City

        loaded = City.objects.first()
        if loaded is None:
            return _unloaded()
        _cached = loaded
    return _cached


def is_loaded() -> bool:
    return city().pk is not None


def forget(*args, **kwargs) -> None:
    global _cached
    _cached = None


def survey_date(year: int) -> dt.date:
    """The yearly survey's date in `year` (1 January for most cities; the profile's survey.month/day)."""
    current = city()
    return dt.date(year, current.survey_month, current.survey_day)


def _unloaded():
    from django.utils.translation import gettext as _

    from chonaikai.cities.models import City

    return City(
        code="",
        name="",
        area_label=_("区"),
        area_office_label=_("区役所"),
        district_label=_("地区"),
        federation_label=_("連合町内会"),
        survey_month=1,
        survey_day=1,
        department_name="",
        department_short_name="",
    )
