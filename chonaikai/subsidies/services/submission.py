"""The association's submission: 提出 after every check a complete application must pass, inside
the programme's window, and 取下げ."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import rules, selectors
from ..errors import (
    InvalidApplication,
)
from ..models import Application, ExpenseLine
from ..workflow import Action
from .applications import (
    _check_content,
    _check_one_per_year,
    _check_open_to_applicants,
    _check_repeat_grant,
    _compute,
    _locked,
    _require_action,
    _required_text,
    _transition,
)

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
