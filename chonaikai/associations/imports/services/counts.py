"""Writes for household counts: the file import (preview, all-or-nothing commit, background runs).

See the package docstring for the conventions every service follows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from chonaikai.audit.services import audit_records
from wards.models import Ward

from ...counts.services.rounds import ward_progress_mark_started
from ...models import HouseholdCount, WardProgress
from ...stats.services import summaries_refresh
from .. import importer

# Uploads with more rows than this are imported by a Celery task (tasks.import_counts_task).
DEFAULT_COUNTS_IMPORT_ASYNC_THRESHOLD = 2000
# What an import writes on a count that already exists.
_UPDATED_FIELDS = ["households", "member_households", "note", "source", "entered_by", "entered_at", "version"]
_HISTORY_REASON_MAX = 100  # simple-history's history_change_reason max_length

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class CountsImportRejected(Exception):
    """The import has errors and wrote nothing; `preview.errors` says where and why."""

    def __init__(self, preview: importer.Preview):
        self.preview = preview
        super().__init__(f"{len(preview.errors)} error(s); nothing was imported")


@dataclass(frozen=True)
class CountsImportResult:
    preview: importer.Preview  # as checked inside the commit's transaction
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict:
        """JSON-ready, for the task's result."""
        return {
            "survey_date": self.preview.survey_date.isoformat(),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": [i.as_dict() for i in self.preview.warnings],
        }


def counts_import_commit(
    *,
    actor,
    survey_date: dt.date,
    preview: importer.Preview | None = None,
    rows: Iterable[importer.ParsedRow] | None = None,
    parsed: importer.ParsedFile | None = None,
    filename: str = "",
    ward: Ward | None = None,
    source: str = HouseholdCount.Source.IMPORT,
    reason: str = "",
) -> CountsImportResult:
    """Write the counts of a preview (or of parsed rows) for `survey_date`: all of them or none.

    The rows are checked again inside the transaction (associations, status, the actor's scope,
    duplicates; existing counts locked on PostgreSQL), so a preview shown earlier is never
    trusted. Any error raises CountsImportRejected and nothing is written. New counts are
    created, changed ones updated, unchanged ones left alone (no write, no history row), so
    importing the same file twice changes nothing the second time. Every write sets
    entered_by=actor and `source`, and leaves a history row with history_user=actor (reason
    "ファイル取込 <file name>" for imports, led by `reason` when one is given).

    `reason`: why counts are changed after the ward's counts for the date were approved (survey
    rounds). Without one, a ward's staff cannot change an approved ward's counts (a city
    administrator can); with one, the change is a new revision, and the reason goes to the history
    rows and the audit events.

    `parsed` (importer.parse_file: a file's rows and its own issues, not yet checked) with its
    `filename` is a file read for this commit: it is checked once, here.

    `ward` (restrict to one ward's associations) is for `rows` and `parsed`; a preview carries its own.

    No query per row: two reads, one bulk insert and one upsert, each with its history insert —
    the same number of queries whatever the size, on PostgreSQL and on SQLite (see _insert_rows).
    """
    if sum(given is not None for given in (preview, rows, parsed)) != 1:
        raise TypeError("counts_import_commit() takes one of preview, rows or parsed")
    if source not in HouseholdCount.Source.values:
        raise ValueError(f"unknown source {source!r}")
    if preview is not None:
        if preview.survey_date != survey_date:
            raise ValueError("the preview was made for another survey date")
        if ward is not None and ward != preview.ward:
            raise ValueError("the preview was made for another ward restriction")
        parsed, ward, filename = preview.parsed, preview.ward, preview.filename
    elif rows is not None:
        parsed, filename = importer.ParsedFile(rows=tuple(rows)), ""
    else:
        filename = PurePath(filename).name
    reason = reason.strip()
    checked = None
    try:
        with transaction.atomic():
            checked = importer.check_rows(
                parsed,
                survey_date=survey_date,
                actor=actor,
                ward=ward,
                lock=True,
                filename=filename,
                reason=reason,
            )
            if checked.has_errors:
                raise CountsImportRejected(checked)
            created, updated = _write_counts(checked, actor=actor, source=source, reason=reason)
            _audit_import(checked, actor=actor, source=source, reason=reason)
    except IntegrityError as e:
        if checked is None:
            raise
        # Someone entered a count for one of these associations between our read and our write.
        raise CountsImportRejected(
            checked.with_issue(
                importer.Issue(
                    importer.ERROR,
                    _("取込中に他の利用者が同じ町内会の世帯数を登録しました。もう一度取り込んでください。"),
                )
            )
        ) from e
    return CountsImportResult(
        preview=checked, created=created, updated=updated, unchanged=checked.summary.unchanged
    )


