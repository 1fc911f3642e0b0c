"""The completion report (実績報告) with its actual lines and receipts, its return to the
association, and the city's confirmation of the amount (額の確定, never above the approval)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from .. import rules, selectors
from ..errors import (
    InvalidApplication,
)
from ..models import Application, Attachment, ExpenseLine
from ..workflow import Action
from .applications import (
    LineInput,
    _check_lines,
    _compute,
    _locked,
    _require_action,
    _required_text,
    _transition,
    _write_lines,
)
from .attachments import _store_attachment


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


@transaction.atomic
def application_return_completion(*, actor, application_id: int, comment: str) -> Application:
    """実績報告の差戻し (completion_reported → approved): the association reports again."""
    app = _locked(actor, application_id)
    _require_action(actor, app, Action.RETURN_COMPLETION)
    comment = _required_text(comment, _("差戻しの理由（修正してほしい点）を入力してください。"))
    return _transition(app, action=Action.RETURN_COMPLETION, actor=actor, comment=comment)


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
