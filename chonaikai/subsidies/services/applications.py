"""Writes for applications: create (by the association or as a paper entry), edit, attach, and
every workflow transition.

Each function locks the application (SELECT … FOR UPDATE on PostgreSQL) through the policy's
`applications_visible_to`, so an application outside the actor's scope answers Http404 inside the
transaction, whatever a page showed earlier. Then, in this order: the role (PermissionDenied), the
state (IllegalTransition, from workflow.py), the programme's rules (other SubsidyError kinds).
A state change writes a Transition row and an audit event in the same transaction, and queues the
e-mail (tasks.notify_application_event_task) with transaction.on_commit.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.accounts import policy
from chonaikai.accounts.names import name_to_store
from chonaikai.associations.models import Association
from chonaikai.audit.services import audit_record
from chonaikai.cities.current import labels
from chonaikai.queue import enqueue

from .. import attachments, rules, selectors, tasks, workflow
from ..errors import (
    DuplicateApplication,
    FourEyesViolation,
    IllegalTransition,
    InvalidApplication,
    RepeatGrantTooSoon,
    RuleNotConfirmed,
)
from ..models import Application, Attachment, ExpenseLine, Hall, PaymentClaim, Programme, Transition
from ..wording import action_label, status_label
from ..workflow import Action, Status
from .halls import HallInput, hall_register_for_application

# Transitions that send e-mail to the association's leader and the ward's staff.
NOTIFIED_ACTIONS = frozenset(
    {Action.SUBMIT, Action.RETURN, Action.RETURN_COMPLETION, Action.APPROVE, Action.REJECT, Action.PAY}
)
# What application_update accepts.
UPDATABLE_FIELDS = ("purpose", "category", "hall_id", "planned_start", "planned_end")
# Attachments may be added while the content is editable, and after approval for the completion report.
_ATTACHABLE_STATES = workflow.EDITABLE_STATES | {Status.APPROVED}


@dataclass(frozen=True)
class LineInput:
    """An expense line as the association enters it."""

    kind: str  # ExpenseKindRule.code of the application's category
    description: str
    amount: int  # yen


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _locked(actor, application_id: int) -> Application:
    """The application, locked, if the actor may see it; Http404 otherwise."""
    qs = (
        policy.applications_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("programme", "association", "association__ward", "hall")
    )
    return get_object_or_404(qs, pk=application_id)


def _require_action(actor, app: Application, action: str) -> str:
    """The state `action` leads to, after the role check (PermissionDenied) and the state check."""
    if not policy.can_take_application_action(actor, app, action):
        raise PermissionDenied(
            _("この申請を「%(action)s」する権限がありません。") % {"action": action_label(action)}
        )
    return workflow.target_status(action, app.status, app.programme.review_path)


def _locked_for_edit(actor, application_id: int) -> Application:
    app = _locked(actor, application_id)
    if not policy.can_act_for_association(actor, app):
        raise PermissionDenied(_("この申請の内容を変更する権限がありません。"))
    if app.status not in workflow.EDITABLE_STATES:
        raise IllegalTransition(
            _("「%(status)s」の申請は内容を変更できません（変更できるのは下書きと差戻しの申請です）。")
            % {"status": status_label(app.status)},
            extra={"status": app.status},
        )
    return app


def _hall(association: Association, hall_id: int | None) -> Hall | None:
    if hall_id is None:
        return None
    hall = Hall.objects.filter(pk=hall_id, association=association).first()
    if hall is None:
        raise InvalidApplication(
            _("会館が見つかりません。この町内会の会館を選んでください。"), extra={"hall_id": hall_id}
        )
    return hall


def _check_content(app: Application) -> rules.CategoryRule:
    """The category's rule, after checking the content fits the programme."""
    programme = app.programme
    if programme.kind != Programme.Kind.APPLICATION:
        raise InvalidApplication(
            _("%(programme)sは申請不要です（加入世帯数から算定します）。") % {"programme": programme.name}
        )
    rule = selectors.rule_for(programme, app.category)
    if app.hall is not None and not rule.requires_hall:
        name = (
            _("%(programme)s（%(category)s）") % {"programme": programme.name, "category": rule.name}
            if rule.code
            else programme.name
        )
        raise InvalidApplication(_("%(programme)sでは会館を指定しません。") % {"programme": name})
    if app.planned_start and app.planned_end and app.planned_start > app.planned_end:
        raise InvalidApplication(_("事業完了予定日は事業開始予定日以降の日付にしてください。"))
    return rule


def _check_open_to_applicants(app: Application, rule: rules.CategoryRule) -> None:
    """A category whose rule is still 「要綱で要確認」 takes no applications (its rates and cap are
    placeholders); the applicant is told in plain words, the staff's programme page says why."""
    if rule.needs_confirmation:
        raise RuleNotConfirmed(
            _(
                "%(programme)sの「%(category)s」は、まだ申請を受け付けていません（市が補助率・上限額を確認しています）。"
                "ほかの区分を選ぶか、%(area_office)sにお問い合わせください。"
            )
            % {
                "programme": app.programme.name,
                "category": rule.name or app.programme.name,
                "area_office": labels().area_office,
            },
            extra={"category": app.category},
        )


