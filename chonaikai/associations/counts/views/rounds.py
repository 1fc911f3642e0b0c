"""Ward offices' yearly counts: survey rounds, each round's overview, submission and approval.

Staff pages. City administrators see every ward; ward staff their own ward; anyone else gets 404
(and anonymous visitors the login page). Views parse input, call one selector or service, and
render; transitions, checks and the approval lock are the services' (services.rounds, .entry).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chonaikai.accounts import policy
from chonaikai.cities.current import labels

from ... import rules, services
from ...models import SurveyRound, WardProgress
from ...templatetags.japanese import jdate
from .. import selectors as selectors_rounds
from ..forms import (
    ProgressActionForm,
    RoundOpenForm,
    SubmissionForm,
    parse_survey_date,
)
from ..services import rounds as round_services
from ..services.rounds import APPROVE, SEND_BACK, SUBMIT, TRANSITIONS, WITHDRAW, may_act, possible_actions

_ACTIONS = {
    SUBMIT: services.ward_progress_submit,
    APPROVE: services.ward_progress_approve,
    SEND_BACK: services.ward_progress_send_back,
    WITHDRAW: services.ward_progress_withdraw,
}


def _survey_date_or_404(text: str):
    day = parse_survey_date(text)
    if day is None:
        raise Http404("not a date")
    return day


def _require_staff(user) -> None:
    """City administrators and ward staff only; everyone else is told the page does not exist."""
    if not policy.wards_editable_by(user).exists():
        raise Http404("counts pages are for city and ward staff")


# ---------------------------------------------------------------------------------------------
# Rounds
# ---------------------------------------------------------------------------------------------


@login_required
def count_help(request):
    """How a ward's yearly counts go from a file or the grid to the city's approval (staff only).

    The figures it states (the large-change threshold, the upload limits) come from the rules and
    settings that enforce them, so the help cannot drift from what the pages do."""
    _require_staff(request.user)
    return render(
        request,
        "counts/help.html",
        {
            "large_change_percent": int(rules.LARGE_CHANGE * 100),
            "max_upload_mb": settings.COUNTS_IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024),
            "retention_hours": settings.COUNTS_UPLOAD_RETENTION_HOURS,
        },
    )


@login_required
def round_list(request, open_form: RoundOpenForm | None = None):
    _require_staff(request.user)
    can_open = policy.can_manage_rounds(request.user)
    own_ward = None if policy.is_city_admin(request.user) else policy.wards_editable_by(request.user).first()
    rounds = list(selectors_rounds.survey_rounds())
    if own_ward is not None:
        # The ward's own state per round (差し戻し shows here as well as on the grid): one query.
        own = {p.survey_round_id: p for p in WardProgress.objects.filter(ward=own_ward)}
        for survey_round in rounds:
            survey_round.own_progress = own.get(survey_round.pk)
    return render(
        request,
        "counts/round_list.html",
        {
            "rounds": rounds,
            "open_form": (open_form or RoundOpenForm()) if can_open else None,
            "own_ward": own_ward,
        },
        status=400 if open_form is not None else 200,
    )


@login_required
@require_POST
def round_open(request):
    if not policy.can_manage_rounds(request.user):
        raise Http404("only city administrators open rounds")
    form = RoundOpenForm(request.POST)
    if form.is_valid():
        try:
            survey_round = services.round_open(
                actor=request.user,
                survey_date=form.cleaned_data["survey_date"],
                deadline=form.cleaned_data["deadline"],
            )
        except services.RoundError as e:
            form.add_error(None, e.message)
        else:
            messages.success(
                request, _("%(date)sの調査を開始しました。") % {"date": jdate(survey_round.survey_date)}
            )
            return redirect("associations:count_round", survey_date=survey_round.survey_date.isoformat())
    return round_list(request, open_form=form)


@dataclass
class OverviewLine:
    row: selectors_rounds.WardRoundRow
    actions: list[tuple[str, str]]  # (action, label) the user may take now
    entry_url: str
    submission_url: str = ""  # the summary before submitting, when the user may submit now
    review_url: str = ""  # the approval view, when the user may approve or send back now


@login_required
def round_overview(request, survey_date: str):
    day = _survey_date_or_404(survey_date)
    _require_staff(request.user)
    survey_round = get_object_or_404(SurveyRound, survey_date=day)
    overview = selectors_rounds.round_overview(survey_round=survey_round, user=request.user)
    lines = []
    for row in overview.rows:
        allowed = [
            action
            for action in possible_actions(row.progress.status)
            if round_services.may_act(request.user, action, row.ward)
        ]
        kwargs = {"ward_code": row.ward.code, "survey_date": day.isoformat()}
        lines.append(
            OverviewLine(
                row=row,
                # Submitting, approving and sending back go through their pages (a summary first);
                # withdrawing is one button, for the ward (a city administrator sends back instead).
                actions=[
                    (action, TRANSITIONS[action].label)
                    for action in allowed
                    if action == WITHDRAW and APPROVE not in allowed
                ],
                entry_url=reverse("associations:count_entry", kwargs=kwargs),
                submission_url=reverse("associations:count_submission", kwargs=kwargs)
                if SUBMIT in allowed
                else "",
                review_url=reverse("associations:count_review", kwargs=kwargs) if APPROVE in allowed else "",
            )
        )
    return render(
        request,
        "counts/round_overview.html",
        {"overview": overview, "survey_round": survey_round, "lines": lines},
    )


@login_required
@require_POST
def progress_action(request, survey_date: str, ward_code: str, action: str):
    day = _survey_date_or_404(survey_date)
    if action not in _ACTIONS:
        raise Http404("no such action")
    form = ProgressActionForm(request.POST)
    comment = form.cleaned_data["comment"].strip() if form.is_valid() else ""
    if action in _CONFIRMED_ACTIONS and form.is_valid() and not request.POST.get("confirmed"):
        confirmation = _confirmation(request, day, ward_code, action, comment)
        if confirmation is not None:
            return confirmation
    if not form.is_valid():
        messages.error(request, _("コメントが長すぎます（2,000文字以内）。"))
    else:
        try:
            progress = _ACTIONS[action](
                actor=request.user, survey_date=day, ward_code=ward_code, comment=comment
            )
        except services.RoundError as e:
            messages.error(request, e.message)
        else:
            if action == SEND_BACK:
                message = _(
                    "%(ward)sの提出を差し戻しました（状況:「%(status)s」）。%(area)sの入力画面にコメントが表示されます。"
                )
            else:
                message = _("%(ward)sを「%(status)s」にしました（%(action)s）。")
            messages.success(
                request,
                message
                % {
                    "ward": progress.ward.name,
                    "area": labels().area,
                    "status": progress.state_label,
                    "action": TRANSITIONS[action].label,
                },
            )
    return redirect(
        reverse("associations:count_round", kwargs={"survey_date": day.isoformat()}) + f"#ward-{ward_code}"
    )


# Actions that undo a step someone took (the ward's submission) ask first: a page that says what
# will happen, whose button posts the same form again with confirmed=1. No script is needed.
_CONFIRMED_ACTIONS = {WITHDRAW, SEND_BACK}


def _confirmation(request, day, ward_code: str, action: str, comment: str):
    """The confirmation page, or None when there is nothing to confirm (the action is not open to
    the user or the ward's status: the service then says why). 404 outside the user's wards."""
    ward = policy.get_ward_for_edit(request.user, ward_code)
    progress = (
        WardProgress.objects.select_related("survey_round")
        .filter(ward=ward, survey_round__survey_date=day)
        .first()
    )
    if progress is None:
        raise Http404("no round for this survey date")
    if action not in possible_actions(progress.status) or not may_act(request.user, action, ward):
        return None
    if action == SEND_BACK and not comment:
        return None  # refused with the service's message: a send-back needs a comment
    back = "count_submission" if action == WITHDRAW else "count_review"
    return render(
        request,
        "counts/confirm_action.html",
        {
            "ward": ward,
            "survey_round": progress.survey_round,
            "action": action,
            "comment": comment,
            "back_url": reverse(
                f"associations:{back}", kwargs={"survey_date": day.isoformat(), "ward_code": ward.code}
            ),
        },
    )


def _submission_or_404(request, survey_date: str, ward_code: str):
    day = _survey_date_or_404(survey_date)
    ward = policy.get_ward_for_edit(request.user, ward_code)  # 404 outside the user's wards
    submission = selectors_rounds.ward_submission(ward=ward, survey_date=day)
    if submission is None:
        raise Http404("no round for this survey date")
    return day, ward, submission


@login_required
def submission_summary(request, survey_date: str, ward_code: str):
    """Before submitting: entered N of M, the associations with no count, the flagged counts.

    POST submits (services.ward_progress_submit), with the reason the form asks for when some
    associations have no count.
    """
    day, ward, submission = _submission_or_404(request, survey_date, ward_code)
    form = SubmissionForm(request.POST or None, missing=len(submission.missing))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.ward_progress_submit(
                    actor=request.user,
                    survey_date=day,
                    ward_code=ward.code,
                    comment=form.cleaned_data["comment"],
                )
            except services.RoundError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, _("%(ward)sの世帯数を提出しました。") % {"ward": ward.name})
                return redirect(
                    reverse("associations:count_round", kwargs={"survey_date": day.isoformat()})
                    + f"#ward-{ward.code}"
                )
        status = 400
    status_now = submission.progress.status
    return render(
        request,
        "counts/submission.html",
        {
            "submission": submission,
            "survey_round": submission.progress.survey_round,
            "ward": ward,
            "form": form,
            "may_submit": SUBMIT in possible_actions(status_now)
            and round_services.may_act(request.user, SUBMIT, ward),
            "may_withdraw": WITHDRAW in possible_actions(status_now)
            and round_services.may_act(request.user, WITHDRAW, ward),
            "entry_url": reverse(
                "associations:count_entry", kwargs={"ward_code": ward.code, "survey_date": day.isoformat()}
            ),
        },
        status=status,
    )


@login_required
def submission_review(request, survey_date: str, ward_code: str):
    """The city's approval view of one ward: the flagged counts with their notes, the ward's change
    against the previous survey, the associations with no count, then 承認 or 差し戻し (with a comment).

    City administrators only (404 for everyone else, as for a page that does not exist).
    """
    day, ward, submission = _submission_or_404(request, survey_date, ward_code)
    if not policy.can_approve_ward(request.user, ward):
        raise Http404("only city administrators review submissions")
    status_now = submission.progress.status
    return render(
        request,
        "counts/review.html",
        {
            "submission": submission,
            "survey_round": submission.progress.survey_round,
            "ward": ward,
            "may_decide": APPROVE in possible_actions(status_now),
            "entry_url": reverse(
                "associations:count_entry", kwargs={"ward_code": ward.code, "survey_date": day.isoformat()}
            ),
        },
    )
