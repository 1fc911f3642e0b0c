"""Cache keys for rendered maps and map pages, and the version bump that invalidates them.

A rendered map is cached under a key made of what it depends on: the kind of output, level,
survey date, metric, language, the level's boundaries version, a data version, a fingerprint of
the figures drawn, and the tile settings, publication threshold and builder version.

The map page's figures section (the map and the table, maps.views) is cached under the same key
with, instead of the figures' fingerprint, the newest history ids of counts and associations
(page_versions), so that a cached page computes no figures at all. It relies on the data
version, which signals bump whenever counts change (every write of counts goes through
services.summaries, which sends `counts_changed`; a single count's save or delete sends
post_save/post_delete) and when an association, district, ward, plan target or ward boundary is
saved or deleted (maps.apps); and on the history ids, which change in every process's view.

Old entries are never deleted; they expire or are evicted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max

from chonaikai.associations.models import Association, HouseholdCount
from chonaikai.associations.stats import publication
from wards.models import AreaBoundary, WardBoundary

DATA_VERSION_KEY = "maps:data-version"
SECTIONS_VERSION_KEY = "maps:sections-version"
# Seconds a rendered map stays cached; keys change when the data does, so this only bounds memory.
TIMEOUT = getattr(settings, "MAP_CACHE_TIMEOUT", 24 * 60 * 60)
# Seconds a page's figures section stays cached. Its key has no fingerprint of the figures (computing
# them is what it saves), so this bounds how long a change that leaves no history row (a district's
# or a ward's name, a plan target, a raw QuerySet.update) takes to show in the other web processes
# when the cache is not shared. With a shared cache the data version changes at once everywhere.
SECTION_TIMEOUT = getattr(settings, "MAP_SECTION_CACHE_TIMEOUT", 15 * 60)
# Bump when the builders' output changes, so that a shared cache drops the old renders.
RENDER_VERSION = 3  # 3: PNG legend names metric, unit, date, denominator; halos; areas named for AT


def _version(key: str) -> str:
    version = cache.get(key)
    if version is None:
        cache.add(key, time.time_ns(), None)
        version = cache.get(key, 0)
    return str(version)


def _bump(key: str) -> None:
    """A fresh value (not +1, which could meet an evicted older one), at once and again after the
    transaction commits: a map rendered by another process between the save and the commit reads
    the old rows and would otherwise be cached under the new version."""
    cache.set(key, time.time_ns(), None)
    transaction.on_commit(lambda: cache.set(key, time.time_ns(), None))


def data_version() -> str:
    return _version(DATA_VERSION_KEY)


def sections_version() -> str:
    return _version(SECTIONS_VERSION_KEY)


def bump_data_version(**_signal_kwargs) -> None:
    """Signal receiver: make every cached map stale (names, boundaries, targets changed)."""
    _bump(DATA_VERSION_KEY)


def bump_sections_version(**_signal_kwargs) -> None:
    """Signal receiver for saved counts: make every cached map PAGE stale, but no rendered map.

    A page's figures are read again on its next request; the map itself is drawn again only when
    the figures it draws changed (its key holds their fingerprint). While ward staff enter this
    year's counts, the maps of every other survey date stay rendered.
    """
    _bump(SECTIONS_VERSION_KEY)


def boundaries_version(level: str = "ward") -> str | None:
    """Changes whenever the level's boundaries are re-imported; None when it has none (one query).

    District and association boundaries are only ever written by a whole-level import, which
    writes new rows: their newest id is their version (index area_boundary_level_id).
    """
    if level == "ward":
        agg = WardBoundary.objects.aggregate(n=Count("id"), last=Max("imported_at"), top=Max("id"))
        if not agg["n"]:
            return None
        return f"{agg['n']}.{agg['top']}.{agg['last'].isoformat()}"
    top = AreaBoundary.objects.filter(level=level).aggregate(top=Max("id"))["top"]
    return None if top is None else f"a{top}"


def page_versions() -> tuple[dict[str, str | None], str]:
    """(level → boundaries version or None, records version) in one round trip, for the map page.

    Boundaries: as boundaries_version (the wards' without the import time: ids are never reused,
    by sequences and SQLite's AUTOINCREMENT alike, so a re-import changes the newest id).

    Records: the newest change-history ids of the counts and of the associations. Every write of
    counts through the services, and every edit of an association, leaves a history row
    (django-simple-history), so this changes with them as seen from any process. The data version
    alone would not do where the cache is local to each process (no CACHE_URL, several web
    processes): a bump is then seen only by the process that made it. The history ids narrow that
    gap but do not close it: ids are taken in insert order and seen in commit order, so a page read
    between two overlapping imports' commits can be cached under the later id without the earlier
    import's rows, and another process serves it until SECTION_TIMEOUT. With a shared cache
    (CACHE_URL, as production runs) the after-commit bump closes it; the README says so.

    Each value is an index lookup; as scalar subqueries of one SELECT a cached page pays one query
    for all of them instead of five.
    """
    quote = connection.ops.quote_name
    ward = quote(WardBoundary._meta.db_table)
    area = quote(AreaBoundary._meta.db_table)
    counts = quote(HouseholdCount.history.model._meta.db_table)
    associations = quote(Association.history.model._meta.db_table)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {ward}), (SELECT MAX(id) FROM {ward}), "
        f"(SELECT MAX(id) FROM {area} WHERE level = %s), (SELECT MAX(id) FROM {area} WHERE level = %s), "
        f"(SELECT MAX(history_id) FROM {counts}), (SELECT MAX(history_id) FROM {associations})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ["district", "association"])
        n, top, district, association, count_history, association_history = cursor.fetchone()
    versions = {
        "ward": f"{n}.{top}" if n else None,
        "district": None if district is None else f"a{district}",
        "association": None if association is None else f"a{association}",
    }
    return versions, f"h{count_history or 0}.{association_history or 0}"


def render_key(
    *,
    kind: str,
    level: str,
    survey_date: dt.date | None,
    metric: str,
    language: str,
    digest: str,
    boundaries: str | None = "",
) -> str:
    """`boundaries`: the level's boundaries_version when the caller has just read it ("" reads it)."""
    day = survey_date.isoformat() if survey_date else "none"
    if boundaries == "":
        boundaries = boundaries_version(level)
    sections = f":s{sections_version()}" if kind == "section" else ""
    return (
        f"maps:{kind}:{level}:{day}:{metric}:{language}:"
        f"b{boundaries or '-'}:d{data_version()}{sections}:{digest}:o{_options()}"
    )


def _options() -> str:
    """The settings and builder version a render depends on: a shared cache outlives a deploy."""
    text = (
        f"{RENDER_VERSION}|{settings.MAP_TILES_URL}|{settings.MAP_TILES_ATTRIBUTION}|"
        f"{publication.min_households()}"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def pending_key(key: str) -> str:
    """Set while a worker renders `key`, so that concurrent requests enqueue it only once."""
    return f"{key}:pending"
