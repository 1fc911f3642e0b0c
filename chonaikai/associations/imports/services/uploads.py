"""Counts uploads (models.CountsUpload): one record and one path for the page, the API, the command and the tasks.

    counts_upload_create  → the file in the default storage, a record (uploaded); a large file's
                            preview starts in the background (previewing)
    counts_upload_preview → the preview: at once, rows listed, for a file of no more rows than
                            COUNTS_IMPORT_ASYNC_THRESHOLD; for a larger one the figures and issues
                            the background check recorded (previewing → previewed)
    counts_upload_commit  → the import: at once for a small file, else by the task (importing)
    counts_upload_import  → what the task (and the command, in its own process) runs: read, check
                            and write the stored file, record the outcome (imported / failed) and
                            remove the file
    counts_uploads_purge  → files and records older than COUNTS_UPLOAD_RETENTION_HOURS

Size decides the path: a small file is previewed row by row (importer.preview_file) and imported by
services.counts_import_file; a large one is checked and written by the PostgreSQL fast path
(services.counts_fast: COPY into staging, set-based checks, one upsert), its preview being that
path's dry run. On SQLite the row-by-row path serves every size.

Progress (stage, done, total) is kept on the record. The fast path reports from inside its
transaction, so on PostgreSQL the progress is written through a second connection in autocommit
(other sessions see it at once; the import's transaction never touches the upload's row).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import asdict
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from chonaikai.queue import QueueUnavailable, enqueue
from wards.models import Ward

from ...models import CountsUpload
from .. import importer
from . import columns
from .counts import (
    CountsImportRejected,
    CountsImportResult,
    counts_import_async_threshold,
    counts_import_file,
)
from .counts_fast import counts_import_fast

# The background check and import of a large upload (chonaikai.associations.tasks registers them
# under these names). Sent by name through chonaikai.queue: tasks call services, never the reverse.
PREVIEW_TASK = "chonaikai.associations.tasks.preview_counts_upload_task"
IMPORT_TASK = "chonaikai.associations.tasks.import_counts_task"

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_HOURS = 72
# A stored preview or outcome keeps this many errors and this many warnings (the figures count all).
MAX_STORED_ISSUES = 1000
# Folders of the stores this record replaced; the purge empties them of files past the retention.
LEGACY_DIRS = ("imports/pending", "imports/counts")
Status = CountsUpload.Status


def counts_upload_retention() -> dt.timedelta:
    return dt.timedelta(hours=getattr(settings, "COUNTS_UPLOAD_RETENTION_HOURS", DEFAULT_RETENTION_HOURS))


# ---------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------


def counts_upload_create(
    *,
    actor,
    data: bytes,
    filename: str,
    survey_date: dt.date,
    ward: Ward | None = None,
    reason: str = "",
    preview: bool = True,
    mapping: dict[str, str] | None = None,
) -> CountsUpload:
    """Store an upload and record it; with `preview`, a large file's check starts in the background.

    `mapping`: a column mapping (importer.RowStream's `columns`) given with the file (the API);
    without one, the ward's remembered mapping (services.columns) is the upload's.

    `actor` None is the command's system import. The caller has checked that `actor` may import
    for `ward` (policy.get_ward_for_edit) and the file's type and size (forms, the API).
    """
    upload = CountsUpload(
        owner=actor if getattr(actor, "is_authenticated", False) else None,
        ward=ward,
        survey_date=survey_date,
        filename=PurePath(filename).name[:255],
        reason=reason.strip(),
        # The ward's remembered column mapping; a file with the template's headings is unaffected.
        columns=dict(mapping) if mapping else columns.remembered(ward),
        expires_at=timezone.now() + counts_upload_retention(),
    )
    upload.file.save("upload", ContentFile(data), save=False)
    upload.save()
    if preview and is_large(upload, data):
        _start_background_preview(upload)
    return upload


def is_large(upload: CountsUpload, data: bytes | None = None) -> bool:
    """More rows than COUNTS_IMPORT_ASYNC_THRESHOLD: previewed and imported in the background."""
    if upload.rows is None:
        if data is None:
            data = read_upload(upload)
        upload.rows = importer.count_rows(data, upload.filename)
        CountsUpload.objects.filter(pk=upload.pk).update(rows=upload.rows)
    return upload.rows > counts_import_async_threshold()


def read_upload(upload: CountsUpload) -> bytes:
    """The stored file's bytes. FileNotFoundError once the import (or the purge) removed it."""
    if not upload.file:
        raise FileNotFoundError(upload.pk)
    with default_storage.open(upload.file.name, "rb") as f:
        return f.read()


# ---------------------------------------------------------------------------------------------
# Preview
# ---------------------------------------------------------------------------------------------


def counts_upload_preview(*, actor, upload: CountsUpload) -> importer.Preview | None:
    """The upload's preview, or None while the background check of a large file is at work.

    A small file is checked now, every row with its issues (the page lists them). A large file's
    preview is the one the background check recorded (figures and issues, no rows); if there is
    none for the upload as it stands (its reason changed since), the check is started again.
    """
    if upload.status == Status.PREVIEWING:
        return None
    data = read_upload(upload)
    if is_large(upload, data):
        stored = upload.result.get("preview") if upload.status == Status.PREVIEWED and upload.result else None
        if stored is None:
            _start_background_preview(upload)
            if not CountsUpload.objects.filter(pk=upload.pk, status=Status.PREVIEWING).exists():
                raise QueueUnavailable()  # it could not be queued (see _start_background_preview)
            return None
        return preview_from_json(stored, upload=upload)
    preview = importer.preview_file(
        data,
        filename=upload.filename,
        survey_date=upload.survey_date,
        actor=actor,
        ward=upload.ward,
        reason=upload.reason,
        columns=upload.columns,
    )
    _record(upload, status=Status.PREVIEWED, result={"preview": preview_as_json(preview)})
    return preview


def counts_upload_check(*, upload_id, progress=None) -> importer.Preview:
    """Check a stored upload without writing (the background preview, the command's --dry-run).

    A large file on PostgreSQL is checked by the fast path's dry run (figures and issues, no rows);
    otherwise row by row. The preview is recorded (previewed) and returned.
    """
    upload = CountsUpload.objects.select_related("ward", "owner").get(pk=upload_id)
    report, close = _progress_writer(upload.pk, progress)
    try:
        data = read_upload(upload)
        if connection.vendor == "postgresql" and is_large(upload, data):
            try:
                result = counts_import_fast(
                    actor=upload.owner,
                    data=data,
                    filename=upload.filename,
                    survey_date=upload.survey_date,
                    ward=upload.ward,
                    progress=report,
                    reason=upload.reason,
                    columns=upload.columns,
                    dry_run=True,
                )
            except CountsImportRejected as e:
                preview = e.preview
            else:
                preview = result.preview
        else:
            report("reading", 0, 0)
            preview = importer.preview_file(
                data,
                filename=upload.filename,
                survey_date=upload.survey_date,
                actor=upload.owner,
                ward=upload.ward,
                reason=upload.reason,
                columns=upload.columns,
            )
            total = preview.summary.rows
            report("done", total, total)
    finally:
        close()
    _record(upload, status=Status.PREVIEWED, stage="done", result={"preview": preview_as_json(preview)})
    return preview


def counts_upload_set_reason(*, actor, upload: CountsUpload, reason: str) -> CountsUpload:
    """Keep the reason for changing an approved ward's counts; the preview is made again with it."""
    upload.reason = reason.strip()
    upload.save(update_fields=["reason", "updated_at"])
    _record(upload, status=Status.UPLOADED, result=None)
    return upload


def counts_upload_set_columns(*, actor, upload: CountsUpload, mapping: dict[str, str]) -> CountsUpload:
    """Read the upload through a column mapping (required column, or 備考 → heading), remembered for
    its ward.

    The preview is made again with it; the ward's next file is read through it too.
    """
    mapping = {
        column: text for column, text in mapping.items() if column in importer.MAPPABLE_COLUMNS and text
    }
    upload.columns = mapping
    upload.save(update_fields=["columns", "updated_at"])
    columns.remember(ward=upload.ward, columns=mapping, actor=actor)
    _record(upload, status=Status.UPLOADED, result=None)
    return upload


def _start_background_preview(upload: CountsUpload) -> None:
    _record(upload, status=Status.PREVIEWING, stage="queued", done=0, total=0, result=None)
    upload_id = str(upload.pk)

    def send() -> None:
        try:
            enqueue(PREVIEW_TASK, upload_id, task_id=f"preview-{upload_id}")
        except QueueUnavailable:
            # Nothing will check it: back to uploaded, so that opening the preview tries again
            # (and says the queue is down). Not raised: the upload itself is kept.
            logger.warning("counts upload %s: its preview could not be queued", upload_id)
            CountsUpload.objects.filter(pk=upload_id).update(status=Status.UPLOADED, stage="")

    transaction.on_commit(send)


# ---------------------------------------------------------------------------------------------
# Commit and import
# ---------------------------------------------------------------------------------------------


def counts_upload_commit(
    *, actor, upload: CountsUpload, keep_if_unqueued: bool = True
) -> CountsImportResult | None:
    """Import the upload: at once (the result) or, for a large file, by the task (None).

    An immediate import with errors raises CountsImportRejected and leaves the upload as it was
    (the user may give a reason and commit again). A deferred one is queued after commit; when the
    queue cannot be reached, QueueUnavailable is raised and the upload is left as it was, so the
    same upload can be committed later (the page) — or, without `keep_if_unqueued`, discarded
    (the API, whose client sends the file again). An upload already committed is not imported
    again (None).
    """
    if upload.submitted:
        return None
    data = read_upload(upload)
    if not is_large(upload, data):
        result = counts_import_file(
            actor=actor,
            data=data,
            filename=upload.filename,
            survey_date=upload.survey_date,
            ward=upload.ward,
            reason=upload.reason,
            columns=upload.columns,
        )
        finish(upload, status=Status.IMPORTED, result=outcome_of(result), rows=result.preview.summary.rows)
        return result

    previous = upload.status
    _record(upload, status=Status.IMPORTING, stage="queued", done=0, total=0)
    upload_id = str(upload.pk)

    def send() -> None:
        try:
            enqueue(IMPORT_TASK, upload_id, task_id=upload_id)
        except QueueUnavailable:
            CountsUpload.objects.filter(pk=upload_id).update(status=previous, stage="")
            if not keep_if_unqueued:
                counts_upload_discard(upload=CountsUpload.objects.get(pk=upload_id))
            raise

    transaction.on_commit(send)
    return None


def counts_upload_import(*, upload_id, progress=None) -> CountsImportResult:
    """Read, check and write a stored upload; record the outcome and remove the file.

    What the background task runs, and the command in its own process. Raises
    CountsImportRejected (the outcome, with its errors, recorded: failed) when the file has errors.
    An upload that already has an outcome is not imported again: ValueError.
    """
    upload = CountsUpload.objects.select_related("ward", "owner").get(pk=upload_id)
    if upload.finished:
        raise ValueError(f"upload {upload.pk} already has an outcome ({upload.status})")
    report, close = _progress_writer(upload.pk, progress)
    try:
        if upload.status != Status.IMPORTING:
            _record(upload, status=Status.IMPORTING)
        result = counts_import_file(
            actor=upload.owner,
            data=read_upload(upload),
            filename=upload.filename,
            survey_date=upload.survey_date,
            ward=upload.ward,
            progress=report,
            reason=upload.reason,
            columns=upload.columns,
        )
    except CountsImportRejected as e:
        finish(upload, status=Status.FAILED, result=rejection_of(e.preview), rows=e.preview.summary.rows)
        raise
    finally:
        close()
    finish(upload, status=Status.IMPORTED, result=outcome_of(result), rows=result.preview.summary.rows)
    return result


def outcome_of(result: CountsImportResult) -> dict:
    return {"ok": True, **result.as_dict(), "warnings": _capped(result.preview.warnings)}


def rejection_of(preview: importer.Preview) -> dict:
    return {
        "ok": False,
        "errors": _capped(preview.errors),
        "warnings": _capped(preview.warnings),
        "summary": asdict(preview.summary),
    }


def progress_of(upload: CountsUpload) -> dict:
    """{"stage", "done", "total", "result"} as the API and the progress page report it."""
    finished = upload.finished or (upload.status == Status.PREVIEWED and bool(upload.result))
    stage = upload.stage or "queued"
    if upload.status == Status.IMPORTED:
        stage = "done"
    elif upload.status == Status.FAILED:
        stage = "failed"
    elif stage in ("done", "failed") and not finished:
        # The fast path reports "done" through its side connection as its transaction commits; the
        # outcome is recorded a moment later. Until then the import is still finishing: a caller
        # that stops polling at "done" must not get a done without its result.
        stage = "writing" if upload.status == Status.IMPORTING else "checked"
    return {
        "stage": stage,
        "done": upload.done,
        "total": upload.total,
        "result": _public_result(upload) if finished else None,
    }


def _public_result(upload: CountsUpload) -> dict | None:
    if upload.status == Status.PREVIEWED:
        preview = (upload.result or {}).get("preview") or {}
        return {"dry_run": True, **preview}
    return upload.result


def counts_upload_discard(*, upload: CountsUpload) -> None:
    """Give an upload up (nothing imported): the file is removed, the record kept until the purge."""
    if upload.submitted:
        raise ValueError(f"upload {upload.pk} was committed ({upload.status})")
    _record(upload, status=Status.DISCARDED, stage="")
    if upload.file:
        name = upload.file.name
        _record(upload, file="")
        default_storage.delete(name)


# ---------------------------------------------------------------------------------------------
# Purge
# ---------------------------------------------------------------------------------------------


def counts_uploads_purge(*, now: dt.datetime | None = None) -> int:
    """Remove uploads past their expiry (file and record), and old files of the former stores.

    An upload a task is still at work on is spared until its expiry plus a day (a task runs 15
    minutes at most, CELERY_TASK_TIME_LIMIT; one stuck longer than that has died). Returns the
    number of records removed.
    """
    now = now or timezone.now()
    busy = (Status.PREVIEWING, Status.IMPORTING)
    expired = CountsUpload.objects.filter(expires_at__lte=now).exclude(
        status__in=busy, expires_at__gt=now - dt.timedelta(days=1)
    )
    removed = 0
    for upload in expired.only("id", "file").iterator():
        if upload.file:
            default_storage.delete(upload.file.name)
        removed += CountsUpload.objects.filter(pk=upload.pk).delete()[0]
    _purge_legacy(now - counts_upload_retention())
    return removed


def _purge_legacy(before: dt.datetime) -> None:
    """Files of the file-system store this record replaced, older than the retention."""
    for top in LEGACY_DIRS:
        _purge_folder(top, before)


def _purge_folder(folder: str, before: dt.datetime) -> None:
    try:
        dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        path = f"{folder}/{name}"
        try:
            if default_storage.get_modified_time(path) <= before:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue
    for name in dirs:
        _purge_folder(f"{folder}/{name}", before)


# ---------------------------------------------------------------------------------------------
# Records, progress and JSON
# ---------------------------------------------------------------------------------------------


def _record(upload: CountsUpload, **fields) -> None:
    """Set fields on the record (and the instance) in one UPDATE."""
    for name, value in fields.items():
        setattr(upload, name, value)
    upload.updated_at = timezone.now()
    CountsUpload.objects.filter(pk=upload.pk).update(updated_at=upload.updated_at, **fields)


def finish(upload: CountsUpload, *, status: str, result: dict, rows: int | None = None) -> None:
    """The outcome first, then the file: a crash in between leaves a recorded outcome.

    `rows`: the rows the import read, as its final progress (done = total). Written here, on the
    request's own connection, whatever the progress written during the import could reach.
    """
    stage = "done" if status == Status.IMPORTED else "failed"
    if rows is None:
        _record(upload, status=status, stage=stage, result=result)
    else:
        _record(upload, status=status, stage=stage, result=result, done=rows, total=rows)
    if upload.file:
        name = upload.file.name
        _record(upload, file="")
        default_storage.delete(name)


def _progress_writer(upload_id: uuid.UUID, also=None):
    """(report, close): report(stage, done, total) writes the record's progress, then calls `also`."""
    side = None

    def report(stage: str, done: int, total: int) -> None:
        nonlocal side
        now = timezone.now()
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            # Inside the import's transaction: write where others can see it now. Best effort: should
            # the caller's own transaction hold the upload's row, the write gives up after a second
            # (lock_timeout) instead of waiting for a commit that waits for it; the outcome is
            # written on the caller's connection anyway (finish).
            if side is None:
                side = connections.create_connection(DEFAULT_DB_ALIAS)
                with side.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '1s'")
            table = connection.ops.quote_name(CountsUpload._meta.db_table)
            try:
                with side.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET stage = %s, done = %s, total = %s, updated_at = %s WHERE id = %s",
                        [stage, done, total, now, upload_id],
                    )
            except DatabaseError as e:
                logger.warning("counts upload %s: progress not written (%s)", upload_id, e)
        else:
            CountsUpload.objects.filter(pk=upload_id).update(
                stage=stage, done=done, total=total, updated_at=now
            )
        if also is not None:
            also(stage, done, total)

    def close() -> None:
        if side is not None:
            side.close()

    return report, close


