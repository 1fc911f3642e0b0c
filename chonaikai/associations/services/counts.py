"""Writes for household counts: the file import (preview, all-or-nothing commit, background runs).

See the package docstring for the conventions every service follows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from chonaikai.audit.services import audit_record
from chonaikai.queue import QueueUnavailable, enqueue
from wards.models import Ward

from .. import importer
from ..models import HouseholdCount
from .rounds import ward_progress_mark_started
from .summaries import summaries_refresh

# Uploads with more rows than this are imported by a Celery task (tasks.import_counts_task).
DEFAULT_COUNTS_IMPORT_ASYNC_THRESHOLD = 2000
# Where deferred uploads wait for the task, in the default storage.
COUNTS_IMPORT_UPLOAD_DIR = "imports/counts"
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
    ward: Ward | None = None,
    source: str = HouseholdCount.Source.IMPORT,
) -> CountsImportResult:
    """Write the counts of a preview (or of parsed rows) for `survey_date`: all of them or none.

    The rows are checked again inside the transaction (associations, status, the actor's scope,
    duplicates; existing counts locked on PostgreSQL), so a preview shown earlier is never
    trusted. Any error raises CountsImportRejected and nothing is written. New counts are
    created, changed ones updated, unchanged ones left alone (no write, no history row), so
    importing the same file twice changes nothing the second time. Every write sets
    entered_by=actor and `source`, and leaves a history row with history_user=actor (reason
    "ファイル取込 <file name>" for imports).

    `ward` (restrict to one ward's associations) is for `rows`; a preview carries its own.

    No query per row: two reads, one bulk insert and one upsert, each with its history insert —
    8 queries on PostgreSQL whatever the size. SQLite makes Django split bulk statements into
    batches of 999 parameters (76–124 rows), so there the count grows by one per batch.
    """
    if (preview is None) == (rows is None):
        raise TypeError("counts_import_commit() takes either preview or rows")
    if source not in HouseholdCount.Source.values:
        raise ValueError(f"unknown source {source!r}")
    if preview is not None:
        if preview.survey_date != survey_date:
            raise ValueError("the preview was made for another survey date")
        if ward is not None and ward != preview.ward:
            raise ValueError("the preview was made for another ward restriction")
        parsed, ward, filename = preview.parsed, preview.ward, preview.filename
    else:
        parsed, filename = importer.ParsedFile(rows=tuple(rows)), ""
    checked = None
    try:
        with transaction.atomic():
            checked = importer.check_rows(
                parsed, survey_date=survey_date, actor=actor, ward=ward, lock=True, filename=filename
            )
            if checked.has_errors:
                raise CountsImportRejected(checked)
            created, updated = _write_counts(checked, actor=actor, source=source)
            _audit_import(checked, actor=actor, source=source)
    except IntegrityError as e:
        if checked is None:
            raise
        # Someone entered a count for one of these associations between our read and our write.
        raise CountsImportRejected(
            checked.with_issue(
                importer.Issue(
                    importer.ERROR,
                    "取込中に他の利用者が同じ町内会の世帯数を登録しました。もう一度取り込んでください。",
                )
            )
        ) from e
    return CountsImportResult(
        preview=checked, created=created, updated=updated, unchanged=checked.summary.unchanged
    )


def _write_counts(preview: importer.Preview, *, actor, source: str) -> tuple[int, int]:
    now = timezone.now()
    reason = f"ファイル取込 {preview.filename}".strip() if source == HouseholdCount.Source.IMPORT else ""
    history = {
        "default_user": actor,
        "default_change_reason": reason[:_HISTORY_REASON_MAX],
        "default_date": now,
    }
    creates, updates = [], []
    for row in preview.rows:
        if row.status not in (importer.RowStatus.NEW, importer.RowStatus.CHANGED):
            continue
        count = HouseholdCount(
            association_id=row.association_id,
            survey_date=preview.survey_date,
            households=row.households,
            member_households=row.member_households,
            note=row.note,
            source=source,
            entered_by=actor,
            entered_at=now,
            # Optimistic locking (services.entry): every write moves the version on.
            version=(row.current_version or 0) + 1,
        )
        (creates if row.count_id is None else updates).append(count)
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
    if creates or updates:
        written_wards = {
            c.ward_code
            for c in preview.rows
            if c.status in (importer.RowStatus.NEW, importer.RowStatus.CHANGED)
        }
        # Survey rounds: a ward's first count for the date moves its progress to 入力中.
        ward_progress_mark_started(actor=actor, survey_date=preview.survey_date, ward_codes=written_wards)
        ward_ids = Ward.objects.filter(code__in=written_wards).values_list("id", flat=True)
        summaries_refresh((ward_id, preview.survey_date) for ward_id in ward_ids)
    return len(creates), len(updates)


def _audit_import(preview: importer.Preview, *, actor, source: str) -> None:
    """One event per ward whose counts the import created or changed."""
    per_ward: dict[str, dict[str, int]] = defaultdict(lambda: {"created": 0, "updated": 0})
    for row in preview.rows:
        if row.status == importer.RowStatus.NEW:
            per_ward[row.ward_code]["created"] += 1
        elif row.status == importer.RowStatus.CHANGED:
            per_ward[row.ward_code]["updated"] += 1
    audit_import_wards(
        per_ward, survey_date=preview.survey_date, filename=preview.filename, actor=actor, source=source
    )


def audit_import_wards(
    per_ward: dict[str, dict[str, int]], *, survey_date: dt.date, filename: str, actor, source: str
) -> None:
    """The import's events: one per ward code in `per_ward` ({"created": n, "updated": n})."""
    for ward in Ward.objects.filter(code__in=per_ward):
        audit_record(
            actor=actor,
            action="counts.imported",
            subject=ward,
            after={
                "survey_date": survey_date.isoformat(),
                "file": filename,
                "source": source,
                **per_ward[ward.code],
            },
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
) -> CountsImportResult:
    """Read, check and commit one file (what the task does). CountsImportRejected on any error.

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
        )
    report = progress or (lambda stage, done, total: None)
    report("reading", 0, 0)
    preview = importer.preview_file(data, filename=filename, survey_date=survey_date, actor=actor, ward=ward)
    total = len(preview.rows)
    report("checked", total, total)
    if preview.has_errors:
        raise CountsImportRejected(preview)
    report("writing", 0, total)
    result = counts_import_commit(actor=actor, survey_date=survey_date, preview=preview, source=source)
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
) -> CountsImportSubmission:
    """Import an upload now, or — above COUNTS_IMPORT_ASYNC_THRESHOLD rows — through the Celery task.

    A deferred upload is saved to the default storage and the task is queued after the current
    transaction commits; its progress is read with tasks.import_progress(task_id). Raises
    CountsImportRejected when an immediate import has errors, and chonaikai.queue.QueueUnavailable
    (the stored upload removed again) when a deferred one cannot be queued.
    """
    if importer.count_rows(data, filename) <= counts_import_async_threshold():
        result = counts_import_file(
            actor=actor, data=data, filename=filename, survey_date=survey_date, ward=ward
        )
        return CountsImportSubmission(result=result)

    from ..tasks import import_counts_task  # tasks import this module

    task_id = str(uuid.uuid4())
    name = PurePath(filename).name
    storage_name = default_storage.save(f"{COUNTS_IMPORT_UPLOAD_DIR}/{task_id}/{name}", ContentFile(data))
    kwargs = {
        "storage_name": storage_name,
        "filename": name,
        "survey_date": survey_date.isoformat(),
        "actor_id": actor.pk if actor is not None else None,
        "ward_code": ward.code if ward is not None else None,
    }

    def send() -> None:
        try:
            enqueue(import_counts_task, task_id=task_id, **kwargs)
        except QueueUnavailable:
            default_storage.delete(storage_name)  # nothing will read it: the user uploads again
            raise

    transaction.on_commit(send)
    return CountsImportSubmission(task_id=task_id)