def _check_one_per_year(app: Application) -> None:
    """A programme that allows one application per association and year: name the existing one."""
    if not app.programme.one_application_per_year:
        return
    others = Application.objects.filter(association=app.association, programme=app.programme).exclude(
        status__in=workflow.CLOSED_WITHOUT_GRANT
    )
    if app.pk is not None:
        others = others.exclude(pk=app.pk)
    first = others.select_related("programme").order_by("created_at", "id").first()
    if first is not None:
        raise DuplicateApplication(
            _(
                "%(association)sは%(fiscal_year)sの%(programme)sに"
                "既に申請しています（申請番号 %(number)s、状態: %(status)s）。"
                "この制度は1町内会につき年度1件までです（取下げ・不交付決定の申請は数えません）。"
            )
            % {
                "association": app.association.name,
                "fiscal_year": rules.fiscal_year_text(app.programme.fiscal_year),
                "programme": app.programme.name,
                "number": first.number,
                "status": first.get_status_display(),
            },
            extra={"application_id": first.pk},
        )


def _check_lines(rule: rules.CategoryRule, lines: Sequence[LineInput]) -> list[rules.Line]:
    checked = []
    for line in lines:
        if not (line.description or "").strip():
            raise InvalidApplication(_("経費の内容を入力してください。"))
        checked.append(rules.Line(kind=line.kind, amount=line.amount, description=line.description.strip()))
    rules.compute_amount(rule, lines=checked)  # raises InvalidApplication for kinds and amounts
    return checked


def _write_lines(app: Application, lines: Sequence[rules.Line], phase: str) -> None:
    app.lines.filter(phase=phase).delete()
    ExpenseLine.objects.bulk_create(
        [
            ExpenseLine(
                application=app,
                phase=phase,
                kind=line.kind,
                description=line.description,
                amount=line.amount,
                position=i,
            )
            for i, line in enumerate(lines)
        ]
    )


def _compute(app: Application, phase: str = ExpenseLine.Phase.PLANNED) -> rules.Breakdown:
    return selectors.amount_for(app, app.lines.filter(phase=phase).order_by("position", "id"))


def _save_content(app: Application, *, actor, fields: Sequence[str] = ()) -> None:
    """Recompute the amount from the planned lines and save: every content change ends here.

    A change to a paper entry undoes an earlier check of it, so a second person checks what is
    actually submitted.
    """
    breakdown = _compute(app)
    app.computed_amount = breakdown.amount
    app.breakdown = breakdown.as_dict()
    _save_changed(app, actor=actor, fields=[*fields, "computed_amount", "breakdown"])


def _save_changed(app: Application, *, actor, fields: Sequence[str] = ()) -> dict:
    """Save a change to what was submitted (content or attachments): the actor becomes the last
    editor, and an earlier second-person check of a paper entry is undone, since it checked
    something else. Returns the check as it was, for the audit event ({"verified_by": id or None}).
    """
    before = {"verified_by": app.verified_by_id}
    app.prepared_by = _user(actor)
    update = [*fields, "prepared_by", "updated_at"]
    undone = None
    if app.verified_by_id is not None:
        verifier = app.verified_by
        undone = {
            "verified_by": app.verified_by_id,
            "verified_by_name": name_to_store(verifier) if verifier else "",
            "verified_at": app.verified_at.isoformat() if app.verified_at else None,
        }
        app.verified_by = None
        app.verified_at = None
        update += ["verified_by", "verified_at"]
    app._history_user = _user(actor)
    app.save(update_fields=update)
    if undone is not None:
        audit_record(
            actor=_user(actor),
            action="subsidy_application.verification_undone",
            subject=app,
            before=undone,
            after={"verified_by": None},
        )
    return before


def _store_attachment(app: Application, file, *, kind: str, actor) -> Attachment:
    file_type = attachments.check_upload(file)
    original = PurePath(getattr(file, "name", "") or "file").name[:255]
    attachment = Attachment(
        application=app,
        kind=kind,
        original_name=original,
        content_type=file_type.content_type,
        size=file.size,
        uploaded_by=_user(actor),
    )
    # A random stored name with the extension of the detected type; the uploader's name is kept apart.
    attachment.file.save(f"{uuid.uuid4().hex}{file_type.extensions[0]}", file, save=False)
    attachment.save()
    return attachment


def _transition(
    app: Application,
    *,
    action: str,
    actor,
    comment: str = "",
    fields: Sequence[str] = (),
    before: dict | None = None,
    after: dict | None = None,
) -> Application:
    """Move the application on, write the Transition row and the audit event, queue the e-mail."""
    from_status = app.status
    to_status = workflow.target_status(action, from_status, app.programme.review_path)
    now = timezone.now()
    user = _user(actor)
    app.status = to_status
    app.status_changed_at = now
    app._history_user = user
    app.save(update_fields=["status", "status_changed_at", "updated_at", *fields])
    Transition.objects.create(
        application=app,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        actor_name=name_to_store(user) if user else "",
        at=now,
        comment=comment,
    )
    audit_record(
        actor=user,
        action=f"subsidy_application.{action}",
        subject=app,
        before={"status": from_status, **(before or {})},
        after={"status": to_status, **(after or {})},
        comment=comment,
    )
    if action in NOTIFIED_ACTIONS:
        application_id = app.pk
        # robust: a queue that is down after commit is logged; the decision itself stands.
        transaction.on_commit(
            lambda: enqueue(tasks.notify_application_event_task, application_id, str(action)), robust=True
        )
    return app


