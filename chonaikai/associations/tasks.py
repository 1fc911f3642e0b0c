"""Celery tasks for associations. Thin: primitive arguments in, one service call, JSON out.

Without a broker (settings: CELERY_TASK_ALWAYS_EAGER) they run in the calling process.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.storage import default_storage

from wards.models import Ward

from . import services

# Progress lives in the cache (CACHE_URL): in production that must be a shared cache (Redis) for
# web processes to see what the worker writes. It is also sent to Celery's result backend.
PROGRESS_KEY = "chonaikai:counts-import:{task_id}"
PROGRESS_TIMEOUT = 24 * 60 * 60


def import_progress(task_id: str) -> dict | None:
    """{"stage": reading|checked|writing|done|failed, "done": n, "total": n, "result": {...}} or None."""
    return cache.get(PROGRESS_KEY.format(task_id=task_id))


@shared_task(bind=True)
def import_counts_task(
    self,
    *,
    storage_name: str,
    filename: str,
    survey_date: str,
    actor_id: int | None = None,
    ward_code: str | None = None,
    reason: str = "",
) -> dict:
    """Import a stored upload (services.counts_import_submit saved it); return the outcome as JSON.

    {"ok": true, "created": …, "updated": …, "unchanged": …, "warnings": […]} or
    {"ok": false, "errors": […], "warnings": […]}: rejected files are an outcome, not a failure.
    The stored upload is deleted once an outcome is known; on an unexpected exception it is kept,
    so that the task can be run again.
    """
    key = PROGRESS_KEY.format(task_id=self.request.id)
    rows = {"total": 0}

    def report(stage: str, done: int, total: int, result: dict | None = None) -> None:
        rows["total"] = total
        meta = {"stage": stage, "done": done, "total": total, "result": result}
        cache.set(key, meta, PROGRESS_TIMEOUT)
        self.update_state(state="PROGRESS", meta=meta)

    if not default_storage.exists(storage_name):
        # Redelivered after a crash between recording the outcome and deleting the upload: the
        # work is done, so answer with the recorded outcome instead of failing.
        finished = cache.get(key)
        if finished and finished.get("stage") in ("done", "failed"):
            return finished["result"]
    actor = get_user_model()._default_manager.get(pk=actor_id) if actor_id is not None else None
    ward = Ward.objects.get(code=ward_code) if ward_code else None
    with default_storage.open(storage_name, "rb") as f:
        data = f.read()
    try:
        result = services.counts_import_file(
            actor=actor,
            data=data,
            filename=filename,
            survey_date=dt.date.fromisoformat(survey_date),
            ward=ward,
            progress=report,
            reason=reason,
        )
    except services.CountsImportRejected as e:
        outcome = {
            "ok": False,
            "errors": [i.as_dict() for i in e.preview.errors],
            "warnings": [i.as_dict() for i in e.preview.warnings],
        }
        stage = "failed"
    else:
        outcome = {"ok": True, **result.as_dict()}
        stage = "done"
    # Outcome first, then the upload: a crash in between leaves a recorded outcome (see above).
    report(stage, rows["total"], rows["total"], result=outcome)
    default_storage.delete(storage_name)
    return outcome


# ---------------------------------------------------------------------------------------------
# Survey rounds: reminder mails (run daily by Celery beat, settings.CELERY_BEAT_SCHEDULE)
# ---------------------------------------------------------------------------------------------


@shared_task
def plan_round_reminders_task(today: str | None = None) -> list[int]:
    """Record the reminders due today (ISO date; default: today here) and queue their mails.

    Safe to run more than once a day: a reminder is recorded, and so sent, once.
    """
    day = dt.date.fromisoformat(today) if today else None
    return services.round_reminders_plan(today=day)


@shared_task
def send_round_reminder_task(reminder_id: int) -> bool:
    """Send one recorded reminder (nothing if it was sent already); True if a mail went out."""
    return services.round_reminder_deliver(reminder_id=reminder_id)
