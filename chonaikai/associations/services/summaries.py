"""The ward summaries (models.WardSummary): sums of counts per (ward, survey date), kept in step.

Every service that writes counts calls summaries_refresh() with the (ward id, survey date) pairs it
touched, inside its own transaction, after its writes: the counts import (services.counts, both
paths), the entry grid and the API's single count (services.entry), the demo data
(sample.replace_sample_data / delete_sample_data). Registering, dissolving or merging
associations changes no count and no ward (an association never changes ward), so no summary.
`manage.py rebuild_summaries` recomputes every row (summaries_rebuild).

Anything else that writes counts — a shell, a fixture, raw SQL — must call summaries_refresh()
too, or run rebuild_summaries afterwards; summaries_mismatches() lists the pairs that disagree
with the counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.dispatch import Signal

from ..models import HouseholdCount, WardSummary

Pair = tuple[int, dt.date]  # (ward id, survey date)

# Sent after counts changed and their summaries were recomputed (every write of counts comes through
# here); keyword argument `pairs` (None after a rebuild). Receivers only invalidate caches (maps).
counts_changed = Signal()


def _pairs_filter(pairs: list[Pair], *, ward_field: str) -> Q:
    """Q for these pairs: one (survey_date = d AND ward IN …) clause per date."""
    by_date: dict[dt.date, set[int]] = defaultdict(set)
    for ward_id, day in pairs:
        by_date[day].add(ward_id)
    query = Q()
    for day, ward_ids in sorted(by_date.items()):
        query |= Q(survey_date=day, **{f"{ward_field}__in": sorted(ward_ids)})
    return query


def _sums(counts) -> dict[Pair, tuple[int, int, int]]:
    """(ward id, survey date) → (households, member households, counted associations)."""
    rows = (
        counts.values_list("association__ward_id", "survey_date")
        .annotate(h=Sum("households"), m=Sum("member_households"), n=Count("id"))
        .order_by()
    )
    return {(ward_id, day): (h, m, n) for ward_id, day, h, m, n in rows}


@transaction.atomic
def summaries_refresh(pairs: Iterable[Pair]) -> int:
    """Recompute the summaries of exactly these (ward id, survey date) pairs; returns how many.

    Call it inside the transaction that wrote the counts, after the writes. Five queries whatever
    the number of pairs (fewer when nothing needs deleting).

    Concurrency (PostgreSQL, READ COMMITTED): two transactions writing counts of the same ward and
    date must not each sum what they see and overwrite the other's sum. So the summary rows are
    first made to exist and locked, in a fixed order (no deadlock between two refreshes), and only
    then summed: the SUM is a new statement, so it sees everything committed by whoever held the
    lock before us. SQLite serialises writers, and select_for_update is a no-op there.
    """
    pairs = sorted(set(pairs))
    if not pairs:
        return 0
    # Rows that do not exist yet cannot be locked: insert them (zeros) first. A concurrent insert of
    # the same pair makes this wait for that transaction, and then do nothing.
    WardSummary.objects.bulk_create(
        [
            WardSummary(ward_id=w, survey_date=d, households=0, member_households=0, associations=0)
            for w, d in pairs
        ],
        ignore_conflicts=True,
    )
    in_summary = _pairs_filter(pairs, ward_field="ward_id")
    list(
        WardSummary.objects.select_for_update()
        .filter(in_summary)
        .order_by("ward_id", "survey_date")
        .values_list("id", flat=True)
    )
    sums = _sums(HouseholdCount.objects.filter(_pairs_filter(pairs, ward_field="association__ward_id")))
    if sums:
        WardSummary.objects.bulk_create(
            [
                WardSummary(ward_id=w, survey_date=d, households=h, member_households=m, associations=n)
                for (w, d), (h, m, n) in sums.items()
            ],
            update_conflicts=True,
            unique_fields=["ward", "survey_date"],
            update_fields=["households", "member_households", "associations"],
        )
    empty = [pair for pair in pairs if pair not in sums]
    if empty:
        # No counts left for the pair (demo data deleted): no row, as the GROUP BY would give none.
        WardSummary.objects.filter(_pairs_filter(empty, ward_field="ward_id")).delete()
    counts_changed.send(sender=WardSummary, pairs=pairs)
    return len(pairs)


@transaction.atomic
def summaries_rebuild() -> int:
    """Recompute every summary from all counts (manage.py rebuild_summaries); returns the rows written.

    Locks the table against concurrent refreshes for the rebuild's duration on PostgreSQL.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {WardSummary._meta.db_table} IN EXCLUSIVE MODE")
    WardSummary.objects.all().delete()
    sums = _sums(HouseholdCount.objects.all())
    WardSummary.objects.bulk_create(
        (
            WardSummary(ward_id=w, survey_date=d, households=h, member_households=m, associations=n)
            for (w, d), (h, m, n) in sums.items()
        ),
        batch_size=2000,
    )
    counts_changed.send(sender=WardSummary, pairs=None)
    return len(sums)


def summaries_mismatches() -> list[tuple[Pair, tuple[int, int, int] | None, tuple[int, int, int] | None]]:
    """Pairs whose summary differs from the counts: [((ward id, date), in summary, from counts)]."""
    expected = _sums(HouseholdCount.objects.all())
    held = {
        (w, d): (h, m, n)
        for w, d, h, m, n in WardSummary.objects.values_list(
            "ward_id", "survey_date", "households", "member_households", "associations"
        )
    }
    return [
        (pair, held.get(pair), expected.get(pair))
        for pair in sorted(set(expected) | set(held))
        if held.get(pair) != expected.get(pair)
    ]