def _required_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidApplication(message)
    return value


# ---------------------------------------------------------------------------------------------
# Creating and editing
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *,
    actor,
    association_id: int,
    programme_id: int,
    purpose: str,
    category: str = "",
    hall_id: int | None = None,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    lines: Sequence[LineInput] = (),
) -> Application:
    """A draft by the association's leader. Http404 for another association.

    Refused (DuplicateApplication, naming the first) when the programme allows one application per
    association and year and a live one exists. The amount is computed from `lines`.
    """
    association = get_object_or_404(policy.associations_applying_as(actor), pk=association_id)
    return _create(
        actor=actor,
        association=association,
        programme_id=programme_id,
        purpose=purpose,
        category=category,
        hall_id=hall_id,
        planned_start=planned_start,
        planned_end=planned_end,
        lines=lines,
        entered_by_staff=False,
    )


def _step_one_hall(
    *, actor, association_id: int, programme: Programme, category: str, hall_id, new_hall
) -> int | None:
    """The hall the first step gives: the one chosen, or the one registered now (「区の確認待ち」).

    A category that needs a hall is refused here without one, so that nobody fills in every step
    to learn at submission that a hall was needed; a category that takes none registers none.
    """
    rule = selectors.rule_for(programme, category)
    if not rule.requires_hall:
        if new_hall is not None:
            raise InvalidApplication(
                _("%(programme)sでは会館を指定しません。") % {"programme": programme.name},
                extra={"hall_id": None},
            )
        return hall_id
    if hall_id is not None:
        return hall_id
    if new_hall is None:
        raise InvalidApplication(
            _(
                "%(category)sの補助には対象の会館が必要です。登録済みの会館を選ぶか、"
                "会館の所在地・延床面積などを入力して登録してください。"
            )
            % {"category": rule.name},
            extra={"hall_id": None},
        )
    return hall_register_for_application(actor=actor, association_id=association_id, hall=new_hall).pk


@transaction.atomic
def application_start(
    *,
    actor,
    association_id: int,
    programme_id: int,
    category: str = "",
    hall_id: int | None = None,
    new_hall: HallInput | None = None,
) -> Application:
    """The first step of an association's application, from the programme's page: the category and
    the hall it needs (chosen, or registered now by the leader for the ward to check), then a draft
    as application_create makes it. Nothing is saved when anything is refused."""
    association = get_object_or_404(policy.associations_applying_as(actor), pk=association_id)
    programme = get_object_or_404(Programme, pk=programme_id)
    hall_id = _step_one_hall(
        actor=actor,
        association_id=association.pk,
        programme=programme,
        category=category,
        hall_id=hall_id,
        new_hall=new_hall,
    )
    return application_create(
        actor=actor,
        association_id=association.pk,
        programme_id=programme.pk,
        purpose="",
        category=category,
        hall_id=hall_id,
    )


@transaction.atomic
def application_choose_category(
    *,
    actor,
    application_id: int,
    category: str,
    hall_id: int | None = None,
    new_hall: HallInput | None = None,
) -> Application:
    """The first step again on a draft: category and hall, with the same check as application_start."""
    app = _locked_for_edit(actor, application_id)
    hall_id = _step_one_hall(
        actor=actor,
        association_id=app.association_id,
        programme=app.programme,
        category=category,
        hall_id=hall_id,
        new_hall=new_hall,
    )
    return application_update(actor=actor, application_id=app.pk, category=category, hall_id=hall_id)


@transaction.atomic
def application_enter_paper(
    *,
    actor,
    association_id: int,
    programme_id: int,
    purpose: str,
    scanned_form,
    received_on: dt.date,
    category: str = "",
    hall_id: int | None = None,
    planned_start: dt.date | None = None,
    planned_end: dt.date | None = None,
    lines: Sequence[LineInput] = (),
) -> Application:
    """A paper application entered by ward staff (or the city) on the association's behalf.

    Saved as a draft marked entered_by_staff, with the scanned form attached (kind scanned_form)
    and `received_on` as the date the window is checked against. After submission a second person
    must check it (application_verify_paper_entry) before review can start. Http404 for an
    association outside the actor's ward.
    """
    association = get_object_or_404(policy.associations_editable_by(actor), pk=association_id)
    if scanned_form is None:
        raise InvalidApplication(_("紙の申請書をスキャンしたファイルを添付してください。"))
    if received_on is None:
        raise InvalidApplication(_("申請書の受付日を入力してください。"))
    app = _create(
        actor=actor,
        association=association,
        programme_id=programme_id,
        purpose=purpose,
        category=category,
        hall_id=hall_id,
        planned_start=planned_start,
        planned_end=planned_end,
        lines=lines,
        entered_by_staff=True,
        received_on=received_on,
    )
    _store_attachment(app, scanned_form, kind=Attachment.Kind.SCANNED_FORM, actor=actor)
    return app


