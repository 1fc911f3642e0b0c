"""The application wizard: step 1 (a new application by the leader, or a paper one entered by ward
staff), the steps of a draft (programme, purpose, expense lines with the live amount, attachments,
confirmation and submission, the printed sheet) and withdrawal.

Leaders act for their own association; ward staff and city administrators use the same steps for
paper applications they entered (subsidy_policy.can_edit_application decides). Each step saves a draft
(「下書き保存」 stays, 「次へ」/「前へ」 move on) through one service; a refusal is shown on the
form with everything typed kept. The amount is always the service's, recomputed on every save.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chonaikai.accounts import policy
from chonaikai.associations import policy as association_policy
from chonaikai.associations.models import Association
from chonaikai.cities.current import city
from chonaikai.subsidies import policy as subsidy_policy

from .. import selectors, services, wording
from ..errors import SubsidyError
from ..forms import (
    BLANK_ROWS,
    AttachmentForm,
    CommentForm,
    NewApplicationForm,
    PaperApplicationForm,
    ProgrammeStepForm,
    PurposeForm,
    line_formset,
)
from ..models import Programme
from ..wording import reviewer
from ..workflow import Action, Status
from .common import (
    CITY,
    SAVED,
    WARD,
    attach_error,
    audience,
    error_summary,
    message_of,
    status_of,
    step_after,
    step_nav,
    step_url,
)

# ---------------------------------------------------------------------------------------------
# Step 1: a new application (the leader) or a paper one (ward staff)
# ---------------------------------------------------------------------------------------------


def step_one_choices(programme) -> tuple[list[tuple[str, str]], bool]:
    """The categories applicants may choose (code, name) and whether the programme needs a hall."""
    open_rows = [r for r in programme.rules.all() if not r.needs_confirmation]
    categories = [(r.category, r.name) for r in open_rows if r.category]
    return categories, any(r.requires_hall for r in open_rows)


@login_required
def application_new(request):
    """Step 1, reached from a programme's page (?programme=<pk>): the programme is not chosen again.
    Without an open programme the page lists the open programmes' pages to start from."""
    association = subsidy_policy.associations_applying_as(request.user).first()
    if association is None:
        if audience(request.user) in (CITY, WARD):
            return redirect("subsidies:paper_new")
        raise Http404("only association leaders apply")
    programmes = selectors.open_programmes(day=timezone.localdate())
    chosen = request.POST.get("programme") or request.GET.get("programme") or ""
    programme = next((p for p in programmes if str(p.pk) == chosen), None)
    if programme is None:
        status = 400 if request.method == "POST" else 200
        if request.method == "POST":
            messages.error(request, _("この補助金はいま申請を受け付けていません。"))
        return render(
            request,
            "subsidies/new_choose.html",
            {"association": association, "programmes": programmes},
            status=status,
        )
    halls = selectors.halls_for(user=request.user, association=association)
    categories, needs_hall = step_one_choices(programme)
    form = NewApplicationForm(
        request.POST or None,
        programme=programme,
        open_programmes=programmes,
        categories=categories,
        halls=halls,
        needs_hall=needs_hall,
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            app = services.application_start(
                actor=request.user, association_id=association.pk, **form.values()
            )
        except (SubsidyError, PermissionDenied) as e:
            attach_error(form, e)
            status = status_of(e)
        else:
            messages.success(
                request, _("下書きを作りました（申請番号 %(number)s）。") % {"number": app.number}
            )
            if app.hall is not None and app.hall.awaiting_check:
                messages.info(
                    request,
                    _("会館「%(hall)s」を登録しました。%(office)sが審査のときに登録内容を確認します。")
                    % {"hall": app.hall.name, "office": reviewer(app)},
                )
            return redirect(step_after(app, "programme", request.POST.get("go")))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "subsidies/new.html",
        {
            "form": form,
            "association": association,
            "programme": programme,
            "steps": step_nav(None, "programme"),
            "error_summary": error_summary(form),
            "language_form": STEP_FORM_IDS["programme"],
        },
        status=status,
    )


