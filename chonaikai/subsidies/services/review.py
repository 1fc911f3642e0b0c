"""Review and decision: the area office checks a paper entry, reviews, returns or forwards; the city
sends back to the area, decides (交付決定, within the rule's amount and the budget) or rejects."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.audit.services import audit_record
from chonaikai.cities.current import labels
from chonaikai.subsidies import policy as subsidy_policy

from .. import rules, wording
from ..errors import (
    FourEyesViolation,
    IllegalTransition,
    InvalidApplication,
    RuleNotConfirmed,
)
from ..models import Application, Programme
from ..wording import status_label
from ..workflow import Action, Status
from .applications import (
    _check_content,
    _check_repeat_grant,
    _compute,
    _locked,
    _require_action,
    _required_text,
    _transition,
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
    if not subsidy_policy.can_review_application(actor, app):
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
        subsidy_policy.applications_visible_to(actor)
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
            % {"programme": programme.name, "category": rule.name, "label": wording.NEEDS_CONFIRMATION_LABEL}
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
            % {"amount": wording.format_yen(breakdown.amount)},
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
