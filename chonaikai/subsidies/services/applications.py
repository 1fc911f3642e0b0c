"""What every write on an application shares: locking it in the actor's scope, the checks of its
content, computing its amount, saving with an audit record, and the state transition.

Each service locks the application (SELECT … FOR UPDATE on PostgreSQL) through the policy's
`applications_visible_to`, so an application outside the actor's scope answers Http404 inside the
transaction, whatever a page showed earlier. Then, in this order: the role (PermissionDenied), the
state (IllegalTransition, from workflow.py), the programme's rules (other SubsidyError kinds).
A state change writes a Transition row and an audit event in the same transaction, and queues the
e-mail (tasks.notify_application_event_task) with transaction.on_commit.

The steps live beside this module, one per stage of an application: drafting (create and edit),
attachments, submission, review (the area office's and the city's decision), completion (実績報告
and 額の確定) and payments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.accounts.names import name_to_store
from chonaikai.associations.models import Association
from chonaikai.audit.services import audit_record
from chonaikai.cities.current import labels
from chonaikai.queue import enqueue
from chonaikai.subsidies import policy as subsidy_policy

from .. import rules, selectors, tasks, wording, workflow
from ..errors import (
    DuplicateApplication,
    IllegalTransition,
    InvalidApplication,
    RepeatGrantTooSoon,
    RuleNotConfirmed,
)
from ..models import Application, ExpenseLine, Hall, Programme, Transition
from ..wording import action_label, status_label
from ..workflow import Action

# Transitions that send e-mail to the association's leader and the ward's staff.
NOTIFIED_ACTIONS = frozenset(
    {Action.SUBMIT, Action.RETURN, Action.RETURN_COMPLETION, Action.APPROVE, Action.REJECT, Action.PAY}
)


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
        subsidy_policy.applications_visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("programme", "association", "association__ward", "hall")
    )
    return get_object_or_404(qs, pk=application_id)


def _require_action(actor, app: Application, action: str) -> str:
    """The state `action` leads to, after the role check (PermissionDenied) and the state check."""
    if not subsidy_policy.can_take_application_action(actor, app, action):
        raise PermissionDenied(
            _("この申請を「%(action)s」する権限がありません。") % {"action": action_label(action)}
        )
    return workflow.target_status(action, app.status, app.programme.review_path)


def _locked_for_edit(actor, application_id: int) -> Application:
    app = _locked(actor, application_id)
    if not subsidy_policy.can_act_for_association(actor, app):
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
                "fiscal_year": wording.fiscal_year_text(app.programme.fiscal_year),
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
            wording.repeat_grant_message(
                hall_name=app.hall.name, blocker=blocker, interval_years=rule.repeat_grant_interval_years
            ),
            extra={"earlier_fiscal_year": blocker.fiscal_year},
        )