def history_reason(*, source: str, filename: str, reason: str = "") -> str:
    """The row history's change reason for an import: the user's reason first, then the file.

    Within simple-history's 100 characters, the reason first so that a long file name is what is
    cut. Stored as written (data, not interface text), as the entry screen stores its reason.
    """
    parts = [reason.strip()]
    if source == HouseholdCount.Source.IMPORT:
        parts.append(f"ファイル取込 {filename}".strip())  # i18n: data
    return "／".join(p for p in parts if p)[:_HISTORY_REASON_MAX]  # i18n: data


def _write_counts(preview: importer.Preview, *, actor, source: str, reason: str = "") -> tuple[int, int]:
    written = [r for r in preview.rows if r.status in (importer.RowStatus.NEW, importer.RowStatus.CHANGED)]
    ward_ids = dict(Ward.objects.filter(code__in={r.ward_code for r in written}).values_list("code", "id"))
    result = counts_write(
        actor=actor,
        source=source,
        change_reason=history_reason(source=source, filename=preview.filename, reason=reason),
        rows=[
            CountValues(
                association_id=row.association_id,
                ward_id=ward_ids[row.ward_code],
                survey_date=preview.survey_date,
                households=row.households,
                member_households=row.member_households,
                note=row.note,
                base_version=(row.current_version or 0) if row.count_id is not None else 0,
            )
            for row in written
        ],
    )
    return len(result.created), len(result.updated)


@dataclass(frozen=True)
class CountValues:
    """One count to write: whose, for which date, its figures, and the version of the count it
    replaces (0: there is none, the count is created)."""

    association_id: int
    ward_id: int
    survey_date: dt.date
    households: int
    member_households: int
    note: str = ""
    base_version: int = 0


@dataclass(frozen=True)
class CountsWritten:
    created: list[HouseholdCount]
    updated: list[HouseholdCount]


