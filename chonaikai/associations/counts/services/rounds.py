"""Writes for survey rounds: opening a round, each ward's progress through it, reminder mails.

A ward's progress moves only along the transitions in TRANSITIONS, each by the roles the policy
allows, each recorded as an audit event with the actor and the comment:

    未着手 ──(first count saved: grid or import)──▶ 入力中 ──submit──▶ 提出済み ──approve──▶ 承認済み
                                                       ▲                   │
                                                       ├────send_back──────┤ (comment required)
                                                       └────withdraw───────┘ (the ward, until the city acts)

Submitting with associations still without a count needs a reason (the comment). While submitted
the ward's counts are read-only (services.entry and importer.check_rows refuse changes): the ward
withdraws the submission, or the city sends it back. Approval locks the ward's counts for the
round: services.entry and importer.check_rows then accept a change only from a city
administrator or with a reason, and every change is a new revision in the counts' row history
(counts are never deleted).

See the package docstring for the conventions every service follows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chonaikai.accounts import policy
from chonaikai.accounts.models import Role
from chonaikai.accounts.names import name_to_store
from chonaikai.audit.services import audit_record
from chonaikai.cities.current import city
from chonaikai.cities.texts import labelled
from chonaikai.queue import enqueue
from wards.models import Ward

from ... import survey
from ...models import Association, HouseholdCount, RoundReminder, SurveyRound, WardProgress
from ...templatetags.japanese import jdate

Status = WardProgress.Status


class RoundError(Exception):
    """A rule of the survey rounds refused the change. The message is for the user (translated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------
# Opening a round
# ---------------------------------------------------------------------------------------------


def default_survey_date(today: dt.date | None = None) -> dt.date:
    """This year's survey date (the city's survey day, in the site's time zone): a new round's."""
    return survey.default_survey_date(today)


@transaction.atomic
def round_open(*, actor, deadline: dt.date, survey_date: dt.date | None = None) -> SurveyRound:
    """Open the round for `survey_date` (default: this year's survey date) with one progress row per ward.

    City administrators only (PermissionDenied otherwise). One round per survey date, which must
    be the city's survey day (survey.survey_day_error names it otherwise). Wards that
    already hold counts for the date (imported before the round was opened) start 入力中.
    """
    if actor is not None and not policy.can_manage_rounds(actor):
        raise PermissionDenied(_("調査を開始できるのは市の管理者だけです。"))
    survey_date = survey_date or default_survey_date()
    wrong_day = survey.survey_day_error(survey_date)
    if wrong_day is not None:
        raise RoundError(wrong_day)
    if deadline < survey_date:
        raise RoundError(
            _("提出期限（%(deadline)s）は調査基準日（%(date)s）以降にしてください。")
            % {"deadline": jdate(deadline), "date": jdate(survey_date)}
        )
    exists_message = _("調査基準日 %(date)s の調査は既に開始されています。") % {"date": jdate(survey_date)}
    if SurveyRound.objects.filter(survey_date=survey_date).exists():
        raise RoundError(exists_message)
    try:
        with transaction.atomic():
            survey_round = SurveyRound.objects.create(
                survey_date=survey_date, deadline=deadline, opened_by=_user_or_none(actor)
            )
    except IntegrityError as e:  # opened by someone else between the check and the insert
        raise RoundError(exists_message) from e
    started = set(
        HouseholdCount.objects.filter(survey_date=survey_date)
        .values_list("association__ward_id", flat=True)
        .distinct()
    )
    now = timezone.now()
    WardProgress.objects.bulk_create(
        WardProgress(
            survey_round=survey_round,
            ward=ward,
            status=Status.IN_PROGRESS if ward.pk in started else Status.NOT_STARTED,
            changed_at=now,
            changed_by=_user_or_none(actor),
            changed_by_name=_name(actor),
        )
        for ward in Ward.objects.order_by("code")
    )
    audit_record(
        actor=actor,
        action="round.opened",
        subject=survey_round,
        after={
            "survey_date": survey_date.isoformat(),
            "deadline": deadline.isoformat(),
            "wards_in_progress": len(started),
        },
    )
    return survey_round


# ---------------------------------------------------------------------------------------------
# A ward's progress
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    label: str  # the action, for messages: 提出 / 承認 / 差し戻し
    audit_action: str


SUBMIT, APPROVE, SEND_BACK, WITHDRAW = "submit", "approve", "send_back", "withdraw"
TRANSITIONS = {
    SUBMIT: Transition(
        frozenset({Status.IN_PROGRESS}), Status.SUBMITTED, gettext_lazy("提出"), "round.ward_submitted"
    ),
    APPROVE: Transition(
        frozenset({Status.SUBMITTED}), Status.APPROVED, gettext_lazy("承認"), "round.ward_approved"
    ),
    SEND_BACK: Transition(
        frozenset({Status.SUBMITTED}), Status.IN_PROGRESS, gettext_lazy("差し戻し"), "round.ward_sent_back"
    ),
    WITHDRAW: Transition(
        frozenset({Status.SUBMITTED}),
        Status.IN_PROGRESS,
        gettext_lazy("提出の取り下げ"),
        "round.ward_withdrawn",
    ),
}
# Who may take each action: the ward's staff or a city administrator submit; city administrators decide.
_ALLOWED = {
    SUBMIT: policy.can_submit_ward,
    APPROVE: policy.can_approve_ward,
    SEND_BACK: policy.can_approve_ward,
    WITHDRAW: policy.can_submit_ward,  # whoever may submit may take the submission back
}
# Why an action is impossible from a status, when that says more than "the status is X".
_REFUSALS = {
    (SUBMIT, Status.NOT_STARTED): gettext_lazy("まだ世帯数が1件も入力されていないため、提出できません。"),
    (SUBMIT, Status.SUBMITTED): gettext_lazy("既に提出済みです。"),
    (SUBMIT, Status.APPROVED): gettext_lazy("既に承認済みです。"),
    (APPROVE, Status.APPROVED): gettext_lazy("既に承認済みです。"),
    (SEND_BACK, Status.APPROVED): labelled(gettext_lazy("承認済みの%(area)sは差し戻せません。")),
    (WITHDRAW, Status.APPROVED): gettext_lazy("既に承認済みのため、提出を取り下げられません。"),
    (WITHDRAW, Status.IN_PROGRESS): gettext_lazy("提出されていないため、取り下げるものがありません。"),
    (WITHDRAW, Status.NOT_STARTED): gettext_lazy("提出されていないため、取り下げるものがありません。"),
}


def possible_actions(status: str) -> list[str]:
    """The actions the transition table allows from `status` (whoever the user is)."""
    return [action for action, t in TRANSITIONS.items() if status in t.sources]


def may_act(user, action: str, ward: Ward) -> bool:
    """Whether the policy lets `user` take `action` on `ward`'s progress (whatever its status)."""
    return _ALLOWED[action](user, ward)


@transaction.atomic
def ward_progress_submit(*, actor, survey_date: dt.date, ward_code: str, comment: str = "") -> WardProgress:
    """入力中 → 提出済み: the ward's staff or a city administrator.

    While active associations of the ward have no count for the survey, the comment must say why
    the ward submits anyway (RoundError otherwise); the audit event records how many were missing
    and how many counts the plausibility rule flags.
    """
    return _transition(
        actor=actor,
        action=SUBMIT,
        survey_date=survey_date,
        ward_code=ward_code,
        comment=comment,
        check=_submission_check,
    )


@transaction.atomic
def ward_progress_withdraw(*, actor, survey_date: dt.date, ward_code: str, comment: str = "") -> WardProgress:
    """提出済み → 入力中: the ward takes its submission back, as long as the city has not acted."""
    return _transition(
        actor=actor, action=WITHDRAW, survey_date=survey_date, ward_code=ward_code, comment=comment
    )


def _submission_check(progress: WardProgress, comment: str) -> dict:
    from ..selectors import ward_submission

    submission = ward_submission(ward=progress.ward, survey_date=progress.survey_round.survey_date)
    missing = len(submission.missing)
    if missing and not comment.strip():
        raise RoundError(
            _(
                "%(ward)sには世帯数が未入力の町内会が%(n)s件あります（%(counted)s／%(active)s件入力済み）。"
                "このまま提出する場合は、未入力のまま提出する理由を入力してください。"
            )
            % {
                "ward": progress.ward.name,
                "n": missing,
                "counted": submission.counted,
                "active": submission.active,
            }
        )
    return {"missing": missing, "flagged": len(submission.flagged), "active": submission.active}


@transaction.atomic
def ward_progress_approve(*, actor, survey_date: dt.date, ward_code: str, comment: str = "") -> WardProgress:
    """提出済み → 承認済み: city administrators. Locks the ward's counts for the round."""
    return _transition(
        actor=actor, action=APPROVE, survey_date=survey_date, ward_code=ward_code, comment=comment
    )


@transaction.atomic
def ward_progress_send_back(*, actor, survey_date: dt.date, ward_code: str, comment: str) -> WardProgress:
    """提出済み → 入力中 with a comment saying what to fix: city administrators."""
    if not comment.strip():
        raise RoundError(_("差し戻す理由をコメントに入力してください。"))
    return _transition(
        actor=actor, action=SEND_BACK, survey_date=survey_date, ward_code=ward_code, comment=comment
    )


def _transition(
    *, actor, action: str, survey_date: dt.date, ward_code: str, comment: str, check=None
) -> WardProgress:
    transition = TRANSITIONS[action]
    ward = Ward.objects.filter(code=ward_code).first()
    # Outside the actor's wards the ward "does not exist" (404); inside them, an action the role
    # may not take is refused (403) — a ward's staff can see that approval is someone else's.
    if ward is None or not (actor is None or policy.can_submit_ward(actor, ward)):
        raise Http404("no such ward in the actor's scope")
    if actor is not None and not may_act(actor, action, ward):
        raise PermissionDenied(
            _("%(ward)sの%(action)sは市の管理者だけが行えます。")
            % {"ward": ward.name, "action": transition.label}
        )
    progress = (
        WardProgress.objects.select_for_update(of=("self",))
        .select_related("ward", "survey_round")
        .filter(ward=ward, survey_round__survey_date=survey_date)
        .first()
    )
    if progress is None:
        raise Http404("no round for this survey date")
    if progress.status not in transition.sources:
        reason = _REFUSALS.get((action, progress.status)) or (
            _("状況が「%(status)s」のため、%(action)sできません。")
            % {"status": progress.get_status_display(), "action": transition.label}
        )
        raise RoundError(
            _("%(ward)s（%(date)s調査）は%(reason)s")
            % {"ward": ward.name, "date": jdate(survey_date), "reason": reason}
        )
    extra = check(progress, comment) if check is not None else {}
    _set_status(
        progress,
        transition.target,
        actor=actor,
        comment=comment,
        audit_action=transition.audit_action,
        extra=extra,
        action=action,
    )
    return progress


def _set_status(
    progress: WardProgress,
    status: str,
    *,
    actor,
    comment: str,
    audit_action: str,
    extra: dict | None = None,
    action: str = "started",
) -> None:
    before = progress.status
    progress.status = status
    progress.last_action = action
    progress.changed_at = timezone.now()
    progress.changed_by = _user_or_none(actor)
    progress.changed_by_name = _name(actor)
    progress.comment = comment
    progress.save(
        update_fields=["status", "changed_at", "changed_by", "changed_by_name", "comment", "last_action"]
    )
    audit_record(
        actor=actor,
        action=audit_action,
        subject=progress,
        before={"status": before},
        after={
            "status": status,
            "survey_date": progress.survey_round.survey_date.isoformat(),
            **(extra or {}),
        },
        comment=comment,
    )


@transaction.atomic
def ward_progress_mark_started(
    *, actor, survey_date: dt.date, ward_codes: Iterable[str] = (), ward_ids: Iterable[int] = ()
) -> list[WardProgress]:
    """未着手 → 入力中 for these wards (by code or by id) in the round of `survey_date`, if there is one.

    Called, inside its transaction, by the service that writes counts (services.counts.counts_write)
    with the wards whose counts it wrote. One query when nothing changes.
    """
    codes, ids = set(ward_codes), set(ward_ids)
    if not codes and not ids:
        return []
    wards = Q(ward__code__in=codes) | Q(ward_id__in=ids)
    started = list(
        WardProgress.objects.select_for_update(of=("self",))
        .select_related("ward", "survey_round")
        .filter(wards, survey_round__survey_date=survey_date, status=Status.NOT_STARTED)
    )
    for progress in started:
        _set_status(progress, Status.IN_PROGRESS, actor=actor, comment="", audit_action="round.ward_started")
    return started


def _user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _name(actor) -> str:
    user = _user_or_none(actor)
    return name_to_store(user) if user else ""


# ---------------------------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------------------------

# Days before the deadline (inclusive) in which each reminder is due. A window rather than one
# day, so that a day on which the task did not run (worker down) is caught up the next day; the
# RoundReminder row makes sure each is sent once.
REMINDER_WINDOWS = {
    RoundReminder.Kind.DEADLINE_7: (2, 7),
    RoundReminder.Kind.DEADLINE_1: (0, 1),
}
# The late notice is due from the day after the deadline, for this many days: a system restored
# from a backup or newly deployed does not mail about rounds long past.
LATE_NOTICE_DAYS = 14
_OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS)
# One reminder's mail (chonaikai.associations.tasks registers it under this name). Sent by name
# through chonaikai.queue: tasks call services, never the reverse.
SEND_REMINDER_TASK = "chonaikai.associations.tasks.send_round_reminder_task"


