"""The loaded municipality, read once per process: `city()`.

Saving or deleting the City row (load_city, the admin) forgets the cached row in this process;
other processes (gunicorn workers, celery) read it again after a restart, which load_city's
message asks for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_noop

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


def remember(row) -> None:
    """Use `row` as the loaded city in this process, without reading the database (tests that have
    none: a City built from a profile)."""
    global _cached
    _cached = row


def is_loaded() -> bool:
    return city().pk is not None


def forget(*args, **kwargs) -> None:
    global _cached
    _cached = None


def survey_date(year: int) -> dt.date:
    """The yearly survey's date in `year` (1 January for most cities; the profile's survey.month/day)."""
    current = city()
    return dt.date(year, current.survey_month, current.survey_day)


@dataclass(frozen=True)
class Labels:
    """The words for this city's levels, in the active language.

    A profile writes them in Japanese (区, 区役所 …) and may give English ones ([labels.en]). Common words have an English
    form in the catalogue (区 → ward); a word a city made up shows as written in every language.
    """

    area: str
    area_office: str
    district: str
    federation: str
    department: str

    @property
    def has_districts(self) -> bool:
        return bool(self.district)


def labels() -> Labels:
    from django.utils.translation import get_language

    current = city()
    english = current.labels_en if (get_language() or "").startswith("en") else {}

    def word(key: str, japanese: str) -> str:
        if not japanese:
            return ""
        return english.get(key) or _translated(japanese)

    return Labels(
        area=word("area", current.area_label),
        area_office=word("area_office", current.area_office_label),
        district=word("district", current.district_label),
        federation=word("federation", current.federation_label),
        department=word("department", current.department_short_name or current.department_name),
    )


def _translated(word: str) -> str:
    from django.utils.translation import gettext

    return gettext(word)


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


# The level words profiles commonly use, marked so the catalogue gives them an English form
# (labels() looks each profile word up at run time).
COMMON_LABELS = (
    gettext_noop("区"),
    gettext_noop("区役所"),
    gettext_noop("地区"),
    gettext_noop("支所"),
    gettext_noop("市"),
    gettext_noop("市役所"),
    gettext_noop("町"),
    gettext_noop("町役場"),
    gettext_noop("村"),
    gettext_noop("村役場"),
    gettext_noop("連合町内会"),
    gettext_noop("市民委員会"),
    gettext_noop("町内会連合会"),
)