def counts_write(
    *,
    actor,
    rows: Iterable[CountValues],
    source: str,
    change_reason: str = "",
    mark_started: bool = True,
    also_refresh: Iterable[tuple[int, dt.date]] = (),
) -> CountsWritten:
    """The one write of household counts, for the grid, the import (preview → commit) and seed_demo.

    The callers check; this writes what they decided, inside their transaction: each count with
    version = base_version + 1, `source`, entered_by = actor and one row-history revision
    (history_user = actor, `change_reason` cut to simple-history's 100 characters); then, with
    `mark_started`, the survey rounds' progress (未着手 → 入力中) of the wards written, and the ward
    summaries of every (ward, date) written plus `also_refresh`. The caller records its own audit
    event (counts.entered, counts.imported), whose wording is its own. PostgreSQL's large imports
    take services.counts_fast, which writes the same columns set-based.

    A new count is a plain INSERT: one someone created meanwhile raises IntegrityError, never
    overwritten. Updates are an upsert (see _write_counts_bulk). The same number of queries
    whatever the number of rows (three statements on SQLite, see _write_counts_sqlite).
    """
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    creates, updates, pairs = [], [], set()
    for row in rows:
        count = HouseholdCount(
            association_id=row.association_id,
            survey_date=row.survey_date,
            households=row.households,
            member_households=row.member_households,
            note=row.note,
            source=source,
            entered_by=user,
            entered_at=now,
            # Optimistic locking (services.entry): every write moves the version on.
            version=row.base_version + 1,
        )
        (creates if row.base_version == 0 else updates).append(count)
        pairs.add((row.ward_id, row.survey_date))
    history = {
        "default_user": user,
        "default_change_reason": change_reason[:_HISTORY_REASON_MAX],
        "default_date": now,
    }
    # RETURNING (SQLite 3.35+) gives the new rows their ids; older SQLite takes Django's batches.
    if connection.vendor == "sqlite" and connection.features.can_return_rows_from_bulk_insert:
        _write_counts_sqlite(creates, updates, history)
    else:
        _write_counts_bulk(creates, updates, history)
    if mark_started and pairs:
        for day in {d for _, d in pairs}:
            # Survey rounds: a ward's first count for the date moves its progress to 入力中.
            ward_progress_mark_started(
                actor=actor, survey_date=day, ward_ids={w for w, d in pairs if d == day}
            )
    summaries_refresh(pairs | set(also_refresh))
    return CountsWritten(created=creates, updated=updates)


def _write_counts_bulk(creates: list[HouseholdCount], updates: list[HouseholdCount], history: dict) -> None:
    """The writes through the ORM's bulk statements (PostgreSQL sends each one at once)."""
    if creates:
        # A plain INSERT: a count someone else entered meanwhile is an IntegrityError, not overwritten.
        bulk_create_with_history(creates, HouseholdCount, **history)
    if updates:
        # INSERT … ON CONFLICT DO UPDATE rather than bulk_update(): bulk_update builds a CASE WHEN
        # per field and row in Python, ~1 ms a row (2 s for the city's 2,200 rows); the upsert costs
        # what an insert costs. The rows exist (locked above on PostgreSQL), so every one is an
        # update, and RETURNING gives each object its id for the history row ("~", as
        # bulk_update_with_history would write).
        HouseholdCount.objects.bulk_create(
            updates,
            update_conflicts=True,
            unique_fields=["association", "survey_date"],
            update_fields=_UPDATED_FIELDS,
        )
        HouseholdCount.history.bulk_history_create(updates, update=True, **history)


def _write_counts_sqlite(creates: list[HouseholdCount], updates: list[HouseholdCount], history: dict) -> None:
    """The same writes on SQLite, three statements whatever the number of rows.

    Django splits a bulk statement on SQLite into batches of 999 parameters (76 history rows), so
    the city's 2,200 rows took 50 INSERTs. Here every statement has one parameter, the rows as a
    JSON array, which SQLite unpacks with json_each: the counts' INSERT, their upsert, and one
    history INSERT for both, with what simple-history's bulk_history_create would write.
    """
    if creates:
        # A plain INSERT: a count someone else entered meanwhile is an IntegrityError, not overwritten.
        _insert_rows(HouseholdCount, creates, returning_pk_by="association_id")
    if updates:
        # The upsert of _write_counts_bulk (see there why not an UPDATE).
        _insert_rows(
            HouseholdCount,
            updates,
            returning_pk_by="association_id",
            update_conflicts=("association_id", "survey_date"),
            update_fields=_UPDATED_FIELDS,
        )
    Historical = HouseholdCount.history.model
    rows = [
        Historical(
            history_date=history["default_date"],
            history_user=history["default_user"],
            history_change_reason=history["default_change_reason"],
            history_type=kind,
            **{field.attname: getattr(count, field.attname) for field in Historical.tracked_fields},
        )
        for kind, counts in (("+", creates), ("~", updates))
        for count in counts
    ]
    if rows:
        _insert_rows(Historical, rows)


