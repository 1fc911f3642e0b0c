"""Cache keys for rendered maps, and the version bump that invalidates them.

A rendered map is cached under a key made of what it depends on: the kind of output, level,
survey date, metric, language, the boundaries' version, a data version that signals bump when a
household count or a boundary is saved or deleted, a fingerprint of the figures drawn (bulk
writes send no signals), and the tile settings and builder version. Old entries are never
deleted; they expire or are evicted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max

from wards.models import WardBoundary

DATA_VERSION_KEY = "maps:data-version"
# Seconds a rendered map stays cached; keys change when the data does, so this only bounds memory.
TIMEOUT = getattr(settings, "MAP_CACHE_TIMEOUT", 24 * 60 * 60)
# Bump when the builders' output changes, so that a shared cache drops the old renders.
RENDER_VERSION = 1


def data_version() -> str:
    version = cache.get(DATA_VERSION_KEY)
    if version is None:
        cache.add(DATA_VERSION_KEY, time.time_ns(), None)
        version = cache.get(DATA_VERSION_KEY, 0)
    return str(version)


def bump_data_version(**_signal_kwargs) -> None:
    """Signal receiver: make every cached map stale.

    Bumped at once and again after the transaction commits: a map rendered by another process
    between the save and the commit reads the old rows and would otherwise be cached under the
    new version. A fresh value (not +1) cannot collide with an evicted older one.
    """
    cache.set(DATA_VERSION_KEY, time.time_ns(), None)
    transaction.on_commit(lambda: cache.set(DATA_VERSION_KEY, time.time_ns(), None))


def boundaries_version() -> str:
    """Changes whenever the boundaries are re-imported (one aggregate query)."""
    agg = WardBoundary.objects.aggregate(n=Count("id"), last=Max("imported_at"), top=Max("id"))
    last = agg["last"].isoformat() if agg["last"] else "-"
    return f"{agg['n']}.{agg['top'] or 0}.{last}"


def render_key(
    *, kind: str, level: str, survey_date: dt.date | None, metric: str, language: str, digest: str
) -> str:
    day = survey_date.isoformat() if survey_date else "none"
    return (
        f"maps:{kind}:{level}:{day}:{metric}:{language}:"
        f"b{boundaries_version()}:d{data_version()}:{digest}:o{_options()}"
    )


def _options() -> str:
    """The settings and builder version a render depends on: a shared cache outlives a deploy."""
    text = f"{RENDER_VERSION}|{settings.MAP_TILES_URL}|{settings.MAP_TILES_ATTRIBUTION}"
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def pending_key(key: str) -> str:
    """Set while a worker renders `key`, so that concurrent requests enqueue it only once."""
    return f"{key}:pending"