def _create(
    *,
    actor,
    association: Association,
    programme_id: int,
    purpose: str,
    category: str,
    hall_id: int | None,
    planned_start,
    planned_end,
    lines: Sequence[LineInput],
    entered_by_staff: bool,
    received_on: dt.date | None = None,
) -> Application:
    if association.status != Association.Status.ACTIVE:
        raise InvalidApplication(
            _("%(association)sは%(status)sのため申請できません。")
            % {"association": association.name, "status": association.get_status_display()}
        )
    programme = get_object_or_404(Programme, pk=programme_id)
    user = _user(actor)
    app = Application(
        association=association,
        programme=programme,
        category=category or "",
        hall=_hall(association, hall_id),
        purpose=(purpose or "").strip(),
        planned_start=planned_start,
        planned_end=planned_end,
        one_per_year=programme.one_application_per_year,
        entered_by_staff=entered_by_staff,
        received_on=received_on,
        entered_by=user,
        prepared_by=user,
        status_changed_at=timezone.now(),
    )
    rule = _check_content(app)
    _check_open_to_applicants(app, rule)
    checked = _check_lines(rule, lines)
    _check_one_per_year(app)
    app._history_user = user
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError:
        _check_one_per_year(app)  # another request created one meanwhile: name it
        raise
    _write_lines(app, checked, ExpenseLine.Phase.PLANNED)
    _save_content(app, actor=actor)
    audit_record(
        actor=user,
        action="subsidy_application.created",
        subject=app,
        after={
            "programme": programme.code,
            "fiscal_year": programme.fiscal_year,
            "category": app.category,
            "entered_by_staff": entered_by_staff,
            "computed_amount": app.computed_amount,
        },
    )
    return app


@transaction.atomic
def application_update(*, actor, application_id: int, **changes) -> Application:
    """Change purpose, category, hall (hall_id) or planned dates of a draft or returned application.

    The amount is recomputed (a category or hall change can change it).
    """
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"application_update() cannot change {sorted(unknown)}")
    app = _locked_for_edit(actor, application_id)
    before = {"computed_amount": app.computed_amount, **{f: getattr(app, f) for f in changes}}
    for field, value in changes.items():
        if field == "hall_id":
            app.hall = _hall(app.association, value)
        elif field == "purpose":
            app.purpose = (value or "").strip()
        elif field == "category":
            app.category = value or ""
        else:
            setattr(app, field, value)
    rule = _check_content(app)
    if "category" in changes:
        _check_open_to_applicants(app, rule)
    fields = [("hall" if f == "hall_id" else f) for f in changes]
    _save_content(app, actor=actor, fields=fields)
    audit_record(
        actor=_user(actor),
        action="subsidy_application.updated",
        subject=app,
        before=before,
        after={"computed_amount": app.computed_amount, **{f: getattr(app, f) for f in changes}},
    )
    return app


@transaction.atomic
def application_set_lines(*, actor, application_id: int, lines: Sequence[LineInput]) -> Application:
    """Replace the planned expense lines (a form with all lines) and recompute the amount."""
    app = _locked_for_edit(actor, application_id)
    checked = _check_lines(selectors.rule_for(app.programme, app.category), lines)
    before = app.computed_amount
    _write_lines(app, checked, ExpenseLine.Phase.PLANNED)
    _save_content(app, actor=actor)
    _audit_lines(app, actor=actor, before=before)
    return app


@transaction.atomic
def expense_line_add(*, actor, application_id: int, kind: str, description: str, amount: int) -> ExpenseLine:
    """Add one planned line and recompute the amount."""
    app = _locked_for_edit(actor, application_id)
    [checked] = _check_lines(
        selectors.rule_for(app.programme, app.category), [LineInput(kind, description, amount)]
    )
    before = app.computed_amount
    position = app.lines.filter(phase=ExpenseLine.Phase.PLANNED).count()
    line = ExpenseLine.objects.create(
        application=app,
        phase=ExpenseLine.Phase.PLANNED,
        kind=checked.kind,
        description=checked.description,
        amount=checked.amount,
        position=position,
    )
    _save_content(app, actor=actor)
    _audit_lines(app, actor=actor, before=before)
    return line


def _locked_line(actor, line_id: int) -> tuple[ExpenseLine, Application]:
    application_id = (
        ExpenseLine.objects.filter(
            pk=line_id,
            phase=ExpenseLine.Phase.PLANNED,
            application__in=policy.applications_visible_to(actor),
        )
        .values_list("application_id", flat=True)
        .first()
    )
    if application_id is None:
        raise Http404("no such expense line")
    app = _locked_for_edit(actor, application_id)
    return ExpenseLine.objects.get(pk=line_id), app


@transaction.atomic
def expense_line_update(
    *, actor, line_id: int, kind: str | None = None, description: str | None = None, amount: int | None = None
) -> ExpenseLine:
    """Change one planned line and recompute the amount."""
    line, app = _locked_line(actor, line_id)
    [checked] = _check_lines(
        selectors.rule_for(app.programme, app.category),
        [
            LineInput(
                kind if kind is not None else line.kind,
                description if description is not None else line.description,
                amount if amount is not None else line.amount,
            )
        ],
    )
    before = app.computed_amount
    line.kind, line.description, line.amount = checked.kind, checked.description, checked.amount
    line.save(update_fields=["kind", "description", "amount"])
    _save_content(app, actor=actor)
    _audit_lines(app, actor=actor, before=before)
    return line