def _insert_rows(
    model,
    objs: list,
    *,
    returning_pk_by: str | None = None,
    update_conflicts: tuple[str, ...] = (),
    update_fields: Iterable[str] = (),
) -> None:
    """INSERT `objs` in one statement whose one parameter is the rows as JSON (SQLite only).

    Every concrete field but an auto primary key, prepared as bulk_create prepares it (pre_save,
    then get_db_prep_save: dates and datetimes become SQLite's text). `update_conflicts` (columns
    of a unique constraint) makes it an upsert of `update_fields`. `returning_pk_by`: a column
    unique among `objs` by which each object is given its primary key from RETURNING (whose
    order SQLite does not promise).
    """
    assert connection.vendor == "sqlite"
    # The connection itself, not django.db.connection: that proxy looks the connection up (asgiref's
    # Local) on every use, which was a third of seed_demo's 15,000-count write.
    conn = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not (f.primary_key and isinstance(f, AutoFieldMixin))]
    values = [[f.get_db_prep_save(f.pre_save(obj, True), conn) for f in fields] for obj in objs]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(fields)))
    # ORDER BY key: the rows are inserted (and numbered) in the list's order. WHERE true: without
    # it SQLite could read ON CONFLICT as a join's ON.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {picks} FROM json_each(%s) WHERE true ORDER BY key"
    if update_conflicts:
        by_name = {f.name: f for f in fields} | {f.attname: f for f in fields}
        targets = ", ".join(quote(by_name[name].column) for name in update_conflicts)
        sets = ", ".join(
            f"{quote(by_name[name].column)} = excluded.{quote(by_name[name].column)}"
            for name in update_fields
        )
        sql += f" ON CONFLICT ({targets}) DO UPDATE SET {sets}"
    if returning_pk_by:
        key = meta.get_field(returning_pk_by)
        sql += f" RETURNING {quote(meta.pk.column)}, {quote(key.column)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(values, cls=DjangoJSONEncoder)])
        if returning_pk_by:
            pks = {value: pk for pk, value in cursor.fetchall()}
            for obj in objs:
                obj.pk = pks[getattr(obj, key.attname)]
                obj._state.adding = False


def _audit_import(preview: importer.Preview, *, actor, source: str, reason: str = "") -> None:
    """One event per ward whose counts the import created or changed."""
    per_ward: dict[str, dict[str, int]] = defaultdict(lambda: {"created": 0, "updated": 0})
    for row in preview.rows:
        if row.status == importer.RowStatus.NEW:
            per_ward[row.ward_code]["created"] += 1
        elif row.status == importer.RowStatus.CHANGED:
            per_ward[row.ward_code]["updated"] += 1
    audit_import_wards(
        per_ward,
        survey_date=preview.survey_date,
        filename=preview.filename,
        actor=actor,
        source=source,
        reason=reason,
    )


def audit_import_wards(
    per_ward: dict[str, dict[str, int]],
    *,
    survey_date: dt.date,
    filename: str,
    actor,
    source: str,
    reason: str = "",
) -> None:
    """The import's events: one per ward code in `per_ward` ({"created": n, "updated": n}).

    `reason` (the user's, for an approved ward) is the events' comment, as on the entry screen;
    `after_approval` tells, as there, that the ward's counts for the date had been approved (a
    city administrator needs no reason, so the comment alone would not show it).
    """
    approved = set(
        WardProgress.objects.filter(
            survey_round__survey_date=survey_date,
            ward__code__in=list(per_ward),
            status=WardProgress.Status.APPROVED,
        ).values_list("ward__code", flat=True)
    )
    # One INSERT for all the wards (1,000 nationwide), not one each.
    audit_records(
        actor=actor,
        action="counts.imported",
        events=(
            (
                ward,
                None,
                {
                    "survey_date": survey_date.isoformat(),
                    "file": filename,
                    "source": source,
                    **per_ward[ward.code],
                    "after_approval": ward.code in approved,
                },
            )
            for ward in Ward.objects.filter(code__in=per_ward)
        ),
        comment=reason.strip(),
    )


