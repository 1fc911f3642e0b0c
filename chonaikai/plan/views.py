"""/plan/: the outcome indicators' progress (public), their yearly values (city administrators), .xlsx."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext

from chonaikai.accounts import policy
from chonaikai.associations.templatetags.japanese import fylabel
from chonaikai.calendar import fiscal_year_of

from . import exporter, selectors, services
from .forms import IndicatorValueForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def progress(request):
    rows = selectors.indicator_progress()
    return render(
        request,
        "plan/progress.html",
        {
            "rows": rows,
            "sources": list(dict.fromkeys(row.source for row in rows)),
            "can_record": policy.is_city_admin(request.user),
        },
    )


def record(request):
    """The form for one indicator's value in one fiscal year.

    Anonymous visitors are sent to the login page; signed-in users who are not city
    administrators get 403 (the page exists for every city administrator, so there is nothing
    to hide by answering 404).
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not policy.is_city_admin(request.user):
        raise PermissionDenied
    indicators = selectors.indicators_recordable_by(request.user)
    years = sorted({y for i in indicators for y in selectors.recordable_years(i)}, reverse=True)
    initial = {}
    if request.method == "GET" and "indicator" in request.GET:
        initial["indicator"] = selectors.get_indicator_for_record(request.user, request.GET["indicator"])
    form = IndicatorValueForm(
        request.POST or None, indicators=indicators, fiscal_years=years, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.indicator_value_record(
                indicator_id=data["indicator"].pk,
                fiscal_year=data["fiscal_year"],
                value=data["value"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            field = {"fiscal_year": "fiscal_year", "decimals": "value", "negative": "value"}.get(error.code)
            form.add_error(field, error)
        else:
            messages.success(
                request,
                gettext("「%(indicator)s」の%(year)sの値を記録しました。")
                % {"indicator": saved.indicator.name, "year": fylabel(saved.fiscal_year)},
            )
            return redirect("plan:progress")
    rows = [r for r in selectors.indicator_progress() if not r.from_counts]
    return render(
        request,
        "plan/record.html",
        {"form": form, "rows": rows},
        status=400 if form.is_bound and form.errors else 200,
    )


def export_xlsx(request):
    today = timezone.localdate()
    workbook = exporter.indicator_report(rows=selectors.indicator_progress(), today=today)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = f"plan-indicators-FY{fiscal_year_of(today)}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
