"""City-wide district and federation statistics, kept by each process between requests.

membership_stats(level=district|federation) for the whole city reads the summaries of two survey
dates and the areas' codes and names, and makes one row per area. At the nationwide size (12,000
districts, `make bench-full`) that is ~150–200 ms, most of it making 12,000 rows in Python, for rows
that change only when a summary of those dates changes or an area is renamed. So a process keeps
the rows it made and gives them again for as long as both of these still hold:

- the summaries: every change of a district or federation summary row is written under the lock of
  its (ward, date) ward summary row, which the same refresh gives a new `revision`
  (services.summaries_refresh; summaries_rebuild gives every row a new one). The (ward, date,
  revision) triples of the dates' ward summaries, read in one query (2,000 rows at the nationwide
  size, a few ms), are the same exactly when no refresh of those dates has committed since;
- the areas' codes and names, which the rows carry: read again (the rows need them anyway) and
  compared.

Nothing is invalidated: every reader checks what is committed, so gunicorn workers need no message
from the one that wrote. A transaction that wrote counts sees its own uncommitted revisions; rows
kept under them are never matched again once it ends. The reader must take the revisions before the
sums it makes the rows from (READ COMMITTED gives each statement its own snapshot): rows made from
newer sums than their revisions are only made again, never given out stale.

Bounded: the MAX_ENTRIES most recently used keys (level, date, previous date, language). An entry
at the nationwide size holds ~12,000 rows, ~12 MB (measured with tracemalloc): two keep the web
process under the 300 MB that `make bench-full` checks, and cover the district and the federation
level of the latest survey date.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

MAX_ENTRIES = 2


class _Entry(NamedTuple):
    revisions: Any
    names: dict
    rows: tuple


class KeptRows:
    """Rows made from the committed summaries, given again while their revisions and names hold."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threaded workers share the process's entries

    def get(self, key: Hashable, *, revisions, names: dict) -> list | None:
        """The rows kept under `key`, as a new list, if they were made under these revisions and
        names; None otherwise."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.revisions != revisions or entry.names != names:
                return None
            self._entries.move_to_end(key)
            return list(entry.rows)

    def put(self, key: Hashable, rows: Sequence, *, revisions, names: dict) -> None:
        """Keep `rows` (immutable rows: they are given out again as they are) under `key`."""
        with self._lock:
            self._entries[key] = _Entry(revisions, names, tuple(rows))
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
