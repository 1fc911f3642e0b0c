"""The association's subsidy home (「補助金の申請」: its applications and what to do next on each)
and a programme's guide page before step 1."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.cities.current import city
from chonaikai.subsidies import policy as subsidy_policy

from .. import selectors, wording
from ..models import Programme
from ..wording import status_help
from ..workflow import CLOSED_WITHOUT_GRANT, Status
from .common import (
    CITY,
    LEADER,
    VIEWER,
    WARD,
    audience,
    step_url,
)

# ---------------------------------------------------------------------------------------------
# Home
# ---------------------------------------------------------------------------------------------


@login_required
def home(request):
    """Where 「補助金」 in the menu leads: each role's own starting page."""
    who = audience(request.user)
    if who in (CITY, WARD):
        return redirect("subsidies:queue")
    if who == VIEWER:
        return redirect("subsidies:programmes")
    if who != LEADER:
        raise Http404("subsidy pages are for the city, ward offices and association leaders")
    association = subsidy_policy.associations_applying_as(request.user).select_related("ward").first()
    if association is None:
        raise Http404("no association")
    applications = list(selectors.application_queue(user=request.user).order_by("-created_at", "-id"))
    # A programme allowing one application a year is 「申請済み」 once one has been submitted; while
    # the year's application is still a draft the page leads back to the draft instead.
    submitted = {
        a.programme_id
        for a in applications
        if a.status not in CLOSED_WITHOUT_GRANT and a.status != Status.DRAFT
    }
    drafts = {a.programme_id: a for a in reversed(applications) if a.status == Status.DRAFT}
    programmes = []
    for p in selectors.open_programmes(day=timezone.localdate()):
        draft = drafts.get(p.pk) if p.one_application_per_year and p.pk not in submitted else None
        programmes.append(
            {
                "programme": p,
                "applied": p.one_application_per_year and p.pk in submitted,
                "draft": draft,
                "draft_url": step_url(draft, "purpose") if draft is not None else "",
            }
        )
    rows = [{"app": a, "help": status_help(a), "next": _next_step(request.user, a)} for a in applications]
    return render(
        request,
        "subsidies/home.html",
        {"association": association, "programmes": programmes, "rows": rows},
    )


@login_required
def programme_guide(request, pk):
    """A programme's page before step 1: what it pays for with examples per kind, rates, cap, one
    worked example computed by the rules, the period, the documents and whom to ask; 「申請を始める」.
    Applicants see the categories open to them; staff also see those still 「要綱で要確認」 and why."""
    who = audience(request.user)
    if who is None:
        raise Http404("subsidy pages are for the city, ward offices, associations and viewers")
    programme = get_object_or_404(
        selectors.programmes().filter(kind=Programme.Kind.APPLICATION).prefetch_related("rules__kinds"), pk=pk
    )
    staff = who in (CITY, WARD)
    categories = [c for c in selectors.programme_guide(programme) if staff or c.open_to_applicants]
    open_now = any(p.pk == programme.pk for p in selectors.open_programmes(day=timezone.localdate()))
    association = (
        subsidy_policy.associations_applying_as(request.user).select_related("ward").first()
        if who == LEADER
        else None
    )
    start_url = draft = None
    if association is not None and open_now:
        mine = [
            a
            for a in selectors.application_queue(user=request.user).filter(programme=programme)
            if a.status not in CLOSED_WITHOUT_GRANT
        ]
        draft = next((a for a in mine if a.status == Status.DRAFT), None)
        applied = programme.one_application_per_year and any(a.status != Status.DRAFT for a in mine)
        if programme.one_application_per_year and draft is not None:
            start_url = step_url(draft, "purpose")
        elif not applied:
            start_url = f"{reverse('subsidies:new')}?programme={programme.pk}"
    first, last = selectors.application_window(programme)
    return render(
        request,
        "subsidies/programme_guide.html",
        {
            "programme": programme,
            "categories": categories,
            "staff_view": staff,
            "open_now": open_now,
            "has_closed_categories": any(not c.open_to_applicants for c in categories),
            "first_day": first,
            "last_day": last,
            "association": association,
            "contact": selectors.contact_for(association, programme),
            "documents": selectors.document_requirements(programme),
            "start_url": start_url,
            "draft": draft if programme.one_application_per_year else None,
            "city_name": city().name,
            "needs_confirmation_label": wording.NEEDS_CONFIRMATION_LABEL,
        },
    )


def _next_step(user, app) -> tuple[str, str] | None:
    """The one thing to do next on an application (label, url), if any."""
    if app.status in (Status.DRAFT, Status.RETURNED) and subsidy_policy.can_edit_application(user, app):
        return (_("続きを入力する") if app.status == Status.DRAFT else _("修正する")), step_url(
            app, "purpose"
        )
    if app.status == Status.APPROVED and subsidy_policy.can_act_for_association(user, app):
        return _("実績報告をする"), reverse("subsidies:report", args=[app.pk])
    return None