@transaction.atomic
def expense_line_delete(*, actor, line_id: int) -> Application:
    """Delete one planned line and recompute the amount."""
    line, app = _locked_line(actor, line_id)
    before = app.computed_amount
    line.delete()
    _save_content(app, actor=actor)
    _audit_lines(app, actor=actor, before=before)
    return app


def _audit_lines(app: Application, *, actor, before: int) -> None:
    audit_record(
        actor=_user(actor),
        action="subsidy_application.lines_changed",
        subject=app,
        before={"computed_amount": before},
        after={"computed_amount": app.computed_amount, "lines": app.breakdown.get("lines", [])},
    )


@transaction.atomic
def attachment_add(*, actor, application_id: int, file, kind: str = Attachment.Kind.OTHER) -> Attachment:
    """Attach a PDF, JPEG, PNG or XLSX (type read from the content; size ≤ the setting).

    Allowed while the content is editable, and after approval (receipts for the completion
    report). AttachmentRejected explains a refused file.
    """
    if kind not in Attachment.Kind.values:
        raise InvalidApplication(_("書類の種類「%(kind)s」はありません。") % {"kind": kind})
    app = _locked(actor, application_id)
    if not policy.can_act_for_association(actor, app):
        raise PermissionDenied(_("この申請に書類を添付する権限がありません。"))
    if app.status not in _ATTACHABLE_STATES:
        raise IllegalTransition(
            _("「%(status)s」の申請には書類を添付できません。") % {"status": status_label(app.status)}
        )
    attachment = _store_attachment(app, file, kind=kind, actor=actor)
    # Before the decision an attachment is part of what is checked; after it (receipts for the
    # completion report) the paper entry's check stays as the record of the check that was made.
    check = (
        _save_changed(app, actor=actor)
        if app.status in workflow.EDITABLE_STATES
        else {"verified_by": app.verified_by_id}
    )
    audit_record(
        actor=_user(actor),
        action="subsidy_application.attachment_added",
        subject=app,
        before=check,
        after={
            "attachment": attachment.pk,
            "kind": kind,
            "name": attachment.original_name,
            "verified_by": app.verified_by_id,
        },
    )
    return attachment


@transaction.atomic
def attachment_delete(*, actor, attachment_id: int) -> None:
    """Remove an attachment of a draft or returned application; the file goes after commit.

    Never from 交付決定 on, for anyone: what the decision, the completion report and the payment
    rest on stays (IllegalTransition), files included. A deletion undoes a paper entry's check.
    """
    attachment = get_object_or_404(
        Attachment.objects.filter(application__in=policy.applications_visible_to(actor)), pk=attachment_id
    )
    app = _locked(actor, attachment.application_id)
    if not policy.can_act_for_association(actor, app):
        raise PermissionDenied(_("この申請の書類を削除する権限がありません。"))
    if app.status not in workflow.EDITABLE_STATES:
        if app.status in workflow.GRANTED_STATES:
            raise IllegalTransition(
                _(
                    "「%(status)s」の申請の書類は削除できません。交付決定の後は、書類を追加できますが、"
                    "削除や差し替えはできません（記録として残します）。"
                )
                % {"status": status_label(app.status)},
                extra={"status": app.status},
            )
        raise IllegalTransition(
            _("「%(status)s」の申請の書類は削除できません。") % {"status": status_label(app.status)},
            extra={"status": app.status},
        )
    name = attachment.file.name
    check = _save_changed(app, actor=actor)
    audit_record(
        actor=_user(actor),
        action="subsidy_application.attachment_deleted",
        subject=app,
        before={
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "name": attachment.original_name,
            **check,
        },
        after={"verified_by": app.verified_by_id},
    )
    attachment.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


# ---------------------------------------------------------------------------------------------
# The association's steps
# ---------------------------------------------------------------------------------------------


def _check_window(app: Application) -> None:
    day = app.received_on if app.entered_by_staff and app.received_on else timezone.localdate()
    first, last = selectors.application_window(app.programme)
    if not first <= day <= last:
        raise InvalidApplication(
            _("%(programme)sの受付期間（%(first)s〜%(last)s）外です（%(day)s）。")
            % {
                "programme": app.programme,
                "first": f"{first:%Y-%m-%d}",
                "last": f"{last:%Y-%m-%d}",
                "day": f"{day:%Y-%m-%d}",
            },
            extra={"opens_on": first, "closes_on": last, "day": day},
        )


def _check_repeat_grant(app: Application, rule: rules.CategoryRule) -> None:
    if app.hall is None or rule.repeat_grant_interval_years is None:
        return
    blocker = rules.repeat_grant_blocker(
        fiscal_year=app.programme.fiscal_year,
        interval_years=rule.repeat_grant_interval_years,
        earlier=selectors.hall_earlier_grants(app.hall, exclude_application_id=app.pk),
    )
    if blocker is not None:
        raise RepeatGrantTooSoon(
            rules.repeat_grant_message(
                hall_name=app.hall.name, blocker=blocker, interval_years=rule.repeat_grant_interval_years
            ),
            extra={"earlier_fiscal_year": blocker.fiscal_year},
        )


