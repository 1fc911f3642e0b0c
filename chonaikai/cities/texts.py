"""Messages that name the loaded city's levels or show one of its codes, filled in when they are read.

A message is written once with placeholders and the catalogue translates it as usual:

    labelled(gettext_lazy("%(area)sコードは5桁の数字です（例: %(area_code)s）。"))

gives 「区コードは5桁の数字です（例: 04101）。」 in a city with wards and 「市コードは…（例: 01204）」 in
a city without, at the moment the text is shown (help texts and error messages are made at import
time, before any city is known). `fill` does the same at once, for messages built at run time.

Placeholders: area, area_office, district, federation, department (labels(), translated), city
(the city's name), area_code (the city's first area code) and association_code (the first number
in that area, 「04101-0001」). Without a loaded city the codes are a fictional 12345 / 12345-0001.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError
from django.utils.functional import lazy

from chonaikai.hooks import Hook

FICTIONAL_AREA_CODE = "12345"

_example: tuple[object, str] | None = None  # (the city row it was read for, its first area code)

# Where the first area code is read: `reader()`, None when the city has no areas yet. The city
# profile is the bottom layer (README, Architecture) and cannot import the geography: wards registers
# its reader when the app is ready (WardsConfig.ready).
FIRST_AREA_CODE: Hook[Callable[[], str | None]] = Hook("the city texts' first area code", provider="wards")


def example_area_code() -> str:
    """The loaded city's first area code (by code), or a fictional 12345 before any is loaded."""
    global _example
    from chonaikai.cities.current import city

    current = city()
    if current.pk is None:
        return FICTIONAL_AREA_CODE
    if _example is None or _example[0] is not current:  # loading a profile again gives a new row
        first = FIRST_AREA_CODE.get()()
        if first is None:
            return current.code
        _example = (current, first)
    return _example[1]


def example_association_code() -> str:
    """The first association number in the example area, written as the city writes codes."""
    from chonaikai.cities.current import city

    return f"{example_area_code()}-{1:0{city().association_number_digits}d}"


def words() -> dict[str, str]:
    """The placeholders' values in the active language."""
    from chonaikai.cities.current import city, labels

    try:
        current = labels()
        return {
            "area": current.area,
            "area_office": current.area_office,
            "district": current.district,
            "federation": current.federation,
            "department": current.department,
            "city": city().name,
            "area_code": example_area_code(),
            "association_code": example_association_code(),
        }
    except DatabaseError:  # no tables yet (a command's --help before migrate): the neutral words
        return _neutral_words()


def _neutral_words() -> dict[str, str]:
    from django.utils.translation import gettext

    from chonaikai.cities.current import _unloaded

    unloaded = _unloaded()
    return {
        "area": unloaded.area_label,
        "area_office": unloaded.area_office_label,
        "district": unloaded.district_label,
        "federation": unloaded.federation_label,
        "department": gettext("担当部署"),
        "city": gettext("市"),
        "area_code": FICTIONAL_AREA_CODE,
        "association_code": f"{FICTIONAL_AREA_CODE}-0001",
    }


def fill(message) -> str:
    """`message` (a translated text with %(area)s … placeholders) with the loaded city's words."""
    return str(message) % words()


# Lazy: the text is filled each time it is read, in the language active then.
labelled = lazy(fill, str)


def label_models_with_city_words() -> None:
    """Models and fields whose names are written with placeholders take the loaded city's words.

    A model declares `verbose_name = _("%(area)sの集計")`, a field `verbose_name=_("%(area)sコード")`;
    at start-up (CitiesConfig.ready) each such name is replaced by its labelled() form, so the admin,
    forms and constraint messages say 「区の集計」 in a city with wards and 「市の集計」 in one without.
    Migrations keep the placeholders: they read a model's Meta as declared (original_attrs) and a
    field's name as given (_verbose_name), never the replaced one, so they do not depend on the city.
    """
    from django.apps import apps
    from django.utils.translation import override

    with override(None):  # the names as written (msgids), not filled: no database needed
        for model in apps.get_models(include_auto_created=True):
            opts = model._meta
            for attribute in ("verbose_name", "verbose_name_plural"):
                name = getattr(opts, attribute)
                if _has_placeholders(name):
                    setattr(opts, attribute, labelled(name))
            for field in (*opts.local_fields, *opts.local_many_to_many):
                name = getattr(field, "_verbose_name", None)
                if name is not None and _has_placeholders(name):
                    field.verbose_name = labelled(name)


def _has_placeholders(name) -> bool:
    """Whether a name is written with placeholders; read with translations off (override(None))."""
    return "%(" in str(name)


def name_permissions_with_city_words(sender=None, **kwargs) -> None:
    """The built-in permissions of those models named with the loaded city's words (「Can view 市」).

    Django writes a permission's name once, when migrate creates it, from the model's name in the
    migrations (with its placeholders). This writes them again from the model's name as the screens
    show it: after migrate, for the app migrate has just finished (whose permissions exist by then),
    and for every app whenever the City row is saved (load_city).
    """
    from django.apps import AppConfig, apps
    from django.contrib.auth.models import Permission
    from django.db import DEFAULT_DB_ALIAS
    from django.utils.translation import override

    models = sender.get_models(include_auto_created=True) if isinstance(sender, AppConfig) else None
    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    for model in models if models is not None else apps.get_models(include_auto_created=True):
        opts = model._meta
        # Permission names are not translated (Django's own are English).
        with override(None):
            if not _has_placeholders(opts.original_attrs.get("verbose_name", "")):
                continue
            name = str(opts.verbose_name)
        for action in opts.default_permissions:
            wanted = f"Can {action} {name}"[:255]
            Permission.objects.using(using).filter(
                content_type__app_label=opts.app_label,
                content_type__model=opts.model_name,
                codename=f"{action}_{opts.model_name}",
            ).exclude(name=wanted).update(name=wanted)