def counts_import_file(
    *,
    actor,
    data: bytes,
    filename: str,
    survey_date: dt.date,
    ward: Ward | None = None,
    source: str = HouseholdCount.Source.IMPORT,
    progress: Progress | None = None,
    reason: str = "",
    columns: dict[str, str] | None = None,
) -> CountsImportResult:
    """Read, check and commit one file (what the task does). CountsImportRejected on any error.

    `reason` as in counts_import_commit; `columns` a column mapping (importer.RowStream; services.columns).

    On PostgreSQL the file is streamed, checked and written set-based (services.counts_fast): the
    same checks, messages and writes, 300,000 rows in 9–13 s and ~200 MB, where the preview → commit
    path below needs ~30 s and several GB. SQLite keeps the path below.
    """
    if connection.vendor == "postgresql":
        from .counts_fast import counts_import_fast

        return counts_import_fast(
            actor=actor,
            data=data,
            filename=filename,
            survey_date=survey_date,
            ward=ward,
            source=source,
            progress=progress,
            reason=reason,
            columns=columns,
        )
    report = progress or (lambda stage, done, total: None)
    report("reading", 0, 0)
    parsed = importer.parse_file(data, filename=filename, survey_date=survey_date, columns=columns)
    total = len(parsed.rows)
    # As on the fast path, "checked" once the rows are read with their own checks; they are checked
    # against the register once, inside the commit's transaction (CountsImportRejected on any error).
    report("checked", total, total)
    report("writing", 0, total)
    result = counts_import_commit(
        actor=actor,
        survey_date=survey_date,
        parsed=parsed,
        filename=filename,
        ward=ward,
        source=source,
        reason=reason,
    )
    report("done", total, total)
    return result


@dataclass(frozen=True)
class CountsImportSubmission:
    """Either the finished import (`result`) or the id of the task doing it (`task_id`)."""

    result: CountsImportResult | None = None
    task_id: str | None = None

    @property
    def deferred(self) -> bool:
        return self.task_id is not None


def counts_import_async_threshold() -> int:
    return getattr(settings, "COUNTS_IMPORT_ASYNC_THRESHOLD", DEFAULT_COUNTS_IMPORT_ASYNC_THRESHOLD)


def counts_import_submit(
    *,
    actor,
    data: bytes,
    filename: str,
    survey_date: dt.date,
    ward: Ward | None = None,
    reason: str = "",
    mapping: dict[str, str] | None = None,
) -> CountsImportSubmission:
    """Record an upload and import it: now, or — above COUNTS_IMPORT_ASYNC_THRESHOLD rows — by the task.

    services.uploads in one call (counts_upload_create, then counts_upload_commit), for the API's
    commit. A deferred import's `task_id` is the upload's id; its progress is on the record
    (tasks.import_progress). Raises CountsImportRejected when an immediate import has errors, and
    chonaikai.queue.QueueUnavailable when a deferred one cannot be queued (nothing is written; the
    upload stays previewed until purged). `reason` as in counts_import_commit; `mapping` as in
    counts_upload_create.
    """
    from .uploads import Status, counts_upload_commit, counts_upload_create, finish, rejection_of

    upload = counts_upload_create(
        actor=actor,
        data=data,
        filename=filename,
        survey_date=survey_date,
        ward=ward,
        reason=reason,
        preview=False,
        mapping=mapping,
    )
    try:
        result = counts_upload_commit(actor=actor, upload=upload, keep_if_unqueued=False)
    except CountsImportRejected as e:
        # No page to come back to: the outcome is recorded and the file removed at once.
        finish(upload, status=Status.FAILED, result=rejection_of(e.preview))
        raise
    if result is None:
        return CountsImportSubmission(task_id=str(upload.pk))
    return CountsImportSubmission(result=result)