@transaction.atomic
def application_submit(*, actor, application_id: int, comment: str = "") -> Application:
    """提出 (draft or returned → submitted), after every check a complete application must pass.

    Purpose and (for rate-based categories) at least one line; the hall where the category needs
    one, with its floor area for the demolition rule; the application window (the receipt date
    for paper entries); one application per year; no grant for the same hall too recently.
    """
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.SUBMIT)
    rule = _check_content(app)
    _check_open_to_applicants(app, rule)
    _required_text(app.purpose, _("事業の目的・内容を入力してください。"))
    if rule.method == rules.Method.RATE and not app.lines.filter(phase=ExpenseLine.Phase.PLANNED).exists():
        raise InvalidApplication(_("経費を1行以上入力してください。"))
    if rule.requires_hall:
        if app.hall is None:
            raise InvalidApplication(_("対象の会館を選んでください。"))
        if rule.method == rules.Method.FLOOR_AREA and app.hall.floor_area_m2 is None:
            raise InvalidApplication(
                _(
                    "会館「%(hall)s」の延床面積が登録されていません。会館の登録内容に延床面積を入力してください。"
                )
                % {"hall": app.hall.name}
            )
    _check_window(app)
    _check_one_per_year(app)
    _check_repeat_grant(app, rule)
    breakdown = _compute(app)
    app.computed_amount = breakdown.amount
    app.breakdown = breakdown.as_dict()
    app.submitted_at = timezone.now()
    return _transition(
        app,
        action=Action.SUBMIT,
        actor=actor,
        comment=comment,
        fields=["computed_amount", "breakdown", "submitted_at"],
        after={"computed_amount": breakdown.amount},
    )


