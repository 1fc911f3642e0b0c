"""Reads of the review queues: which applications wait for whom (the stage a user works at, the
states it covers) and how many per stage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, QuerySet

from chonaikai.accounts import policy
from chonaikai.accounts.models import Role
from chonaikai.subsidies import policy as subsidy_policy

from .. import workflow
from ..models import (
    Application,
    Programme,
)
from ..wording import status_label
from ..workflow import Status

# ---------------------------------------------------------------------------------------------
# Queues and application pages
# ---------------------------------------------------------------------------------------------

LIST_RELATED = ("association", "association__ward", "programme", "hall")


def application_queue(
    *,
    user,
    statuses: tuple[str, ...] | list[str] | None = None,
    programme_code: str | None = None,
    fiscal_year: int | None = None,
) -> QuerySet[Application]:
    """The user's work list: visible applications in `statuses` (default: the user's stage), oldest first.

    Defaults: ward staff see what waits for their area office (submitted, under review, completion
    reported — on programmes reviewed by the area office); city administrators what waits for the
    city (forwarded, completion reported, confirmed; on city_only programmes also submitted);
    leaders all of their association's. Age: Application.days_in_status.
    """
    qs = subsidy_policy.applications_visible_to(user).select_related(*LIST_RELATED)
    if statuses is None:
        stage = queue_stage(user)
        if stage is not None:
            qs = qs.waiting_for(stage)
    elif statuses:
        qs = qs.filter(status__in=statuses)
    if programme_code:
        qs = qs.filter(programme__code=programme_code)
    if fiscal_year is not None:
        qs = qs.filter(programme__fiscal_year=fiscal_year)
    return qs.order_by("status_changed_at", "id")


def queue_stage(user) -> str | None:
    """Whose work list the user keeps: "city", "area" (ward staff) or None (everything visible)."""
    if policy.is_city_admin(user):
        return "city"
    assignment = policy.role_of(user)
    if assignment is not None and assignment.role == Role.WARD_STAFF:
        return "area"
    return None  # a leader: everything of their association


def queue_states(stage: str) -> list[str]:
    """The states that wait for `stage` on the review paths the programmes use (for the queue's label)."""
    paths = set(Programme.objects.values_list("review_path", flat=True).distinct()) or {
        workflow.ReviewPath.AREA_THEN_CITY
    }
    waiting = {s for path in paths for s in workflow.QUEUE_STATES[(path, stage)]}
    return [s for s in Status.values if s in waiting]


@dataclass(frozen=True)
class QueueCount:
    status: str
    label: str
    count: int
    oldest_changed_at: dt.datetime | None
    newest_changed_at: dt.datetime | None


def queue_counts(*, user, fiscal_year: int | None = None) -> list[QueueCount]:
    """Per state: how many visible applications, and since when the oldest has waited (one query)."""
    qs = subsidy_policy.applications_visible_to(user)
    if fiscal_year is not None:
        qs = qs.filter(programme__fiscal_year=fiscal_year)
    rows = {
        r["status"]: r
        for r in qs.order_by()
        .values("status")
        .annotate(n=Count("id"), oldest=Min("status_changed_at"), newest=Max("status_changed_at"))
    }
    return [
        QueueCount(
            status=status,
            label=status_label(status),
            count=rows[status]["n"] if status in rows else 0,
            oldest_changed_at=rows[status]["oldest"] if status in rows else None,
            newest_changed_at=rows[status]["newest"] if status in rows else None,
        )
        for status in Status.values
    ]
