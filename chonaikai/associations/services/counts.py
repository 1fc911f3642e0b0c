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
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from chonaikai.audit.services import audit_record
from wards.models import Ward

from .. import importer
from ..models import HouseholdCount

# Uploads with more rows than this are imported by a Celery task (tasks.import_counts_task).
DEFAULT_COUNTS_IMPORT_ASYNC_THRESHOLD = 2000
# Where deferred uploads wait for the task, in the default storage.
COUNTS_IMPORT_UPLOAD_DIR = "imports/counts"
# What an import writes on a count that already exists.
_UPDATED_FIELDS = ["households", "member_households", "note", "source", "entered_by", "entered_at"]
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
    return len(creates), len(updates)


def _audit_import(preview: importer.Preview, *, actor, source: str) -> None:
    """One event per ward whose counts the import created or changed."""
    per_ward: dict[str, dict[str, int]] = defaultdict(lambda: {"created": 0, "updated": 0})
    for row in preview.rows:
        if row.status == importer.RowStatus.NEW:
            per_ward[row.ward_code]["created"] += 1
        elif row.status == importer.RowStatus.CHANGED:
            per_ward[row.ward_code]["updated"] += 1
    for ward in Ward.objects.filter(code__in=per_ward):
        audit_record(
            actor=actor,
            action="counts.imported",
            subject=ward,
            after={
                "survey_date": preview.survey_date.isoformat(),
                "file": preview.filename,
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
    """Read, check and commit one file (what the task does). CountsImportRejected on any error."""
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
    CountsImportRejected when an immediate import has errors.
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
    transaction.on_commit(lambda: import_counts_task.apply_async(kwargs=kwargs, task_id=task_id))
    return CountsImportSubmission(task_id=task_id)