@transaction.atomic
def application_withdraw(*, actor, application_id: int, comment: str = "") -> Application:
    """取下げ: at any point before the decision, by the association (or for it)."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.WITHDRAW)
    return _transition(app, action=Action.WITHDRAW, actor=actor, comment=comment)


@transaction.atomic
def application_report_completion(
    *, actor, application_id: int, lines: Sequence[LineInput], receipts: Sequence = (), comment: str = ""
) -> Application:
    """実績報告 (approved → completion_reported): the actual lines and the receipts.

    The actual lines replace any earlier report's; `receipts` are attached as kind receipt, and at
    least one receipt must be attached. The amount on actual costs (never above the approved
    amount) is stored for the association to see; the city fixes it with application_confirm.
    """
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.REPORT_COMPLETION)
    if not lines:
        raise InvalidApplication(_("実績の経費を1行以上入力してください。"))
    checked = _check_lines(selectors.rule_for(app.programme, app.category), lines)
    _write_lines(app, checked, ExpenseLine.Phase.ACTUAL)
    for receipt in receipts:
        _store_attachment(app, receipt, kind=Attachment.Kind.RECEIPT, actor=actor)
    if not app.attachments.filter(kind=Attachment.Kind.RECEIPT).exists():
        raise InvalidApplication(_("領収書を添付してください。"))
    breakdown = rules.limit_to_approved(_compute(app, ExpenseLine.Phase.ACTUAL), app.approved_amount)
    app.actual_breakdown = breakdown.as_dict()
    return _transition(
        app,
        action=Action.REPORT_COMPLETION,
        actor=actor,
        comment=comment,
        fields=["actual_breakdown"],
        after={"actual_cost": breakdown.cost, "actual_amount": breakdown.amount},
    )


# ---------------------------------------------------------------------------------------------
# The ward's steps
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def application_verify_paper_entry(*, actor, application_id: int, comment: str = "") -> Application:
    """A second person checks a paper entry against the scanned form (four-eyes).

    By staff of the association's ward or a city administrator who neither entered nor last
    edited it (FourEyesViolation otherwise); only for submitted paper entries not yet checked.
    """
    app = _locked(actor, application_id)
    if not policy.can_review_application(actor, app):
        raise PermissionDenied(
            _("紙の申請の入力内容を確認できるのは、その%(office)sの職員と市の管理者です。")
            % {"office": labels().area_office}
            if app.reviewed_by_area_office
            else _("この補助金は市が審査するため、紙の申請の入力内容を確認できるのは市の管理者です。")
        )
    if not app.entered_by_staff:
        raise InvalidApplication(_("この申請は職員の代理入力ではないため、入力内容の確認は不要です。"))
    if app.status != Status.SUBMITTED:
        raise IllegalTransition(
            _("入力内容の確認は提出済みの申請で行います（この申請は「%(status)s」です）。")
            % {"status": status_label(app.status)}
        )
    if app.verified_by_id is not None:
        raise InvalidApplication(_("この申請の入力内容は既に確認されています。"))
    if actor.pk in {app.entered_by_id, app.prepared_by_id}:
        raise FourEyesViolation(
            _(
                "紙の申請を入力した職員（または最後に編集した職員）は、その入力内容を確認できません。"
                "別の職員が確認してください。"
            )
        )
    app.verified_by = actor
    app.verified_at = timezone.now()
    app._history_user = actor
    app.save(update_fields=["verified_by", "verified_at", "updated_at"])
    audit_record(
        actor=actor,
        action="subsidy_application.verified",
        subject=app,
        after={"verified_by": actor.pk, "entered_by": app.entered_by_id},
        comment=comment,
    )
    return app


@transaction.atomic
def application_start_review(*, actor, application_id: int, comment: str = "") -> Application:
    """審査開始 (submitted → under_review; on city_only → forwarded, the city's stage). A paper
    entry must have been checked by a second person."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.START_REVIEW)
    if app.needs_verification:
        raise FourEyesViolation(
            _("紙の申請は、入力した職員とは別の職員が入力内容を確認するまで審査を始められません。")
        )
    return _transition(app, action=Action.START_REVIEW, actor=actor, comment=comment)


@transaction.atomic
def application_return(*, actor, application_id: int, comment: str) -> Application:
    """差戻し (under_review → returned; on city_only forwarded → returned) for changes; the reason is required and sent to the association."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.RETURN)
    comment = _required_text(comment, _("差戻しの理由（修正してほしい点）を入力してください。"))
    return _transition(app, action=Action.RETURN, actor=actor, comment=comment)


@transaction.atomic
def application_forward(*, actor, application_id: int, comment: str = "") -> Application:
    """市へ進達 (under_review → forwarded): the ward has checked it; the city decides."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.FORWARD)
    if app.needs_verification:
        raise FourEyesViolation(_("紙の申請は、別の職員が入力内容を確認するまで進達できません。"))
    if app.hall is not None and app.hall.awaiting_check:
        raise InvalidApplication(
            _(
                "会館「%(hall)s」は町内会が登録したもので、%(office)sの確認がまだです。"
                "会館の登録内容（所在地・延床面積など）を確認してから進達してください。"
            )
            % {"hall": app.hall.name, "office": labels().area_office},
            extra={"hall_id": app.hall_id},
        )
    return _transition(app, action=Action.FORWARD, actor=actor, comment=comment)


@transaction.atomic
def application_return_completion(*, actor, application_id: int, comment: str) -> Application:
    """実績報告の差戻し (completion_reported → approved): the association reports again."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.RETURN_COMPLETION)
    comment = _required_text(comment, _("差戻しの理由（修正してほしい点）を入力してください。"))
    return _transition(app, action=Action.RETURN_COMPLETION, actor=actor, comment=comment)


# ---------------------------------------------------------------------------------------------
# The city's steps
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def application_send_back(*, actor, application_id: int, comment: str) -> Application:
    """区へ戻す (forwarded → under_review): the city asks the area office to look again (area_then_city)."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.SEND_BACK)
    comment = _required_text(comment, _("%(area)sへ戻す理由を入力してください。") % {"area": labels().area})
    return _transition(app, action=Action.SEND_BACK, actor=actor, comment=comment)


@transaction.atomic
def application_approve(
    *, actor, application_id: int, amount: int | None = None, comment: str = ""
) -> Application:
    """交付決定 (forwarded → approved; on city_only the hall, if any, must have been checked) with an amount: the rule's result by default, never above it.

    Refused while the category's rule is 「要綱で要確認」 (RuleNotConfirmed), when the hall had a
    grant too recently, and when the amount exceeds what is left of the programme's budget for the
    fiscal year (BudgetExceeded, with the figures).
    """
    programme_id = (
        policy.applications_visible_to(actor)
        .filter(pk=application_id)
        .values_list("programme_id", flat=True)
        .first()
    )
    if programme_id is None:
        raise Http404("no such application")
    # The programme row is locked before the application, by every approval of the programme's
    # fiscal year: two approvals can never both read the same remaining budget. (PostgreSQL; SQLite
    # takes one writer at a time anyway.) Always programme first, then application: no deadlock.
    programme = Programme.objects.select_for_update().get(pk=programme_id)
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.APPROVE)
    rule = _check_content(app)
    if rule.needs_confirmation:
        raise RuleNotConfirmed(
            _(
                "%(programme)s（%(category)s）の算定基準は「%(label)s」のままです。"
                "市の管理者が要綱で確認し、確認済みにしてから交付決定してください。"
            )
            % {"programme": programme.name, "category": rule.name, "label": rules.NEEDS_CONFIRMATION_LABEL}
        )
    _check_repeat_grant(app, rule)
    if not app.reviewed_by_area_office and app.hall is not None and app.hall.awaiting_check:
        # city_only: no area office has checked the hall the association registered; the city does.
        raise InvalidApplication(
            _(
                "会館「%(hall)s」は町内会が登録したもので、登録内容の確認がまだです。"
                "会館の登録内容（所在地・延床面積など）を確認してから交付決定してください。"
            )
            % {"hall": app.hall.name},
            extra={"hall_id": app.hall_id},
        )
    breakdown = _compute(app)
    amount = breakdown.amount if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= breakdown.amount:
        raise InvalidApplication(
            _("交付決定額は1円以上、算定額（%(amount)s）以下にしてください。")
            % {"amount": rules.format_yen(breakdown.amount)},
            extra={"computed_amount": breakdown.amount},
        )
    committed = Application.objects.filter(programme=programme).exclude(pk=app.pk).totals()["committed"]
    remaining = rules.check_budget(
        budget=programme.budget, committed=committed, amount=amount, programme_name=programme.name
    )
    app.computed_amount = breakdown.amount
    app.breakdown = breakdown.as_dict()
    app.approved_amount = amount
    app.decided_at = timezone.now()
    app.decision_reason = comment
    return _transition(
        app,
        action=Action.APPROVE,
        actor=actor,
        comment=comment,
        fields=["computed_amount", "breakdown", "approved_amount", "decided_at", "decision_reason"],
        after={"approved_amount": amount, "budget_remaining": remaining},
    )


