"""An application's page with the actions the user may take, the printable form, the work queues.

The page offers exactly selectors.available_actions (the workflow's state and the policy's role);
each action is a small form posted to one view that calls that action's service. A refusal
(SubsidyError, PermissionDenied) re-renders the page with the message on that form and what was
typed kept: 400, or 403 when the role may not take the action.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from chonaikai.cities.current import city
from chonaikai.subsidies import policy as subsidy_policy

from .. import selectors, services
from ..errors import BudgetExceeded, InvalidApplication, SubsidyError
from ..forms import ApproveForm, CommentForm, PayForm, RejectForm, RequiredCommentForm
from ..models import Application
from ..wording import status_help, status_label, with_area
from ..workflow import Action, Status
from .common import (
    CITY,
    LEADER,
    WARD,
    attach_error,
    audience,
    error_summary,
    message_of,
    status_of,
    step_url,
)
from .drafting import sheet_context

QUEUE_PER_PAGE = 50
VERIFY = "verify"


@dataclass(frozen=True)
class ActionSpec:
    """One ward or city action on the application's page: its form, its service, its words."""

    action: str
    button: str
    done: str
    make_form: Callable[..., forms.Form]
    call: Callable[..., Application]
    error_field: Callable[[Exception], str | None] = lambda e: None
    help: str = ""
    danger: bool = False


def _comment(label: str, required_message: str):
    def make(data, app, prefix):
        return RequiredCommentForm(data, prefix=prefix, label=label, required_message=required_message)

    return make


def _optional_comment(data, app, prefix):
    return CommentForm(data, prefix=prefix)


def _on_comment(error: Exception) -> str | None:
    return "comment" if isinstance(error, InvalidApplication) else None


ACTIONS: dict[str, ActionSpec] = {
    spec.action: spec
    for spec in [
        ActionSpec(
            Action.START_REVIEW,
            _("審査を始める"),
            _("審査を始めました。"),
            _optional_comment,
            lambda actor, app, d: services.application_start_review(
                actor=actor, application_id=app.pk, comment=d["comment"]
            ),
            help=_("提出された申請の確認を始めます。"),
        ),
        ActionSpec(
            Action.FORWARD,
            _("市へ進達する"),
            _("市へ進達しました。"),
            _optional_comment,
            lambda actor, app, d: services.application_forward(
                actor=actor, application_id=app.pk, comment=d["comment"]
            ),
            help=with_area(lambda w: gettext("%(area)sでの確認が終わった申請を、市の審査に回します。") % w),
        ),
        ActionSpec(
            Action.RETURN,
            _("差し戻す"),
            _("町内会へ差し戻しました。"),
            _comment(
                _("差戻しの理由（修正してほしい点）"),
                _("差戻しの理由（修正してほしい点）を入力してください。"),
            ),
            lambda actor, app, d: services.application_return(
                actor=actor, application_id=app.pk, comment=d["comment"]
            ),
            _on_comment,
            help=_("町内会に修正を依頼します。理由は町内会に表示・通知されます。"),
        ),
        ActionSpec(
            Action.RETURN_COMPLETION,
            _("実績報告を差し戻す"),
            _("実績報告を差し戻しました。"),
            _comment(
                _("差戻しの理由（修正してほしい点）"),
                _("差戻しの理由（修正してほしい点）を入力してください。"),
            ),
            lambda actor, app, d: services.application_return_completion(
                actor=actor, application_id=app.pk, comment=d["comment"]
            ),
            _on_comment,
        ),
        ActionSpec(
            Action.SEND_BACK,
            with_area(lambda w: gettext("%(area)sへ戻す") % w),
            with_area(lambda w: gettext("%(area)sへ戻しました。") % w),
            _comment(
                with_area(lambda w: gettext("%(area)sへ戻す理由") % w),
                with_area(lambda w: gettext("%(area)sへ戻す理由を入力してください。") % w),
            ),
            lambda actor, app, d: services.application_send_back(
                actor=actor, application_id=app.pk, comment=d["comment"]
            ),
            _on_comment,
        ),
        ActionSpec(
            Action.APPROVE,
            _("交付決定する"),
            _("交付決定しました。"),
            lambda data, app, prefix: ApproveForm(
                data, prefix=prefix, initial={"amount": app.computed_amount}
            ),
            lambda actor, app, d: services.application_approve(
                actor=actor, application_id=app.pk, amount=d["amount"], comment=d["comment"]
            ),
            lambda e: "amount" if isinstance(e, BudgetExceeded | InvalidApplication) else None,
            help=_("算定額が初めから入っています。"),
        ),
        ActionSpec(
            Action.REJECT,
            _("不交付決定する"),
            _("不交付決定しました。"),
            lambda data, app, prefix: RejectForm(data, prefix=prefix),
            lambda actor, app, d: services.application_reject(
                actor=actor, application_id=app.pk, reason=d["reason"]
            ),
            lambda e: "reason" if isinstance(e, InvalidApplication) else None,
            danger=True,
        ),
        ActionSpec(
            Action.CONFIRM,
            _("額を確定する"),
            _("補助金の額を確定しました。"),
            _optional_comment,
            lambda actor, app, d: services.application_confirm(
                actor=actor, application_id=app.pk, comment=d["comment"]
            ),
            help=_("実績の経費から算定し、交付決定額を上限として確定します。"),
        ),
        ActionSpec(
            Action.PAY,
            _("支払を記録する"),
            _("支払を記録しました。"),
            lambda data, app, prefix: PayForm(data, prefix=prefix, initial={"amount": app.confirmed_amount}),
            lambda actor, app, d: services.application_pay(
                actor=actor,
                application_id=app.pk,
                paid_on=d["paid_on"],
                amount=d["amount"],
                comment=d["comment"],
            ),
        ),
        ActionSpec(
            VERIFY,
            _("入力内容を確認済みにする"),
            _("入力内容を確認済みにしました。審査を始められます。"),
            _optional_comment,
            lambda actor, app, d: services.application_verify_paper_entry(
                actor=actor, application_id=app.pk, comment=d["comment"]
            ),
            help=_("紙の申請書（スキャン）と入力内容が一致していることを確かめてから押してください。"),
        ),
    ]
}
# Actions the association takes on their own pages (linked from the application's page).
APPLICANT_PAGES = {
    Action.SUBMIT: (_("提出へ進む（確認画面）"), "subsidies:confirm"),
    Action.REPORT_COMPLETION: (_("実績報告をする"), "subsidies:report"),
    Action.WITHDRAW: (_("申請を取り下げる"), "subsidies:withdraw"),
}


