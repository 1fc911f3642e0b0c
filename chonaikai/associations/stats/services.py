"""The maintained summaries: sums of counts per (ward, survey date) (models.WardSummary) and, within
each, per district and per federation (models.DistrictSummary, models.FederationSummary).

Every service that writes counts calls summaries_refresh() with the (ward id, survey date) pairs it
touched, inside its own transaction, after its writes: the counts import (services.counts, both
paths), the entry grid and the API's single count (services.entry), the demo data
(sample.replace_sample_data / delete_sample_data). A change of an association's district or
federation moves its counts between areas: services.registry.association_update and the admin
call summaries_refresh_associations(). Dissolving or merging changes no count and no area, so no
summary; an association never changes ward (services.registry). `manage.py rebuild_summaries`
recomputes every row (summaries_rebuild).

Anything else that writes counts or moves associations — a shell, a fixture, raw SQL — must call
summaries_refresh() too, or run rebuild_summaries afterwards; summaries_mismatches() lists the rows
that disagree with the counts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.dispatch import Signal

from ..models import AreaSummary, DistrictSummary, FederationSummary, HouseholdCount, WardSummary

Pair = tuple[int, dt.date]  # (ward id, survey date)
Sums = tuple[int, int, int]  # households, member households, counted associations

# The summaries below the ward, each keyed (ward, area, survey date) where the ward's is (ward, date).
AREA_SUMMARIES: tuple[type[AreaSummary], ...] = (DistrictSummary, FederationSummary)
# The Association fields whose change moves its counts between summaries (the ward never changes).
AREA_FIELDS = frozenset(model.AREA for model in AREA_SUMMARIES)

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


def _key_fields(model) -> list[str]:
    """The summary's key columns: (ward, survey date), or (ward, area, survey date) below the ward."""
    if model is WardSummary:
        return ["ward_id", "survey_date"]
    return ["ward_id", f"{model.AREA}_id", "survey_date"]


def _grouped(model, counts):
    """`counts` summed per `model`'s key: rows (*key, households, member households, associations),
    in the order of _key_fields. The one definition of what a summary row holds."""
    key = [f"association__{f}" if f != "survey_date" else f for f in _key_fields(model)]
    return (
        counts.values_list(*key)
        .annotate(h=Sum("households"), m=Sum("member_households"), n=Count("id"))
        .order_by()
    )


def _sums(model, counts) -> dict[tuple, Sums]:
    """The summary rows `counts` make, as {key: (households, member households, associations)}."""
    return {tuple(row[:-3]): tuple(row[-3:]) for row in _grouped(model, counts)}


def _held(model) -> dict[tuple, Sums]:
    """The summary rows held, in the form of _sums."""
    fields = [*_key_fields(model), "households", "member_households", "associations"]
    return {tuple(row[:-3]): tuple(row[-3:]) for row in model.objects.values_list(*fields).order_by()}


def _insert_sums(model, counts) -> int:
    """INSERT INTO the summary the GROUP BY of `counts` (INSERT … SELECT: no row comes to Python).

    The SELECT is the ORM's own (_grouped), compiled: the same SQL on SQLite and PostgreSQL.
    """
    columns = [*_key_fields(model), "households", "member_households", "associations"]
    select, params = _grouped(model, counts).query.sql_with_params()
    if model is WardSummary:
        # The rows' revision: one new value for all of them (a rebuild rewrites every area row).
        field = model._meta.get_field("revision")
        columns.append("revision")
        select = f"SELECT grouped.*, %s FROM ({select}) grouped"
        params = (*params, field.get_db_prep_value(field.get_default(), connection))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) {select}",
            params,
        )
        return cursor.rowcount


def _sums_one_pass(counts) -> dict[tuple, Sums]:
    """PostgreSQL: the ward sums of `counts` as _sums(WardSummary, counts) gives them, and the district
    and federation rows of the same counts inserted (as _insert_sums), in one statement that reads
    the counts once.

    The three GROUP BYs each read the survey date's counts again: 300,000 counts of 1,000 wards (a
    nationwide import) are a scan of the whole counts table and a lookup of each count's
    association, three times (~3 × 1 s). Here the rows (ward, district, federation, date, figures)
    are read once into a materialized CTE and grouped three ways: the sums _grouped defines (SUM of
    the figures, COUNT of the counts) per each summary's key.
    """
    keys = ["association__ward_id", *(f"association__{model.AREA}_id" for model in AREA_SUMMARIES)]
    select, params = (
        counts.values_list(*keys, "survey_date", "households", "member_households", "id")
        .order_by()
        .query.sql_with_params()
    )
    areas = [f"{model.AREA}_id" for model in AREA_SUMMARIES]
    names = ["ward_id", *areas, "survey_date", "households", "member_households", "id"]
    quote = connection.ops.quote_name
    # _grouped's sums, written again in SQL on purpose. The ORM compiles a GROUP BY only over the
    # model's tables (counts JOIN associations WHERE …); Django 5.2 cannot group over a CTE or a
    # FROM-subquery, so _grouped's compiled SQL could be reused here only by cutting its FROM clause
    # out of the string (fragile from one Django version to the next) or by running it once per
    # level over the tables, the ~3 × 1 s this statement saves. What keeps the two equal is a check:
    # summaries_mismatches() compares every row written here with _grouped's (the summaries tests
    # and rebuild_summaries --check run it on PostgreSQL).
    figures = "SUM(households), SUM(member_households), COUNT(id)"
    inserts = []
    for i, model in enumerate(AREA_SUMMARIES):
        key = ", ".join(quote(c) for c in _key_fields(model))
        columns = f"{key}, {quote('households')}, {quote('member_households')}, {quote('associations')}"
        inserts.append(
            f"area_{i} AS (INSERT INTO {quote(model._meta.db_table)} ({columns}) "
            f"SELECT {key}, {figures} FROM counted GROUP BY {key})"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH counted ({', '.join(quote(n) for n in names)}) AS MATERIALIZED ({select}), "
            f"{', '.join(inserts)} "
            f"SELECT ward_id, survey_date, {figures} FROM counted GROUP BY ward_id, survey_date",
            params,
        )
        return {(w, d): (h, m, n) for w, d, h, m, n in cursor.fetchall()}