@transaction.atomic
def application_reject(*, actor, application_id: int, reason: str) -> Application:
    """不交付決定 (forwarded → rejected) with the reason, which is sent to the association."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.REJECT)
    reason = _required_text(reason, _("不交付決定の理由を入力してください。"))
    app.decision_reason = reason
    app.decided_at = timezone.now()
    return _transition(
        app, action=Action.REJECT, actor=actor, comment=reason, fields=["decision_reason", "decided_at"]
    )


@transaction.atomic
def application_confirm(*, actor, application_id: int, comment: str = "") -> Application:
    """額の確定 (completion_reported → confirmed): the rule on the actual lines, never above the approval."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.CONFIRM)
    breakdown = rules.limit_to_approved(_compute(app, ExpenseLine.Phase.ACTUAL), app.approved_amount)
    app.confirmed_amount = breakdown.amount
    app.actual_breakdown = breakdown.as_dict()
    return _transition(
        app,
        action=Action.CONFIRM,
        actor=actor,
        comment=comment,
        fields=["confirmed_amount", "actual_breakdown"],
        before={"approved_amount": app.approved_amount},
        after={"confirmed_amount": breakdown.amount},
    )


@transaction.atomic
def application_claim(
    *,
    actor,
    application_id: int,
    bank_name: str,
    branch_name: str,
    account_type: str,
    account_number: str,
    account_holder_kana: str,
) -> PaymentClaim:
    """交付請求 (請求書) after 額の確定: the confirmed amount, to be paid into this account.

    By whoever acts for the association (its leader; for a paper applicant its ward's staff; the
    city). Only while the amount is confirmed and not yet paid; a second claim replaces the first.
    The audit event records the claim, not the account (personal data stays in the claim's history).
    """
    app = _locked(actor, application_id)
    if not policy.can_act_for_association(actor, app):
        raise PermissionDenied(_("この申請の請求書を出す権限がありません。"))
    if app.status != Status.CONFIRMED:
        raise IllegalTransition(
            _("請求書は補助金の額が確定してから、支払いの前に出します（この申請は「%(status)s」です）。")
            % {"status": status_label(app.status)},
            extra={"status": app.status},
        )
    number = unicodedata.normalize("NFKC", account_number or "").replace("-", "").replace(" ", "")
    if number.isdigit() and len(number) < 7:
        number = number.zfill(7)  # 口座番号 is 7 digits; shorter ones are written without the leading zeros
    claim = PaymentClaim.objects.filter(application=app).first() or PaymentClaim(application=app)
    claim.amount = app.confirmed_amount
    claim.bank_name = unicodedata.normalize("NFKC", bank_name or "").strip()
    claim.branch_name = unicodedata.normalize("NFKC", branch_name or "").strip()
    claim.account_type = account_type
    claim.account_number = number
    # NFKC makes half-width katakana full-width, as banks print 口座名義.
    claim.account_holder_kana = unicodedata.normalize("NFKC", account_holder_kana or "").strip()
    claim.claimed_on = timezone.localdate()
    claim.claimed_by = _user(actor)
    try:
        claim.full_clean(exclude=["application", "claimed_by"])
    except ValidationError as e:
        messages = [
            _("%(field)s: %(errors)s")
            % {"field": PaymentClaim._meta.get_field(f).verbose_name, "errors": _("、").join(m)}
            for f, m in e.message_dict.items()
        ]
        raise InvalidApplication(
            _("振込先を確認してください（%(errors)s）。") % {"errors": " / ".join(messages)},
            extra={"fields": sorted(e.message_dict)},
        ) from e
    claim._history_user = _user(actor)
    claim.save()
    audit_record(
        actor=_user(actor),
        action="subsidy_application.claimed",
        subject=app,
        after={"claim_amount": claim.amount, "claimed_on": claim.claimed_on.isoformat()},
    )
    return claim


@transaction.atomic
def application_pay(
    *, actor, application_id: int, paid_on: dt.date, amount: int | None = None, comment: str = ""
) -> Application:
    """支払 (confirmed → paid): the date and the amount (the confirmed amount by default, never above it).

    Only once the association has sent its 交付請求 (請求書 with the account to pay into): the city
    cannot pay into an account it was never given, and a grant is paid against a claim."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.PAY)
    if not PaymentClaim.objects.filter(application=app).exists():
        raise IllegalTransition(
            _(
                "町内会からまだ請求書（振込先の口座）が出ていないため、支払えません。"
                "町内会に請求書を出すよう連絡し、請求書が届いてから支払を記録してください。"
            ),
            extra={"status": app.status, "claim": None},
        )
    if paid_on is None:
        raise InvalidApplication(_("支払日を入力してください。"))
    amount = app.confirmed_amount if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= app.confirmed_amount:
        raise InvalidApplication(
            _("支払額は確定額（%(amount)s）以下にしてください。")
            % {"amount": rules.format_yen(app.confirmed_amount)}
        )
    app.paid_amount = amount
    app.paid_on = paid_on
    return _transition(
        app,
        action=Action.PAY,
        actor=actor,
        comment=comment,
        fields=["paid_amount", "paid_on"],
        after={"paid_amount": amount, "paid_on": paid_on.isoformat()},
    )
