"""Celery tasks for associations. Thin: primitive arguments in, one service call, JSON out.

Tasks call services; services never import this module. A service that needs work done in the
background sends the task by its registered name (chonaikai.queue.enqueue), so each name is set
here explicitly (name=) and stays the same wherever the code lives.

Without a broker (settings: CELERY_TASK_ALWAYS_EAGER) they run in the calling process.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from . import services
from .counts.services import rounds as round_services
from .imports.services import uploads
from .models import CountsUpload


def import_progress(upload_id: str) -> dict | None:
    """{"stage": queued|reading|checked|writing|done|failed, "done", "total", "result"} or None.

    Unscoped: for code that already holds the id it made (tests, the command). Views and the API
    reach an upload through selectors.counts_upload_for(user, id) and uploads.progress_of.
    """
    upload = CountsUpload.objects.filter(pk=upload_id).first()
    return uploads.progress_of(upload) if upload is not None else None


@shared_task(name=uploads.IMPORT_TASK)
def import_counts_task(upload_id: str) -> dict | None:
    """Import a stored upload (services.uploads.counts_upload_commit queued it); return its outcome.

    {"ok": true, "created": …, "updated": …, "unchanged": …, "warnings": […]} or
    {"ok": false, "errors": […], "warnings": […]}: rejected files are an outcome, not a failure.
    Delivered again after a crash once the outcome is recorded: the recorded outcome is returned.
    An upload purged meanwhile: None.
    """
    upload = CountsUpload.objects.filter(pk=upload_id).only("status", "result").first()
    if upload is None:
        return None
    if upload.finished:
        return upload.result
    try:
        services.counts_upload_import(upload_id=upload_id)
    except services.CountsImportRejected:
        pass
    return CountsUpload.objects.values_list("result", flat=True).get(pk=upload_id)


@shared_task(name=uploads.PREVIEW_TASK)
def preview_counts_upload_task(upload_id: str) -> dict | None:
    """Check a large stored upload without writing (the preview); its figures are recorded on it."""
    if not CountsUpload.objects.filter(pk=upload_id, status=CountsUpload.Status.PREVIEWING).exists():
        return None  # purged, or committed or changed since the check was queued
    preview = services.counts_upload_check(upload_id=upload_id)
    return uploads.preview_as_json(preview)["summary"]


@shared_task(name="chonaikai.associations.tasks.purge_counts_uploads_task")
def purge_counts_uploads_task() -> int:
    """Remove counts uploads past COUNTS_UPLOAD_RETENTION_HOURS (run hourly by Celery beat)."""
    return services.counts_uploads_purge()


# ---------------------------------------------------------------------------------------------
# Survey rounds: reminder mails (run daily by Celery beat, settings.CELERY_BEAT_SCHEDULE)
# ---------------------------------------------------------------------------------------------


@shared_task(name="chonaikai.associations.tasks.plan_round_reminders_task")
def plan_round_reminders_task(today: str | None = None) -> list[int]:
    """Record the reminders due today (ISO date; default: today here) and queue their mails.

    Safe to run more than once a day: a reminder is recorded, and so sent, once.
    """
    day = dt.date.fromisoformat(today) if today else None
    return services.round_reminders_plan(today=day)


@shared_task(name=round_services.SEND_REMINDER_TASK)
def send_round_reminder_task(reminder_id: int) -> bool:
    """Send one recorded reminder (nothing if it was sent already); True if a mail went out."""
    return services.round_reminder_deliver(reminder_id=reminder_id)
