"""Counts import (upload → preview → commit → result) and workbook downloads, for ward offices.

The uploaded file is kept in the default storage with a record of it (models.CountsUpload,
services.uploads). The preview and the commit both read that stored file, so the data committed is
exactly the data previewed and nothing of it travels through form fields. Another user cannot reach
someone's upload: every view starts from selectors.counts_upload_for (the owner only, while they may
still import for its ward), and anything else answers 404. The commit checks every row again inside
its transaction (services.counts_import_commit), so the preview is never trusted either.

A file of more rows than COUNTS_IMPORT_ASYNC_THRESHOLD is checked (the preview) and imported (the
commit) in the background; the page shows the progress until each is done.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET, require_http_methods

from chonaikai.accounts import policy
from chonaikai.queue import QueueUnavailable

from .. import selectors, services, survey
from ..models import CountsUpload, SurveyRound
from ..registry.forms import CityExportForm, CountsUploadForm, ImportReasonForm, WardTemplateForm
from ..stats import exporter
from . import importer
from . import selectors as upload_selectors
from .forms import ColumnMappingForm
from .services import columns, uploads

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows after which the progress page stops listing issues one by one.
MAX_ISSUES_SHOWN = 200


def default_survey_date() -> dt.date:
    """The latest survey round's date; before any round is opened, this year's survey date."""
    latest = SurveyRound.objects.order_by("-survey_date").values_list("survey_date", flat=True).first()
    return latest or survey.default_survey_date()


def _require_some_ward(user) -> None:
    # Deny by default: a user who may import for no ward sees no import page at all.
    if not policy.wards_editable_by(user).exists():
        raise Http404


# ---------------------------------------------------------------------------------------------
# Upload, preview, commit, result
# ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_some_ward(request.user)
    initial = {"survey_date": request.GET.get("survey_date") or default_survey_date()}
    if request.GET.get("ward"):
        initial["ward"] = request.GET["ward"]
    form = CountsUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        user=request.user,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        # A large file's check starts in the background now (if the queue is down, it is tried
        # again when the preview is opened, which then says so).
        upload = services.counts_upload_create(
            actor=request.user,
            data=form.file_data,
            filename=form.cleaned_data["file"].name,
            survey_date=form.cleaned_data["survey_date"],
            ward=form.cleaned_data["ward"],
        )
        return redirect("associations:import_preview", token=upload.pk)
    return render(
        request,
        "imports/upload.html",
        {"form": form, "async_threshold": services.counts_import_async_threshold()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request, token: str):
    """GET: what the stored upload would change. POST: commit it (at once or by the task).

    POST with action=reason keeps the reason for changing an approved ward's counts with the
    upload (ward staff); the preview is then checked with it, and the commit passes it on.
    POST with action=columns keeps a column mapping (the file's header row was not understood);
    the preview is made again through it, and it is remembered for the ward's next file.
    A large file's preview is made in the background: until it is done the page shows its progress.
    """
    upload = upload_selectors.counts_upload_for(request.user, token)
    if upload.submitted:
        return redirect("associations:import_result", token=token)
    rejected = False
    preview = None
    reason_form = column_form = None
    if request.method == "POST" and request.POST.get("action") == "columns":
        # The headings offered are the importer's, from the preview as it stands.
        try:
            preview = services.counts_upload_preview(actor=request.user, upload=upload)
        except QueueUnavailable as e:
            messages.error(request, e.message)
        column_form = _column_form(upload, preview, request.POST) if preview is not None else None
        if column_form is None:
            return redirect("associations:import_preview", token=token)
        if column_form.is_valid():
            services.counts_upload_set_columns(actor=request.user, upload=upload, mapping=column_form.mapping)
            return redirect("associations:import_preview", token=token)
    elif request.method == "POST" and request.POST.get("action") == "reason":
        reason_form = ImportReasonForm(request.POST)
        if reason_form.is_valid():
            services.counts_upload_set_reason(
                actor=request.user, upload=upload, reason=reason_form.cleaned_data["reason"]
            )
            return redirect("associations:import_preview", token=token)
    elif request.method == "POST":
        try:
            services.counts_upload_commit(actor=request.user, upload=upload)
        except services.CountsImportRejected as e:
            preview, rejected = e.preview, True
        except QueueUnavailable as e:
            # Nothing was imported; the upload is kept here so the user can commit again later.
            messages.error(request, e.message)
        else:
            return redirect("associations:import_result", token=token)
    if preview is None:
        try:
            preview = services.counts_upload_preview(actor=request.user, upload=upload)
        except QueueUnavailable as e:
            messages.error(request, e.message)
            preview = None
    if preview is None:
        return _render_checking(request, upload)
    if reason_form is None and _needs_reason(request.user, preview):
        reason_form = ImportReasonForm(initial={"reason": upload.reason})
    if column_form is None and columns.needs_mapping(preview):
        # None when the file has no heading text to offer: the file itself must be fixed.
        column_form = _column_form(upload, preview)
    return render(
        request,
        "imports/preview.html",
        {
            "pending": upload,
            "preview": preview,
            "reason_form": reason_form,
            "column_form": column_form,
            "summary": preview.summary,
            "file_issues": preview.parsed.issues,
            "rejected": rejected,
            "reupload_url": _reupload_url(upload),
            "deferred": uploads.is_large(upload),
            # A large file's preview has figures and issues but no rows: it can still be committed.
            "can_commit": not preview.has_errors and preview.summary.rows > 0,
        },
        status=400 if any(f is not None and f.errors for f in (reason_form, column_form)) else 200,
    )


def _column_form(upload: CountsUpload, preview: importer.Preview, data=None) -> ColumnMappingForm | None:
    """The mapping form for the importer's heading candidates (services.columns); None if there are none."""
    found = columns.candidates_to_map(preview)
    if found is None:
        return None
    headings = list(dict.fromkeys(text for _index, text in found.headers))
    return ColumnMappingForm(
        data, headings=headings, initial_columns=columns.initial_mapping(found, upload.columns)
    )


def _render_checking(request, upload: CountsUpload):
    """The preview page while the background check of a large file is at work."""
    return render(
        request,
        "imports/checking.html",
        {
            "pending": upload,
            "progress": uploads.progress_of(upload),
            "reupload_url": _reupload_url(upload),
            "progress_url": reverse("associations:import_progress", kwargs={"token": upload.pk}),
        },
    )


def _needs_reason(user, preview: importer.Preview) -> bool:
    """A large change no note explains, or an approved ward's counts changed by ward staff."""
    return importer.asks_for_reason(preview, city_admin=policy.is_city_admin(user))


def _reupload_url(upload: CountsUpload) -> str:
    query = {"survey_date": upload.survey_date.isoformat()}
    if upload.ward_id:
        query["ward"] = upload.ward.code
    return f"{reverse('associations:import')}?{urlencode(query)}"


@login_required
@require_GET
def import_result(request, token: str):
    """The outcome of a commit; for a background import, its progress until it is done."""
    upload = upload_selectors.counts_upload_for(request.user, token)
    if not upload.submitted:
        return redirect("associations:import_preview", token=token)
    outcome = upload.result if upload.finished else None
    errors = warnings = []
    if outcome is not None:
        errors = [importer.Issue(**i) for i in outcome.get("errors", [])]
        warnings = [importer.Issue(**i) for i in outcome.get("warnings", [])]
    return render(
        request,
        "imports/result.html",
        {
            "pending": upload,
            "progress": None if upload.stage in ("", "queued") else uploads.progress_of(upload),
            "outcome": outcome,
            "finished": outcome is not None,
            "errors": errors[:MAX_ISSUES_SHOWN],
            "warnings": warnings[:MAX_ISSUES_SHOWN],
            "more_issues": max(len(errors), len(warnings)) > MAX_ISSUES_SHOWN,
            "reupload_url": _reupload_url(upload),
            "progress_url": reverse("associations:import_progress", kwargs={"token": token}),
        },
    )


@login_required
@require_GET
def import_progress(request, token: str):
    """JSON for the progress page's script: {"stage", "done", "total", "finished"}.

    For the background preview of a large file as for the background import: `finished` once the
    page has something new to show (the preview, or the import's outcome).
    """
    upload = upload_selectors.counts_upload_for(request.user, token)
    if upload.status == CountsUpload.Status.UPLOADED:
        raise Http404
    progress = uploads.progress_of(upload)
    return JsonResponse(
        {
            "stage": progress["stage"],
            "done": progress["done"],
            "total": progress["total"],
            "finished": progress["result"] is not None,
        },
        headers={"Cache-Control": "no-store"},
    )


# ---------------------------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------------------------


def _export_forms(request, *, ward_data=None, city_data=None):
    # Two forms on one page: distinct ids (auto_id), the same parameter names.
    return (
        WardTemplateForm(
            ward_data,
            user=request.user,
            initial={"survey_date": default_survey_date()},
            auto_id="template_%s",
        ),
        CityExportForm(city_data, survey_dates=selectors.survey_dates(), auto_id="city_%s"),
    )


@login_required
@require_GET
def export_page(request):
    ward_form, city_form = _export_forms(request)
    return _render_export(request, ward_form, city_form)


def _render_export(request, ward_form, city_form, status=200):
    return render(
        request,
        "imports/export.html",
        {
            "ward_form": ward_form if policy.wards_editable_by(request.user).exists() else None,
            "city_form": city_form,
        },
        status=status,
    )


@login_required
@require_GET
def export_ward_template(request):
    """The ward's entry template (.xlsx): ward staff for their ward, city administrators for any."""
    # Out-of-scope or unknown wards answer 404 before anything else.
    ward = policy.get_ward_for_edit(request.user, request.GET.get("ward", ""))
    ward_form, city_form = _export_forms(request, ward_data=request.GET)
    if not ward_form.is_valid():
        return _render_export(request, ward_form, city_form, status=400)
    survey_date = ward_form.cleaned_data["survey_date"]
    workbook = exporter.ward_template(ward=ward, actor=request.user, survey_date=survey_date)
    suffix = f"_{survey_date:%Y%m%d}" if survey_date else ""
    return _xlsx_response(workbook, f"chonaikai_{ward.code}_template{suffix}.xlsx")


@login_required
@require_GET
def export_city(request):
    """The city's published table (.xlsx) for a survey date: public figures, any logged-in user."""
    ward_form, city_form = _export_forms(request, city_data=request.GET)
    if city_form.is_valid():
        survey_date = city_form.cleaned_data["survey_date"]
        try:
            workbook = exporter.city_summary(survey_date=survey_date)
        except exporter.NoCounts as e:
            city_form.add_error("survey_date", str(e))
        else:
            return _xlsx_response(workbook, f"chonaikai_city_{survey_date:%Y%m%d}.xlsx")
    return _render_export(request, ward_form, city_form, status=400)


def _xlsx_response(workbook, filename: str) -> HttpResponse:
    out = io.BytesIO()
    workbook.save(out)
    return HttpResponse(
        out.getvalue(),
        content_type=XLSX_CONTENT_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