@transaction.atomic
def summaries_refresh(pairs: Iterable[Pair]) -> int:
    """Recompute the summaries of exactly these (ward id, survey date) pairs, at the ward, district
    and federation levels; returns how many pairs.

    Call it inside the transaction that wrote the counts (or moved associations between areas),
    after the writes. At most nine queries whatever the number of pairs (fewer when nothing needs
    deleting or inserting; on PostgreSQL the three levels are summed by one, _sums_one_pass).

    Concurrency (PostgreSQL, READ COMMITTED): two transactions writing counts of the same ward and
    date must not each sum what they see and overwrite the other's sum. So the ward summary rows are
    first made to exist and locked, in a fixed order (no deadlock between two refreshes), and only
    then summed: the SUM is a new statement, so it sees everything committed by whoever held the
    lock before us. The district and federation rows of a pair are only written under that lock
    (deleted and inserted afresh), so the ward row locks them too. SQLite serialises writers, and
    select_for_update is a no-op there.
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
    counts = HouseholdCount.objects.filter(_pairs_filter(pairs, ward_field="association__ward_id"))
    if connection.vendor == "postgresql":
        # The area rows are deleted first and written by the same statement that sums the wards.
        for model in AREA_SUMMARIES:
            model.objects.filter(in_summary).delete()
        sums = _sums_one_pass(counts)
    else:
        sums = _sums(WardSummary, counts)
    if sums:
        WardSummary.objects.bulk_create(
            [
                WardSummary(ward_id=w, survey_date=d, households=h, member_households=m, associations=n)
                for (w, d), (h, m, n) in sums.items()
            ],
            update_conflicts=True,
            unique_fields=["ward", "survey_date"],
            # A new revision (the field's default) for every pair refreshed, even with the same sums:
            # its district and federation rows were rewritten (stats.kept reads the revisions).
            update_fields=["households", "member_households", "associations", "revision"],
        )
    empty = [pair for pair in pairs if pair not in sums]
    if empty:
        # No counts left for the pair (demo data deleted): no row, as the GROUP BY would give none.
        WardSummary.objects.filter(_pairs_filter(empty, ward_field="ward_id")).delete()
    if connection.vendor != "postgresql":
        for model in AREA_SUMMARIES:
            # Rewritten whole: an association that changed district leaves one area's row for another's.
            model.objects.filter(in_summary).delete()
            if sums:
                _insert_sums(model, counts)
    counts_changed.send(sender=WardSummary, pairs=pairs)
    return len(pairs)


def summaries_refresh_associations(association_ids: Iterable[int]) -> int:
    """summaries_refresh for every (ward, survey date) these associations have counts on: after a
    change of their district or federation, which moves their counts from one area's sums to
    another's. Call it inside the transaction of the change, after the save."""
    pairs = (
        HouseholdCount.objects.filter(association_id__in=list(association_ids))
        .values_list("association__ward_id", "survey_date")
        .distinct()
        .order_by()
    )
    return summaries_refresh(pairs)


@transaction.atomic
def summaries_rebuild() -> int:
    """Recompute every summary from all counts (manage.py rebuild_summaries); returns the rows
    written at all three levels.

    Locks the tables against concurrent refreshes for the rebuild's duration on PostgreSQL.
    """
    models = (WardSummary, *AREA_SUMMARIES)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(model._meta.db_table for model in models)
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    rows = 0
    for model in models:
        model.objects.all().delete()
        rows += _insert_sums(model, HouseholdCount.objects.all())
    counts_changed.send(sender=WardSummary, pairs=None)
    return rows


class Mismatch(NamedTuple):
    """A summary row that differs from the counts: its key, what it holds, what the counts make (None:
    no such row)."""

    model: type
    key: tuple  # (ward id, survey date) or (ward id, area id or None, survey date)
    held: Sums | None
    expected: Sums | None


def summaries_mismatches() -> list[Mismatch]:
    """Every summary row, at every level, that differs from the counts (ward level first)."""
    result = []
    for model in (WardSummary, *AREA_SUMMARIES):
        expected = _sums(model, HouseholdCount.objects.all())
        held = _held(model)
        result += [
            Mismatch(model, key, held.get(key), expected.get(key))
            for key in sorted(set(expected) | set(held), key=lambda k: tuple((v is not None, v) for v in k))
            if held.get(key) != expected.get(key)
        ]
    return result
