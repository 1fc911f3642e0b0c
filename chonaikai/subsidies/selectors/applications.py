"""Reads of one application: its page (scoped through the policy), lines, the actions open to a
user, amounts and breakdowns, its history, attachments, claim and printable documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.accounts import policy
from chonaikai.subsidies import policy as subsidy_policy

from .. import rules, workflow
from ..models import (
    Application,
    Attachment,
    ExpenseLine,
    PaymentClaim,
    Transition,
)
from ..wording import action_label, status_label
from ..workflow import Status
from .programmes import rule_for
from .queues import LIST_RELATED


def application_detail(*, user, application_id: int) -> Application:
    """One application with its lines, attachments and transitions prefetched; Http404 if not visible."""
    qs = (
        subsidy_policy.applications_visible_to(user)
        .select_related(*LIST_RELATED, "entered_by", "prepared_by", "verified_by")
        .prefetch_related(
            Prefetch("lines", queryset=ExpenseLine.objects.order_by("phase", "position", "id")),
            "attachments",
            Prefetch("transitions", queryset=Transition.objects.select_related("actor").order_by("at", "id")),
        )
    )
    return get_object_or_404(qs, pk=application_id)


def application_for_edit(*, user, application_id: int) -> Application:
    """The application if the user may change its content now (draft or returned); Http404 otherwise."""
    return subsidy_policy.get_application_for_edit(user, application_id)


def planned_lines(application: Application) -> list[ExpenseLine]:
    return [line for line in application.lines.all() if line.phase == ExpenseLine.Phase.PLANNED]


def actual_lines(application: Application) -> list[ExpenseLine]:
    return [line for line in application.lines.all() if line.phase == ExpenseLine.Phase.ACTUAL]


def available_actions(*, user, application: Application) -> list[str]:
    """Workflow actions the user may take on the application now (for buttons): state and role both."""
    return [
        action
        for action in workflow.actions_from(application.status, application.programme.review_path)
        if subsidy_policy.can_take_application_action(user, application, action)
    ]


def needs_verification_by(*, user, application: Application) -> bool:
    """Whether to offer this user the 「入力内容を確認」 button for a paper application."""
    return (
        application.needs_verification
        and application.status == Status.SUBMITTED
        and subsidy_policy.can_verify_paper_entry(user, application)
    )


def amount_for(application: Application, lines: Iterable) -> rules.Breakdown:
    """The amount `lines` give under the application's rule (its category, its hall's floor area).

    The one place that feeds the rules: the service computes the saved amount with it, and the
    wizard's live breakdown answers "what if" with it while the leader types. `lines`: anything
    with kind, amount and description (saved ExpenseLines or a formset's unsaved lines).
    """
    rule = rule_for(application.programme, application.category)
    area = application.hall.floor_area_m2 if application.hall is not None else None
    return rules.compute_amount(
        rule,
        lines=[rules.Line(kind=x.kind, amount=x.amount, description=x.description) for x in lines],
        floor_area_m2=area,
    )


def attachment_for(*, user, attachment_id: int) -> Attachment:
    """An attachment of an application the user may see; Http404 whether missing or forbidden."""
    return get_object_or_404(
        Attachment.objects.filter(
            application__in=subsidy_policy.applications_visible_to(user)
        ).select_related("application", "application__programme"),
        pk=attachment_id,
    )


def breakdown_of(application: Application, *, user, actual: bool = False) -> rules.Breakdown | None:
    """The stored breakdown (planned, or actual once reported) as `user` is shown it.

    Staff who review the application (the ward, the city) see the 「要綱で要確認」 note of a rule
    still to be confirmed; the association's people see the figures without it.
    """
    data = application.actual_breakdown if actual else application.breakdown
    if not data:
        return None
    breakdown = rules.Breakdown.from_dict(data)
    return breakdown if sees_rule_notes(user, application) else breakdown.for_applicants()


def sees_rule_notes(user, application: Application) -> bool:
    """Whether `user` is shown that a rule is still 「要綱で要確認」: reviewing staff, not applicants."""
    return subsidy_policy.can_review_application(user, application)


# The domain events shown in an application's history besides its state changes.
_VERIFIED = "subsidy_application.verified"
_VERIFICATION_UNDONE = "subsidy_application.verification_undone"
_ATTACHMENT_ADDED = "subsidy_application.attachment_added"
_ATTACHMENT_DELETED = "subsidy_application.attachment_deleted"
_TRANSITION_EVENTS = {f"subsidy_application.{action}": action for action in workflow.Action.values}


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an application's history (これまでの経過)."""

    at: dt.datetime
    what: str  # the action, e.g. 「提出」「添付書類の追加」
    actor_name: str
    from_status: str = ""  # for state changes
    to_status: str = ""
    detail: str = ""  # the comment, or which file

    @property
    def status_text(self) -> str:
        if not self.to_status:
            return ""
        return f"{status_label(self.from_status)} → {status_label(self.to_status)}"


def application_history(application: Application) -> list[HistoryEntry]:
    """State changes, second-person checks and attachment changes, oldest first (two queries).

    The services write an audit event with every one of them in the same transaction, so the events
    give one order. Transition rows without an event (sample data written straight to the tables)
    are added by their time.
    """
    from django.contrib.contenttypes.models import ContentType

    from chonaikai.audit.models import AuditEvent

    events = list(
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(Application),
            subject_id=str(application.pk),
            action__in=[
                *_TRANSITION_EVENTS,
                _VERIFIED,
                _VERIFICATION_UNDONE,
                _ATTACHMENT_ADDED,
                _ATTACHMENT_DELETED,
            ],
        ).order_by("at", "id")
    )
    entries = [_history_entry(e) for e in events]
    recorded: dict[str, int] = {}
    for event in events:
        action = _TRANSITION_EVENTS.get(event.action)
        if action is not None:
            recorded[action] = recorded.get(action, 0) + 1
    transitions = sorted(application.transitions.all(), key=lambda t: (t.at, t.id))
    unrecorded = []
    for t in transitions:
        if recorded.get(t.action, 0) > 0:
            recorded[t.action] -= 1
            continue
        unrecorded.append(
            HistoryEntry(
                at=t.at,
                what=action_label(t.action),
                actor_name=t.actor_name,
                from_status=t.from_status,
                to_status=t.to_status,
                detail=t.comment,
            )
        )
    if not unrecorded:
        return entries
    return sorted(unrecorded + entries, key=lambda entry: entry.at)  # stable: events keep their order