def _capped(issues) -> list[dict]:
    return [i.as_dict() for i in list(issues)[:MAX_STORED_ISSUES]]


def preview_as_json(preview: importer.Preview) -> dict:
    """A preview's figures and issues (at most MAX_STORED_ISSUES of each kind), without its rows."""
    return {
        "survey_date": preview.survey_date.isoformat(),
        "summary": asdict(preview.summary),
        "errors": _capped(preview.errors),
        "warnings": _capped(preview.warnings),
        "file_issues": _capped(preview.parsed.issues),
        # For the page's column mapping (services.columns), which a large file's preview needs too.
        "header_candidates": [
            {"sheet": c.sheet, "row": c.row, "headers": [list(h) for h in c.headers], "found": c.found}
            for c in preview.parsed.header_candidates
        ],
    }


def preview_from_json(stored: dict, *, upload: CountsUpload) -> importer.Preview:
    issues = tuple(importer.Issue(**i) for i in (*stored["errors"], *stored["warnings"]))
    return importer.Preview(
        survey_date=upload.survey_date,
        rows=(),
        issues=issues,
        parsed=importer.ParsedFile(
            rows=(),
            issues=tuple(importer.Issue(**i) for i in stored.get("file_issues", ())),
            header_candidates=tuple(
                importer.HeaderCandidates(
                    sheet=c["sheet"],
                    row=c["row"],
                    headers=tuple((index, text) for index, text in c["headers"]),
                    found=dict(c["found"]),
                )
                for c in stored.get("header_candidates", ())
            ),
        ),
        ward=upload.ward,
        filename=upload.filename,
        totals=importer.Summary(**stored["summary"]),
    )