@transaction.atomic
def round_reminders_plan(*, today: dt.date | None = None) -> list[int]:
    """Record the reminders due today that are not recorded yet; mail each after commit.

    Ward staff are reminded 7 days and 1 day before the deadline while their ward has not
    submitted and still has active associations without a count; after the deadline city
    administrators get one notice listing the wards that have not submitted. Running this twice
    (or in two workers at once) records and sends nothing more: see RoundReminder's constraints.
    Returns the ids of the reminders recorded now.
    """
    today = today or timezone.localdate()
    earliest_deadline = today - dt.timedelta(days=LATE_NOTICE_DAYS)
    latest_deadline = today + dt.timedelta(days=max(days for _low, days in REMINDER_WINDOWS.values()))
    recorded: list[int] = []
    for survey_round in SurveyRound.objects.filter(deadline__range=(earliest_deadline, latest_deadline)):
        days_left = (survey_round.deadline - today).days
        if days_left < 0:
            late = WardProgress.objects.filter(survey_round=survey_round, status__in=_OPEN_STATUSES)
            if late.exists():
                reminder = _record_once(survey_round=survey_round, ward=None, kind=RoundReminder.Kind.LATE)
                if reminder is not None:
                    recorded.append(reminder.pk)
            continue
        kind = next((k for k, (low, high) in REMINDER_WINDOWS.items() if low <= days_left <= high), None)
        if kind is None:
            continue
        for ward_id in _wards_to_remind(survey_round):
            reminder = _record_once(survey_round=survey_round, ward_id=ward_id, kind=kind)
            if reminder is not None:
                recorded.append(reminder.pk)
    # Reminders recorded earlier whose mail never went out (queue down then) are queued again; the
    # task sends each at most once (it re-checks sent_at under a row lock). `robust`: a queue that is
    # down after commit is logged and retried on the next daily run, never an error for this caller.
    unsent = RoundReminder.objects.filter(
        sent_at__isnull=True, survey_round__deadline__range=(earliest_deadline, latest_deadline)
    ).exclude(pk__in=recorded)
    for reminder_id in [*recorded, *unsent.values_list("pk", flat=True)]:
        transaction.on_commit(lambda pk=reminder_id: enqueue(SEND_REMINDER_TASK, pk), robust=True)
    return recorded