# ---------------------------------------------------------------------------------------------
# The application's page
# ---------------------------------------------------------------------------------------------


@login_required
def application_detail(request, pk):
    app = selectors.application_detail(user=request.user, application_id=pk)
    return _render_detail(request, app)


def _render_detail(request, app, *, bound: dict | None = None, status: int = 200):
    user = request.user
    bound = bound or {}
    available = selectors.available_actions(user=user, application=app)
    if app.needs_verification:
        # A paper entry nobody has checked: review cannot start (the service refuses it too).
        available = [a for a in available if a not in (Action.START_REVIEW, Action.FORWARD)]
    offered = [a for a in available if a in ACTIONS]
    if selectors.needs_verification_by(user=user, application=app):
        offered.insert(0, VERIFY)
    boxes = [
        {
            "spec": ACTIONS[action],
            "form": bound.get(action) or ACTIONS[action].make_form(None, app, action),
            "url": _action_url(app, action),
        }
        for action in offered
    ]
    for action, form in bound.items():  # a refused action the page would no longer offer
        if action not in offered:
            boxes.insert(0, {"spec": ACTIONS[action], "form": form, "url": _action_url(app, action)})
    links = [
        {"label": label, "url": _url(name, app), "action": action}
        for action, (label, name) in APPLICANT_PAGES.items()
        if action in available
    ]
    can_edit = subsidy_policy.can_edit_application(user, app)
    own_entry_waiting = (
        app.needs_verification
        and app.status == Status.SUBMITTED
        and subsidy_policy.can_review_application(user, app)
        and VERIFY not in offered
    )
    who = audience(user)
    sheet = sheet_context(user, app)
    return render(
        request,
        "subsidies/detail.html",
        {
            "app": app,
            "sheet": sheet,
            "status_help": status_help(app) if who == LEADER else "",
            "boxes": boxes,
            "links": links,
            "can_edit": can_edit,
            "edit_url": step_url(app, "purpose") if can_edit else "",
            "actual_rows": [
                {"line": x, "kind_name": sheet["kinds"].get(x.kind, x.kind)}
                for x in selectors.actual_lines(app)
            ],
            "actual_breakdown": selectors.breakdown_of(app, user=user, actual=True),
            "transitions": list(app.transitions.all()),
            "history": selectors.application_history(app),
            "own_entry_waiting": own_entry_waiting,
            "hall_check": app.hall is not None and app.hall.awaiting_check and who in (CITY, WARD),
            "can_check_hall": app.hall is not None and subsidy_policy.can_record_hall_history(user, app.hall),
            "is_staff_view": who in (CITY, WARD),
            "documents": [(key, DOCUMENT_TITLES[key]) for key in selectors.documents_available(user, app)],
            "claim": selectors.claim_of(app),
            "sees_bank_account": selectors.sees_bank_account(user, app),
            "can_claim": app.status == Status.CONFIRMED and subsidy_policy.can_act_for_association(user, app),
            "error_summary": error_summary(*bound.values()),
        },
        status=status,
    )


def _url(name: str, app) -> str:
    return reverse(name, args=[app.pk])


def _action_url(app, action: str) -> str:
    if action == VERIFY:
        return reverse("subsidies:verify", args=[app.pk])
    return reverse("subsidies:action", args=[app.pk, action])