@login_required
def paper_new(request):
    """A paper application entered by ward staff (or the city) with its scan, then the same steps."""
    if audience(request.user) not in (CITY, WARD):
        raise Http404("paper applications are entered by ward offices")
    associations = (
        association_policy.associations_editable_by(request.user)
        .filter(status=Association.Status.ACTIVE)
        .order_by("code")
    )
    programmes = [p for p in selectors.programmes() if p.kind == Programme.Kind.APPLICATION]
    form = PaperApplicationForm(
        request.POST or None,
        request.FILES or None,
        associations=associations,
        programmes=programmes,
        halls=selectors.halls_for(user=request.user).order_by("association__code", "name"),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            app = services.application_enter_paper(
                actor=request.user,
                association_id=data["association"].pk,
                purpose="",
                scanned_form=data["scanned_form"],
                received_on=data["received_on"],
                **form.values(),
            )
        except (SubsidyError, PermissionDenied) as e:
            attach_error(form, e, "scanned_form" if getattr(e, "code", "") == "attachment_rejected" else None)
            status = status_of(e)
        else:
            messages.success(
                request,
                _("紙の申請書を登録しました（申請番号 %(number)s）。申請書のとおりに続きを入力してください。")
                % {"number": app.number},
            )
            return redirect(step_after(app, "programme", request.POST.get("go")))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "subsidies/paper_new.html",
        {"form": form, "error_summary": error_summary(form)},
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# The steps of a draft
# ---------------------------------------------------------------------------------------------


def editable(view):
    """Give the view the application if the user may change it now; otherwise back to its page."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, pk, *args, **kwargs):
        app = selectors.application_detail(user=request.user, application_id=pk)  # 404 if not visible
        if not subsidy_policy.can_edit_application(request.user, app):
            if app.status not in (Status.DRAFT, Status.RETURNED):
                messages.info(
                    request,
                    _(
                        "「%(status)s」の申請は内容を変更できません。"
                        "修正が必要なときは%(office)sにご相談ください。"
                    )
                    % {"status": app.get_status_display(), "office": reviewer(app)},
                )
            else:
                messages.error(request, _("この申請の内容を変更する権限がありません。"))
            return redirect("subsidies:detail", pk=app.pk)
        return view(request, app, *args, **kwargs)

    return wrapper


def _step_context(app, current: str, **context) -> dict:
    return {
        "app": app,
        "steps": step_nav(app, current),
        "current_step": current,
        "returned_comment": _return_comment(app),
        # The header's language buttons send this step's form, so that switching keeps what was typed.
        "language_form": STEP_FORM_IDS.get(current, ""),
        **context,
    }


# The id of each step's form whose typed input a language switch saves (the attachment step's form
# is multipart and holds no typing to lose; the confirmation's submits).
STEP_FORM_IDS = {"programme": "step-form", "purpose": "step-form", "lines": "lines-form"}


def _return_comment(app) -> str:
    """The ward's reason for returning the application, shown on every step until resubmitted."""
    if app.status != Status.RETURNED:
        return ""
    returns = [t for t in app.transitions.all() if t.action == Action.RETURN]
    return returns[-1].comment if returns else ""


def _categories(programme) -> list[tuple[str, str]]:
    return [(r.category, r.name) for r in selectors.programme_categories(programme)]


@editable
def edit_programme(request, app):
    categories, needs_hall = step_one_choices(app.programme)
    halls = selectors.halls_for(user=request.user, association=app.association)
    form = ProgrammeStepForm(
        request.POST or None, application=app, categories=categories, halls=halls, needs_hall=needs_hall
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if form.values():
                    services.application_choose_category(
                        actor=request.user, application_id=app.pk, **form.values()
                    )
            except (SubsidyError, PermissionDenied) as e:
                attach_error(form, e)
                status = status_of(e)
            else:
                messages.success(request, SAVED)
                return redirect(step_after(app, "programme", request.POST.get("go")))
        else:
            status = 400
    return render(
        request,
        "subsidies/step_programme.html",
        _step_context(app, "programme", form=form, error_summary=error_summary(form)),
        status=status,
    )


@editable
def edit_purpose(request, app):
    form = PurposeForm(request.POST or None, initial=PurposeForm.initial_for(app))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.application_update(actor=request.user, application_id=app.pk, **form.values())
            except (SubsidyError, PermissionDenied) as e:
                attach_error(form, e)
                status = status_of(e)
            else:
                messages.success(request, SAVED)
                return redirect(step_after(app, "purpose", request.POST.get("go")))
        else:
            status = 400
    return render(
        request,
        "subsidies/step_purpose.html",
        _step_context(app, "purpose", form=form, error_summary=error_summary(form)),
        status=status,
    )


def _kinds(app) -> list[tuple[str, str]] | None:
    """The expense kinds of the application's category; None while no category is chosen."""
    try:
        rule = selectors.rule_for(app.programme, app.category)
    except SubsidyError:
        return None
    return [(k.code, k.name) for k in rule.kinds]


@editable
def edit_lines(request, app):
    kinds = _kinds(app)
    if kinds is None:
        messages.error(request, _("先に区分を選んでください。"))
        return redirect(step_url(app, "programme"))
    go = request.POST.get("go")
    page_errors: list[str] = []
    status = 200
    if request.method == "POST":
        formset = line_formset(request.POST, kinds=kinds)
        if formset.is_valid():
            try:
                services.application_set_lines(
                    actor=request.user, application_id=app.pk, lines=formset.lines()
                )
            except (SubsidyError, PermissionDenied) as e:
                page_errors.append(message_of(e))
                status = status_of(e)
            else:
                messages.success(request, SAVED)
                if go == "add":
                    return redirect(f"{step_url(app, 'lines')}?rows={len(formset.lines()) + 2 * BLANK_ROWS}")
                return redirect(step_after(app, "lines", go))
        else:
            status = 400
        if go == "add":  # keep what was typed and still add the rows asked for
            formset = line_formset(request.POST, kinds=kinds, add_rows=BLANK_ROWS)
            formset.is_valid()
    else:
        lines = selectors.planned_lines(app)
        try:
            rows = max(int(request.GET.get("rows", 0)), len(lines) + BLANK_ROWS)
        except ValueError:
            rows = len(lines) + BLANK_ROWS
        formset = line_formset(kinds=kinds, lines=lines, extra=min(rows, 100) - len(lines))
    return render(
        request,
        "subsidies/step_lines.html",
        _step_context(
            app,
            "lines",
            formset=formset,
            breakdown=selectors.breakdown_of(app, user=request.user),
            error_summary=error_summary(formset, extra=page_errors),
            saved_lines=selectors.planned_lines(app),
        ),
        status=status,
    )


@login_required
@require_POST
def breakdown_json(request, pk):
    """The amount and breakdown for the lines as typed (not saved): the lines page calls it while typing.

    Answers {"amount", "amount_text", "cost", "lines", "needs_confirmation"}, or 400 with
    {"message", "extra"} when the lines cannot be computed yet.
    """
    app = selectors.application_for_edit(user=request.user, application_id=pk)
    kinds = _kinds(app)
    if kinds is None:
        return JsonResponse({"message": _("先に区分を選んでください。"), "extra": {}}, status=400)
    formset = line_formset(request.POST, kinds=kinds)
    if not formset.is_valid():
        problems = error_summary(formset)
        message = problems[0][1] if problems else _("入力内容を確認してください。")
        return JsonResponse({"message": message, "extra": {"errors": [m for _a, m in problems]}}, status=400)
    try:
        breakdown = selectors.amount_for(app, formset.lines())
    except SubsidyError as e:
        return JsonResponse({"message": e.message, "extra": e.extra}, status=400)
    if not selectors.sees_rule_notes(request.user, app):
        breakdown = breakdown.for_applicants()
    return JsonResponse(
        {
            "amount": breakdown.amount,
            "amount_text": wording.format_yen(breakdown.amount),
            "cost": breakdown.cost,
            "cost_text": wording.format_yen(breakdown.cost),
            "lines": wording.breakdown_lines(breakdown),
            "needs_confirmation": breakdown.needs_confirmation,
        }
    )


@editable
def edit_attachments(request, app):
    staff = app.entered_by_staff and audience(request.user) in (CITY, WARD)
    kinds = selectors.attachment_kinds(app.programme, staff=staff)
    form = AttachmentForm(request.POST or None, request.FILES or None, kinds=kinds)
    go = request.POST.get("go")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                if upload:
                    services.attachment_add(
                        actor=request.user, application_id=app.pk, file=upload, kind=form.cleaned_data["kind"]
                    )
            except (SubsidyError, PermissionDenied) as e:
                attach_error(form, e, "file")
                status = status_of(e)
            else:
                if upload:
                    messages.success(request, _("「%(name)s」を添付しました。") % {"name": upload.name})
                elif go not in ("next", "prev"):
                    messages.info(request, _("添付するファイルを選んでください。下書きは保存されています。"))
                return redirect(step_after(app, "attachments", "stay" if go == "attach" else go))
        else:
            status = 400
    return render(
        request,
        "subsidies/step_attachments.html",
        _step_context(
            app,
            "attachments",
            form=form,
            attachments=list(app.attachments.all()),
            error_summary=error_summary(form),
        ),
        status=status,
    )


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment = selectors.attachment_for(user=request.user, attachment_id=pk)
    app = attachment.application
    try:
        services.attachment_delete(actor=request.user, attachment_id=attachment.pk)
    except (SubsidyError, PermissionDenied) as e:
        messages.error(request, message_of(e))
        if not subsidy_policy.can_edit_application(request.user, app):  # decided, or not theirs to change
            return redirect("subsidies:detail", app.pk)
    else:
        messages.success(request, _("「%(name)s」を削除しました。") % {"name": attachment.original_name})
    return redirect(step_url(app, "attachments"))


@editable
def confirm(request, app):
    """The application as it will be printed, and 「提出する」."""
    errors: list[str] = []
    status = 200
    go = request.POST.get("go")
    if request.method == "POST" and go == "prev":
        return redirect(step_url(app, "attachments"))
    if request.method == "POST" and go != "submit":  # 「下書き保存」: everything is saved already
        messages.success(request, SAVED)
        return redirect("subsidies:home")
    if request.method == "POST":
        try:
            services.application_submit(actor=request.user, application_id=app.pk)
        except (SubsidyError, PermissionDenied) as e:
            errors.append(message_of(e))
            status = status_of(e)
        else:
            messages.success(
                request,
                _(
                    "提出しました（申請番号 %(number)s）。%(office)sで内容を確認します。"
                    "印刷して控えにするときは「印刷用の画面」を開いてください。"
                )
                % {"number": app.number, "office": reviewer(app)},
            )
            return redirect("subsidies:detail", pk=app.pk)
    return render(
        request,
        "subsidies/confirm.html",
        _step_context(
            app,
            "confirm",
            sheet=sheet_context(request.user, app),
            error_summary=[("", message) for message in errors],
        ),
        status=status,
    )


def sheet_context(user, app) -> dict:
    """What the printed form (subsidies/_sheet.html) shows: the application as the city receives it."""
    kinds = dict(_kinds(app) or [])
    lines = selectors.planned_lines(app)
    return {
        "app": app,
        "line_rows": [{"line": x, "kind_name": kinds.get(x.kind, x.kind)} for x in lines],
        "cost": sum(x.amount for x in lines),
        "breakdown": selectors.breakdown_of(app, user=user),
        "attachments": list(app.attachments.all()),
        "show_representative": policy.can_view_personal_data(user, app.association),
        "category_name": dict(_categories(app.programme)).get(app.category, ""),
        "city_name": city().name,
        "submitted_on": timezone.localtime(app.submitted_at).date() if app.submitted_at else None,
        "kinds": kinds,
    }


# ---------------------------------------------------------------------------------------------
# Withdrawal
# ---------------------------------------------------------------------------------------------


@login_required
def withdraw(request, pk):
    app = selectors.application_detail(user=request.user, application_id=pk)
    if Action.WITHDRAW not in selectors.available_actions(user=request.user, application=app):
        messages.info(
            request, _("「%(status)s」の申請は取り下げられません。") % {"status": app.get_status_display()}
        )
        return redirect("subsidies:detail", pk=app.pk)
    form = CommentForm(request.POST or None)
    form.fields["comment"].label = _("取り下げる理由（任意）")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.application_withdraw(
                    actor=request.user, application_id=app.pk, comment=form.cleaned_data["comment"]
                )
            except (SubsidyError, PermissionDenied) as e:
                attach_error(form, e)
                status = status_of(e)
            else:
                messages.success(
                    request, _("申請を取り下げました（申請番号 %(number)s）。") % {"number": app.number}
                )
                return redirect("subsidies:detail", pk=app.pk)
        else:
            status = 400
    return render(
        request,
        "subsidies/withdraw.html",
        {"app": app, "form": form, "error_summary": error_summary(form)},
        status=status,
    )
