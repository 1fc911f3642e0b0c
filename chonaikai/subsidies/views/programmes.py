"""Programmes: budget, approved, paid and remaining; rules with 「要綱で要確認」; 住民組織助成金; exports.

Every role that uses subsidies sees the programme figures (aggregates, no personal data); only
city administrators confirm rules, compute the 住民組織助成金 and download the workbooks. The grant
list is scoped by the policy (a leader sees their own association's row; a viewer none).
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from chonaikai.associations.counts import selectors as round_selectors
from chonaikai.cities.current import labels
from chonaikai.subsidies import policy as subsidy_policy

from .. import exports, selectors, services, wording
from ..errors import SubsidyError
from ..forms import AccountingExportForm, GrantComputeForm, RuleConfirmForm
from ..models import Programme
from .common import CITY, WARD, attach_error, audience, error_summary, message_of, status_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GRANTS_PER_PAGE = 100


def _require_audience(user) -> str:
    who = audience(user)
    if who is None:
        raise Http404("subsidy pages are for the city, ward offices, associations and viewers")
    return who


@login_required
def programme_list(request):
    who = _require_audience(request.user)
    summaries = selectors.programme_summaries()
    years: dict[int, list] = {}
    for summary in summaries:
        years.setdefault(summary.programme.fiscal_year, []).append(summary)
    return render(
        request,
        "subsidies/programme_list.html",
        {
            "years": [(year, wording.fiscal_year_text(year), rows) for year, rows in years.items()],
            "who": who,
            "can_export": subsidy_policy.can_export_subsidies(request.user),
        },
    )


@login_required
def programme_detail(request, pk):
    _require_audience(request.user)
    programme = get_object_or_404(selectors.programmes(), pk=pk)
    return _render_programme(request, programme)


def _render_programme(request, programme, *, confirm_forms=None, compute_form=None, status=200):
    user = request.user
    can_manage = subsidy_policy.can_manage_programmes(user)
    rule_rows = list(programme.rules.prefetch_related("kinds"))
    confirm_forms = confirm_forms or {}
    rows = [
        {
            "rule": row,
            "form": (confirm_forms.get(row.pk) or RuleConfirmForm(prefix=f"rule{row.pk}"))
            if can_manage and row.needs_confirmation
            else None,
        }
        for row in rule_rows
    ]
    context = {
        "programme": programme,
        "summary": selectors.programme_summary(programme),
        "window": selectors.application_window(programme),
        "rows": rows,
        "can_manage": can_manage,
        "can_export": subsidy_policy.can_export_subsidies(user),
        "needs_confirmation_label": wording.NEEDS_CONFIRMATION_LABEL,
        # Rule markers and sources are for the staff; applicants read that the city is confirming.
        "staff_view": audience(user) in (CITY, WARD),
        "error_summary": error_summary(compute_form, *confirm_forms.values()),
    }
    if programme.kind == Programme.Kind.COMPUTED:
        grants = selectors.resident_grants(user=user, programme=programme)
        page = Paginator(grants, GRANTS_PER_PAGE).get_page(request.GET.get("page"))
        can_compute = subsidy_policy.can_compute_resident_grants(user)
        context.update(
            grants_page=page,
            page=page,
            page_range=page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            compute_form=(compute_form or _compute_form()) if can_compute else None,
        )
    return render(request, "subsidies/programme_detail.html", context, status=status)


def _compute_form(data=None) -> GrantComputeForm:
    dates = [r.survey_date for r in round_selectors.survey_rounds()]
    return GrantComputeForm(data, survey_dates=dates)


@login_required
@require_POST
def rule_confirm(request, pk, rule_pk):
    _require_audience(request.user)
    programme = get_object_or_404(selectors.programmes(), pk=pk)
    rule = get_object_or_404(programme.rules, pk=rule_pk)
    form = RuleConfirmForm(request.POST, prefix=f"rule{rule.pk}")
    status = 400
    if form.is_valid():
        try:
            services.rule_confirm(actor=request.user, rule_id=rule.pk, comment=form.cleaned_data["comment"])
        except (SubsidyError, PermissionDenied) as e:
            attach_error(form, e)
            status = status_of(e)
        else:
            messages.success(request, _("「%(rule)s」の算定基準を確認済みにしました。") % {"rule": rule.name})
            return redirect("subsidies:programme", pk=programme.pk)
    return _render_programme(request, programme, confirm_forms={rule.pk: form}, status=status)


@login_required
@require_POST
def grant_compute(request, pk):
    """住民組織助成金: compute (or recompute) every association's and federation's grant."""
    _require_audience(request.user)
    programme = get_object_or_404(selectors.programmes(), pk=pk)
    form = _compute_form(request.POST)
    status = 400
    if form.is_valid():
        try:
            run = services.resident_grant_compute(
                actor=request.user, programme_id=programme.pk, survey_date=form.cleaned_data["survey_date"]
            )
        except (SubsidyError, PermissionDenied) as e:
            attach_error(form, e)
            status = status_of(e)
        else:
            messages.success(
                request,
                _(
                    "%(date)s調査の加入世帯数で算定しました: 新規 %(created)s件、変更 %(changed)s件、"
                    "変更なし %(unchanged)s件。合計 %(total)s（今回の差額の合計 %(difference)s円）。"
                )
                % {
                    "date": wording.date_text(run.survey_date),
                    "created": run.created,
                    "changed": run.changed,
                    "unchanged": run.unchanged,
                    "total": wording.format_yen(run.total_amount),
                    "difference": f"{run.difference_total:+,}",
                },
            )
            if run.pending_wards:
                messages.warning(
                    request,
                    ngettext(
                        "世帯数が未承認の%(area)s（%(count)s%(area)s）の町内会は算定していません。"
                        "%(area)sの承認後にもう一度算定してください。",
                        "世帯数が未承認の%(area)s（%(count)s%(area)s）の町内会は算定していません。"
                        "%(area)sの承認後にもう一度算定してください。",
                        len(run.pending_wards),
                    )
                    % {"count": len(run.pending_wards), "area": labels().area},
                )
            return redirect("subsidies:programme", pk=programme.pk)
    return _render_programme(request, programme, compute_form=form, status=status)


# ---------------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------------


def _require_exporter(user) -> None:
    if audience(user) != CITY or not subsidy_policy.can_export_subsidies(user):
        raise Http404("exports are for city administrators")


def _fiscal_years() -> list[int]:
    return sorted(set(selectors.programmes().values_list("fiscal_year", flat=True)), reverse=True)


@login_required
def exports_page(request):
    _require_exporter(request.user)
    return render(
        request,
        "subsidies/exports.html",
        {
            "form": AccountingExportForm(fiscal_years=_fiscal_years()),
            "programmes": list(selectors.programmes()),
        },
    )


def _xlsx(workbook, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def accounting_download(request):
    _require_exporter(request.user)
    form = AccountingExportForm(request.GET, fiscal_years=_fiscal_years())
    fiscal_year = form.cleaned_data["fiscal_year"] if form.is_valid() else None
    workbook = exports.accounting_workbook(actor=request.user, fiscal_year=fiscal_year)
    return _xlsx(workbook, f"subsidies_accounting_{fiscal_year or 'all'}.xlsx")


@login_required
def payment_list_download(request, pk):
    _require_exporter(request.user)
    programme = get_object_or_404(selectors.programmes(), pk=pk)
    try:
        workbook = exports.payment_list_workbook(actor=request.user, programme=programme)
    except exports.NothingToPay as e:
        messages.info(
            request,
            message_of(e) or _("%(programme)sには支払の対象がありません。") % {"programme": programme},
        )
        return redirect("subsidies:programme", pk=programme.pk)
    return _xlsx(workbook, f"payments_{programme.code}_{programme.fiscal_year}.xlsx")
