"""The association's pages after the decision: the completion report (実績報告, the actual lines
and receipts) and the claim (交付請求 / 請求書) after 額の確定."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from chonaikai.subsidies import policy as subsidy_policy

from .. import selectors, services, wording
from ..errors import SubsidyError
from ..forms import (
    BLANK_ROWS,
    ClaimForm,
    CompletionReportForm,
    line_formset,
)
from ..workflow import Action, Status
from .common import (
    attach_error,
    error_summary,
    message_of,
    status_of,
)
from .drafting import _kinds


@login_required
def report_completion(request, pk):
    app = selectors.application_detail(user=request.user, application_id=pk)
    if Action.REPORT_COMPLETION not in selectors.available_actions(user=request.user, application=app):
        messages.info(
            request, _("「%(status)s」の申請は実績報告できません。") % {"status": app.get_status_display()}
        )
        return redirect("subsidies:detail", pk=app.pk)
    kinds = _kinds(app) or []
    go = request.POST.get("go")
    page_errors: list[str] = []
    status = 200
    if request.method == "POST":
        formset = line_formset(request.POST, kinds=kinds, add_rows=BLANK_ROWS if go == "add" else 0)
        form = CompletionReportForm(request.POST, request.FILES)
        if go != "report":  # 「行を追加」, or Enter in a field: show the form again, report nothing
            formset.is_valid()
        elif formset.is_valid() and form.is_valid():
            try:
                services.application_report_completion(
                    actor=request.user,
                    application_id=app.pk,
                    lines=formset.lines(),
                    receipts=form.cleaned_data["receipts"],
                    comment=form.cleaned_data["comment"],
                )
            except (SubsidyError, PermissionDenied) as e:
                if getattr(e, "code", "") == "attachment_rejected":
                    attach_error(form, e, "receipts")
                else:
                    page_errors.append(message_of(e))
                status = status_of(e)
            else:
                messages.success(request, _("実績報告を提出しました。市で補助金の額を確定します。"))
                return redirect("subsidies:detail", pk=app.pk)
        else:
            status = 400
    else:
        lines = selectors.actual_lines(app) or selectors.planned_lines(app)
        formset = line_formset(kinds=kinds, lines=lines)
        form = CompletionReportForm()
    return render(
        request,
        "subsidies/report.html",
        {
            "app": app,
            "formset": formset,
            "form": form,
            "receipts": [a for a in app.attachments.all() if a.kind == "receipt"],
            "error_summary": error_summary(formset, form, extra=page_errors),
            "files_lost": request.method == "POST" and bool(request.FILES),
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# The claim (交付請求 / 請求書) after 額の確定
# ---------------------------------------------------------------------------------------------


@login_required
def claim(request, pk):
    """請求書: the association gives the account the confirmed amount is paid into."""
    app = selectors.application_detail(user=request.user, application_id=pk)
    if app.status != Status.CONFIRMED or not subsidy_policy.can_act_for_association(request.user, app):
        messages.info(
            request,
            _("請求書は補助金の額が確定してから出します（この申請は「%(status)s」です）。")
            % {"status": app.get_status_display()},
        )
        return redirect("subsidies:detail", pk=app.pk)
    existing = selectors.claim_of(app) if selectors.sees_bank_account(request.user, app) else None
    form = ClaimForm(request.POST or None, initial=ClaimForm.initial_for(existing))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.application_claim(actor=request.user, application_id=app.pk, **form.cleaned_data)
            except (SubsidyError, PermissionDenied) as e:
                attach_error(form, e)
                status = status_of(e)
            else:
                messages.success(
                    request,
                    _("請求書を出しました。市から振込先に%(amount)sをお支払いします。")
                    % {"amount": wording.format_yen(app.confirmed_amount)},
                )
                return redirect("subsidies:document", pk=app.pk, document="claim")
        else:
            status = 400
    return render(
        request,
        "subsidies/claim.html",
        {"app": app, "form": form, "error_summary": error_summary(form)},
        status=status,
    )
