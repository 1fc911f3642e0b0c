"""Reads for the start page (「あなたのやること」): what each role has to do about subsidies.

Scoped by the policy module like every other read (applications_visible_to); the page composes these
with the rounds' reads (chonaikai.start.page). Each list is one query whatever its length.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from chonaikai.subsidies import policy as subsidy_policy

from ..models import Application, PaymentClaim
from ..workflow import Status
from .programmes import ProgrammeSummary, programme_summaries
from .queues import application_queue

# What the association is asked to do, by state: returned (修正), approved (実績報告), confirmed
# without a claim (請求書). Drafts are listed on their own.
LEADER_ASKED_STATES = (Status.RETURNED, Status.APPROVED, Status.CONFIRMED)


def _with_claim(qs):
    return qs.annotate(has_claim=Exists(PaymentClaim.objects.filter(application=OuterRef("pk"))))


@dataclass(frozen=True)
class LeaderSubsidies:
    drafts: list[Application]
    asked: list[Application]  # returned, approved (completion report due), confirmed without a claim
    others: list[Application]  # everything else, newest first, with its state for the leader


def leader_subsidies(*, user) -> LeaderSubsidies:
    """The leader's association's applications, sorted into drafts, what is asked of them and the
    rest (one query)."""
    apps = list(
        _with_claim(
            subsidy_policy.applications_visible_to(user).select_related("programme", "association")
        ).order_by("-status_changed_at", "-id")
    )
    drafts = [a for a in apps if a.status == Status.DRAFT]
    asked = [
        a
        for a in apps
        if a.status in LEADER_ASKED_STATES and not (a.status == Status.CONFIRMED and a.has_claim)
    ]
    taken = {a.pk for a in drafts + asked}
    return LeaderSubsidies(drafts=drafts, asked=asked, others=[a for a in apps if a.pk not in taken])


def waiting_for(*, user, limit: int = 10) -> tuple[list[Application], int]:
    """Applications waiting for the user's stage (the ward's or the city's), oldest first: the first
    `limit` and how many in all (two queries)."""
    qs = _with_claim(application_queue(user=user))
    return list(qs[:limit]), qs.count()


def budget_use(*, fiscal_year: int) -> list[ProgrammeSummary]:
    """Each programme of the year: budget, committed and remaining (programmes.programme_summary)."""
    return programme_summaries(fiscal_year=fiscal_year)