def _take(request, pk, action: str):
    spec = ACTIONS[action]
    app = selectors.application_detail(user=request.user, application_id=pk)
    form = spec.make_form(request.POST, app, action)
    status = 400
    if form.is_valid():
        try:
            spec.call(request.user, app, form.cleaned_data)
        except (SubsidyError, PermissionDenied) as e:
            attach_error(form, e, spec.error_field(e))
            status = status_of(e)
        else:
            messages.success(
                request,
                gettext("%(done)s（申請番号 %(number)s）") % {"done": spec.done, "number": app.number},
            )
            return redirect("subsidies:detail", pk=app.pk)
    return _render_detail(request, app, bound={action: form}, status=status)


@login_required
@require_POST
def application_action(request, pk, action: str):
    if action not in ACTIONS or action == VERIFY:
        raise Http404("no such action")
    return _take(request, pk, action)


@login_required
@require_POST
def verify(request, pk):
    """The second staff member's check of a paper entry (four-eyes)."""
    return _take(request, pk, VERIFY)


@login_required
@require_POST
def hall_confirm(request, pk):
    """Staff have checked the hall the association registered (awaiting check) against its papers."""
    app = selectors.application_detail(user=request.user, application_id=pk)
    if app.hall is None:
        raise Http404("no hall on this application")
    try:
        services.hall_confirm(actor=request.user, hall_id=app.hall_id)
    except (SubsidyError, PermissionDenied) as e:
        messages.error(request, message_of(e))
    else:
        messages.success(
            request, gettext("会館「%(hall)s」の登録内容を確認済みにしました。") % {"hall": app.hall.name}
        )
    return redirect("subsidies:detail", pk=app.pk)


DOCUMENT_TITLES = {
    "decision": _("交付決定通知書"),
    "confirmation": _("補助金の額の確定通知書"),
    "claim": _("請求書"),
}


@login_required
def application_document(request, pk, document: str):
    """交付決定通知書, 額の確定通知書 or 請求書 as a print page (A4, print stylesheet): the city's and
    ward's names from data, the application number, dates in 和暦 and the amounts. 404 until the
    application has reached the document, and for a 請求書 to anyone who may not see the account."""
    app = selectors.application_detail(user=request.user, application_id=pk)
    if document not in DOCUMENT_TITLES or document not in selectors.documents_available(request.user, app):
        raise Http404("no such document")
    claim = selectors.claim_of(app) if document == "claim" else None
    contact = selectors.contact_for(app.association, app.programme)
    day = {
        "decision": timezone.localtime(app.decided_at).date() if app.decided_at else None,
        "confirmation": selectors.transition_day(app, Action.CONFIRM),
        "claim": claim.claimed_on if claim else None,
    }[document]
    return render(
        request,
        "subsidies/document.html",
        {
            "app": app,
            "document": document,
            "title": DOCUMENT_TITLES[document],
            "day": day,
            "applied_on": timezone.localtime(app.submitted_at).date() if app.submitted_at else None,
            "decided_on": timezone.localtime(app.decided_at).date() if app.decided_at else None,
            "claim": claim,
            "city_name": city().name,
            "ward": app.association.ward,
            "office": contact.office_name if contact else "",
        },
    )


@login_required
def application_print(request, pk):
    app = selectors.application_detail(user=request.user, application_id=pk)
    return render(request, "subsidies/print.html", {"sheet": sheet_context(request.user, app), "app": app})


@login_required
def attachment_download(request, pk):
    attachment = selectors.attachment_for(user=request.user, attachment_id=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


# ---------------------------------------------------------------------------------------------
# Queues
# ---------------------------------------------------------------------------------------------

ALL = "all"


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状態"), required=False)
    programme = forms.ChoiceField(label=_("補助金"), required=False)

    def __init__(self, *args, default_label: str, programme_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", default_label),
            (ALL, _("すべて")),
            *((s, status_label(s)) for s in Status.values),
        ]
        self.fields["programme"].choices = [("", _("すべて")), *programme_choices]


@login_required
def queue(request):
    """Ward staff: their ward's applications waiting for the ward; city administrators: the city's."""
    who = audience(request.user)
    if who not in (CITY, WARD):
        raise Http404("queues are for the city and ward offices")
    default_states = selectors.queue_states("city" if who == CITY else "area")
    default_label = gettext("対応待ち（%(states)s）") % {
        "states": gettext("・").join(status_label(s) for s in default_states)
    }
    codes = dict(selectors.programmes().values_list("code", "name"))
    form = QueueFilterForm(request.GET or None, default_label=default_label, programme_choices=codes.items())
    status, code = "", ""
    if form.is_bound and form.is_valid():
        status, code = form.cleaned_data["status"], form.cleaned_data["programme"]
    statuses = None if status == "" else ([] if status == ALL else [status])
    applications = selectors.application_queue(
        user=request.user, statuses=statuses, programme_code=code or None
    )
    page = Paginator(applications, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "subsidies/queue.html",
        {
            "form": form,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "counts": [
                {"row": c, "oldest_days": (now - c.oldest_changed_at).days}
                for c in selectors.queue_counts(user=request.user)
                if c.count
            ],
            "default_states": default_states,
            "who": who,
            "can_export": subsidy_policy.can_export_subsidies(request.user),
        },
    )
