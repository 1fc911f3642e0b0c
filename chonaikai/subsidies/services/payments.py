"""Payment: the association's claim (請求, with its bank account) and the city's payment (支払)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import jaconv
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.audit.services import audit_record
from chonaikai.subsidies import policy as subsidy_policy

from .. import wording
from ..errors import (
    IllegalTransition,
    InvalidApplication,
)
from ..models import Application, PaymentClaim
from ..wording import status_label
from ..workflow import Action, Status
from .applications import (
    _locked,
    _require_action,
    _transition,
    _user,
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
    if not subsidy_policy.can_act_for_association(actor, app):
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
    # NFKC makes half-width katakana full-width, as banks print 口座名義; hiragana (what a phone's
    # keyboard gives first) is the same name in katakana.
    claim.account_holder_kana = jaconv.hira2kata(
        unicodedata.normalize("NFKC", account_holder_kana or "").strip()
    )
    claim.claimed_on = timezone.localdate()
    claim.claimed_by = _user(actor)
    try:
        claim.full_clean(exclude=["application", "claimed_by"])
    except ValidationError as e:
        # The first message of each field: the one that says what to write (an 8-digit number is
        # refused by the 7-digit rule; that it is also over the column's length adds nothing).
        fields = {name: messages[:1] for name, messages in e.message_dict.items()}
        summary = [
            _("%(field)s: %(errors)s")
            % {"field": PaymentClaim._meta.get_field(name).verbose_name, "errors": messages[0]}
            for name, messages in fields.items()
        ]
        raise InvalidApplication(
            _("振込先を確認してください（%(errors)s）。") % {"errors": " / ".join(summary)},
            extra={"fields": fields},  # as the API gives validation errors (api/errors.py)
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
            % {"amount": wording.format_yen(app.confirmed_amount)}
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