def _wards_to_remind(survey_round: SurveyRound) -> list[int]:
    """Wards that have not submitted and still have active associations without a count."""
    open_wards = WardProgress.objects.filter(survey_round=survey_round, status__in=_OPEN_STATUSES).values(
        "ward_id"
    )
    return sorted(
        set(
            _missing_associations(survey_round.survey_date)
            .filter(ward_id__in=open_wards)
            .values_list("ward_id", flat=True)
        )
    )


def _missing_associations(survey_date: dt.date):
    has_count = HouseholdCount.objects.filter(association=OuterRef("pk"), survey_date=survey_date)
    return Association.objects.active().filter(~Exists(has_count))


def _record_once(*, survey_round: SurveyRound, kind: str, ward=None, ward_id=None) -> RoundReminder | None:
    """The new reminder row, or None if it was recorded before (now or by a concurrent run)."""
    ward_id = ward.pk if ward is not None else ward_id
    lookup = {"survey_round": survey_round, "kind": kind, "ward_id": ward_id}
    if RoundReminder.objects.filter(**lookup).exists():
        return None
    try:
        with transaction.atomic():
            return RoundReminder.objects.create(**lookup)
    except IntegrityError:
        return None


def round_reminder_deliver(*, reminder_id: int) -> bool:
    """Send one recorded reminder unless it was sent already; True if a mail went out.

    The row is locked while the mail is sent and marked sent in the same transaction, so two
    deliveries of one reminder send one mail. A reminder with nothing left to say (the ward has
    submitted or every association has a count by now) or nobody to send to is closed unsent.
    """
    with transaction.atomic():
        reminder = (
            RoundReminder.objects.select_for_update(of=("self",))
            .select_related("survey_round", "ward")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.sent_at is not None:
            return False
        if reminder.kind == RoundReminder.Kind.LATE:
            messages = _late_notice(reminder)
        else:
            messages = _ward_reminder(reminder)
        if messages:
            get_connection().send_messages(messages)
        reminder.sent_at = timezone.now()
        reminder.recipients = [address for m in messages for address in m.to]
        reminder.save(update_fields=["sent_at", "recipients"])
        audit_record(
            actor=None,
            action="round.reminder_sent",
            subject=reminder.survey_round,
            after={
                "kind": reminder.kind,
                "ward": reminder.ward.code if reminder.ward else None,
                "recipients": reminder.recipients,
            },
        )
        return bool(messages)


def _recipients(condition: Q) -> list[str]:
    """Addresses of active users matching `condition` that have one."""
    users = get_user_model()._default_manager.filter(is_active=True).exclude(email="")
    return sorted(set(users.filter(condition).values_list("email", flat=True)))


def _site_url(path: str) -> str:
    return (settings.SITE_URL or "").rstrip("/") + path


def _messages(recipients: list[str], template: str, context: dict) -> list[EmailMessage]:
    context = {**context, "site_title": settings.SITE_TITLE, "city_name": city().name}
    subject = "".join(render_to_string(f"counts/emails/{template}_subject.txt", context).splitlines())
    body = render_to_string(f"counts/emails/{template}_body.txt", context)
    # One message per person: colleagues' addresses are not shown to each other.
    return [EmailMessage(subject, body, None, [address]) for address in recipients]


def _ward_reminder(reminder: RoundReminder) -> list[EmailMessage]:
    survey_round, ward = reminder.survey_round, reminder.ward
    progress = WardProgress.objects.filter(survey_round=survey_round, ward=ward).first()
    if progress is None or progress.status not in _OPEN_STATUSES:
        return []
    missing = list(_missing_associations(survey_round.survey_date).filter(ward=ward).order_by("code"))
    if not missing:
        return []
    recipients = _recipients(Q(role_assignments__role=Role.WARD_STAFF, role_assignments__ward=ward))
    entry_path = reverse(
        "associations:count_entry",
        kwargs={"ward_code": ward.code, "survey_date": survey_round.survey_date.isoformat()},
    )
    return _messages(
        recipients,
        "ward_reminder",
        {
            "ward": ward,
            "survey_date": jdate(survey_round.survey_date),
            "deadline": jdate(survey_round.deadline),
            "days_left": max((survey_round.deadline - timezone.localdate()).days, 0),
            "missing": missing,
            "url": _site_url(entry_path),
        },
    )


def _late_notice(reminder: RoundReminder) -> list[EmailMessage]:
    survey_round = reminder.survey_round
    late = list(
        WardProgress.objects.filter(survey_round=survey_round, status__in=_OPEN_STATUSES)
        .select_related("ward")
        .order_by("ward__code")
    )
    if not late:
        return []
    missing = dict(
        _missing_associations(survey_round.survey_date)
        .filter(ward_id__in=[p.ward_id for p in late])
        .values_list("ward_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    recipients = _recipients(Q(role_assignments__role=Role.CITY_ADMIN) | Q(is_superuser=True))
    overview_path = reverse(
        "associations:count_round", kwargs={"survey_date": survey_round.survey_date.isoformat()}
    )
    return _messages(
        recipients,
        "late_notice",
        {
            "survey_date": jdate(survey_round.survey_date),
            "deadline": jdate(survey_round.deadline),
            "late": [(p, missing.get(p.ward_id, 0)) for p in late],
            "url": _site_url(overview_path),
        },
    )