def _history_entry(event) -> HistoryEntry:
    before, after = event.before or {}, event.after or {}
    action = _TRANSITION_EVENTS.get(event.action)
    if action is not None:
        return HistoryEntry(
            at=event.at,
            what=action_label(action),
            actor_name=event.actor_name,
            from_status=before.get("status", ""),
            to_status=after.get("status", ""),
            detail=event.comment,
        )
    if event.action == _VERIFIED:
        return HistoryEntry(
            at=event.at, what=_("入力内容の確認"), actor_name=event.actor_name, detail=event.comment
        )
    if event.action == _VERIFICATION_UNDONE:
        return HistoryEntry(
            at=event.at,
            what=_("入力内容の確認の取消し"),
            actor_name=event.actor_name,
            detail=_("%(name)sの確認の後に内容か添付書類が変わったため、別の職員がもう一度確認します。")
            % {"name": before.get("verified_by_name") or _("職員")},
        )
    added = event.action == _ATTACHMENT_ADDED
    file = after if added else before
    kinds = dict(Attachment.Kind.choices)
    detail = _("「%(name)s」（%(kind)s）") % {
        "name": file.get("name", ""),
        "kind": kinds.get(file.get("kind"), file.get("kind", "")),
    }
    if before.get("verified_by") is not None and after.get("verified_by") is None:
        detail += _("。紙の申請の入力内容の確認をやり直す必要があります。")
    return HistoryEntry(
        at=event.at,
        what=_("添付書類の追加") if added else _("添付書類の削除"),
        actor_name=event.actor_name,
        detail=detail,
    )


def sees_bank_account(user, application: Application) -> bool:
    """The 振込先 of a claim: the association's own leaders and the city, which pays; not the ward's
    staff, viewers or other associations."""
    if policy.is_city_admin(user):
        return True
    return subsidy_policy.associations_applying_as(user).filter(pk=application.association_id).exists()


def claim_of(application: Application):
    """The application's 交付請求, or None."""
    return PaymentClaim.objects.filter(application=application).first()


# The printable documents of an application: key → (title, whether the application has reached it).
DOCUMENTS = ("decision", "confirmation", "claim")


def documents_available(user, application: Application) -> list[str]:
    """Which of 交付決定通知書, 額の確定通知書 and 請求書 exist for the application and the user may open."""
    available = []
    if application.status in workflow.GRANTED_STATES and application.approved_amount is not None:
        available.append("decision")
    if application.confirmed_amount is not None:
        available.append("confirmation")
    if claim_of(application) is not None and sees_bank_account(user, application):
        available.append("claim")
    return available


def transition_day(application: Application, action: str) -> dt.date | None:
    """The (local) day of the application's last `action`, or None."""
    last = application.transitions.filter(action=action).order_by("-at", "-id").first()
    return timezone.localtime(last.at).date() if last is not None else None
