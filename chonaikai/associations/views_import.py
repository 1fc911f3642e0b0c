"""Counts import (upload → preview → commit → result) and workbook downloads, for ward offices.

The uploaded file is kept in the default storage under a random token in a folder of the user who
uploaded it (PendingUpload). The preview and the commit both read that stored file, so the data
committed is exactly the data previewed and nothing of it travels through form fields. Another
user cannot reach someone's upload: the folder comes from request.user, the token is unguessable,
and a wrong token answers 404. The commit checks every row again inside its transaction
(services.counts_import_commit), so the preview is never trusted either.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET, require_http_methods

from chonaikai.accounts import policy
from chonaikai.queue import QueueUnavailable
from wards.models import Ward

from . import exporter, importer, selectors, services, tasks
from .forms_registry import CityExportForm, CountsUploadForm, ImportReasonForm, WardTemplateForm
from .models import SurveyRound

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_DIR = "imports/pending"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")
# Rows after which the progress page stops listing issues one by one.
MAX_ISSUES_SHOWN = 200


def default_survey_date() -> dt.date:
    """The latest survey round's date; before any round is opened, 1 January of this year."""
    latest = SurveyRound.objects.order_by("-survey_date").values_list("survey_date", flat=True).first()
    return latest or timezone.localdate().replace(month=1, day=1)


def _require_some_ward(user) -> None:
    # Deny by default: a user who may import for no ward sees no import page at all.
    if not policy.wards_editable_by(user).exists():
        raise Http404


# ---------------------------------------------------------------------------------------------
# The stored upload
# ---------------------------------------------------------------------------------------------


@dataclass
class PendingUpload:
    """An upload between preview and commit, and what became of it (task id or result)."""

    token: str
    user_id: int
    filename: str
    survey_date: dt.date
    ward_code: str | None
    uploaded_at: str = ""
    task_id: str | None = None
    result: dict | None = None
    # Why the upload changes an approved ward's counts (ward staff give it on the preview page).
    reason: str = ""

    @staticmethod
    def _folder(user_id: int, token: str) -> str:
        return f"{PENDING_DIR}/{user_id}/{token}"

    @property
    def folder(self) -> str:
        return self._folder(self.user_id, self.token)

    @classmethod
    def create(cls, *, user, data: bytes, filename: str, survey_date: dt.date, ward: Ward | None):
        pending = cls(
            token=secrets.token_urlsafe(24),
            user_id=user.pk,
            filename=PurePath(filename).name,
            survey_date=survey_date,
            ward_code=ward.code if ward is not None else None,
            uploaded_at=timezone.now().isoformat(),
        )
        default_storage.save(f"{pending.folder}/upload", ContentFile(data))
        pending.save_meta()
        return pending

    @classmethod
    def load(cls, *, user, token: str) -> PendingUpload:
        """The user's upload with this token; Http404 for anything else."""
        if not _TOKEN_RE.fullmatch(token):
            raise Http404
        name = f"{cls._folder(user.pk, token)}/meta.json"
        if not default_storage.exists(name):
            raise Http404
        with default_storage.open(name, "rb") as f:
            meta = json.loads(f.read().decode())
        if meta.get("user_id") != user.pk or meta.get("token") != token:
            raise Http404
        meta["survey_date"] = dt.date.fromisoformat(meta["survey_date"])
        return cls(**meta)

    def save_meta(self) -> None:
        meta = asdict(self)
        meta["survey_date"] = self.survey_date.isoformat()
        name = f"{self.folder}/meta.json"
        default_storage.delete(name)
        default_storage.save(name, ContentFile(json.dumps(meta, ensure_ascii=False).encode()))

    def read(self) -> bytes:
        name = f"{self.folder}/upload"
        if not default_storage.exists(name):
            raise Http404
        with default_storage.open(name, "rb") as f:
            return f.read()

    def discard_data(self) -> None:
        default_storage.delete(f"{self.folder}/upload")

    @property
    def submitted(self) -> bool:
        return self.task_id is not None or self.result is not None

    def ward_for(self, user) -> Ward | None:
        """The ward the upload is restricted to, if the user may still import for it (else 404)."""
        return policy.get_ward_for_edit(user, self.ward_code) if self.ward_code else None


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
        pending = PendingUpload.create(
            user=request.user,
            data=form.file_data,
            filename=form.cleaned_data["file"].name,
            survey_date=form.cleaned_data["survey_date"],
            ward=form.cleaned_data["ward"],
        )
        return redirect("associations:import_preview", token=pending.token)
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
    """
    pending = PendingUpload.load(user=request.user, token=token)
    if pending.submitted:
        return redirect("associations:import_result", token=token)
    ward = pending.ward_for(request.user)
    data = pending.read()
    rejected = False
    preview = None
    reason_form = None
    if request.method == "POST" and request.POST.get("action") == "reason":
        reason_form = ImportReasonForm(request.POST)
        if reason_form.is_valid():
            pending.reason = reason_form.cleaned_data["reason"]
            pending.save_meta()
            return redirect("associations:import_preview", token=token)
    elif request.method == "POST":
        try:
            submission = services.counts_import_submit(
                actor=request.user,
                data=data,
                filename=pending.filename,
                survey_date=pending.survey_date,
                ward=ward,
                reason=pending.reason,
            )
        except services.CountsImportRejected as e:
            preview, rejected = e.preview, True
        except QueueUnavailable as e:
            # Nothing was imported; the upload is kept here so the user can commit again later.
            messages.error(request, e.message)
        else:
            if submission.deferred:
                pending.task_id = submission.task_id
            else:
                pending.result = {"ok": True, **submission.result.as_dict()}
            pending.save_meta()
            pending.discard_data()  # the task keeps its own copy
            return redirect("associations:import_result", token=token)
    if preview is None:
        preview = importer.preview_file(
            data,
            filename=pending.filename,
            survey_date=pending.survey_date,
            actor=request.user,
            ward=ward,
            reason=pending.reason,
        )
    if reason_form is None and _needs_reason(request.user, preview):
        reason_form = ImportReasonForm(initial={"reason": pending.reason})
    return render(
        request,
        "imports/preview.html",
        {
            "pending": pending,
            "preview": preview,
            "reason_form": reason_form,
            "summary": preview.summary,
            "file_issues": preview.parsed.issues,
            "rejected": rejected,
            "reupload_url": _reupload_url(pending),
            "deferred": importer.count_rows(data, pending.filename)
            > services.counts_import_async_threshold(),
        },
        status=400 if reason_form is not None and reason_form.errors else 200,
    )


def _needs_reason(user, preview: importer.Preview) -> bool:
    """A large change no note explains, or an approved ward's counts changed by ward staff."""
    return importer.asks_for_reason(preview, city_admin=policy.is_city_admin(user))


def _reupload_url(pending: PendingUpload) -> str:
    query = {"survey_date": pending.survey_date.isoformat()}
    if pending.ward_code:
        query["ward"] = pending.ward_code
    return f"{reverse('associations:import')}?{urlencode(query)}"


def _outcome(pending: PendingUpload) -> tuple[dict | None, dict | None]:
    """(progress, outcome): the task's progress (None before it starts) and the final result."""
    if pending.result is not None:
        return None, pending.result
    progress = tasks.import_progress(pending.task_id)
    return progress, (progress or {}).get("result")


@login_required
@require_GET
def import_result(request, token: str):
    """The outcome of a commit; for a background import, its progress until it is done."""
    pending = PendingUpload.load(user=request.user, token=token)
    if not pending.submitted:
        return redirect("associations:import_preview", token=token)
    progress, outcome = _outcome(pending)
    errors = warnings = []
    if outcome is not None:
        errors = [importer.Issue(**i) for i in outcome.get("errors", [])]
        warnings = [importer.Issue(**i) for i in outcome.get("warnings", [])]
    return render(
        request,
        "imports/result.html",
        {
            "pending": pending,
            "progress": progress,
            "outcome": outcome,
            "finished": outcome is not None,
            "errors": errors[:MAX_ISSUES_SHOWN],
            "warnings": warnings[:MAX_ISSUES_SHOWN],
            "more_issues": max(len(errors), len(warnings)) > MAX_ISSUES_SHOWN,
            "reupload_url": _reupload_url(pending),
            "progress_url": reverse("associations:import_progress", kwargs={"token": token}),
        },
    )


@login_required
@require_GET
def import_progress(request, token: str):
    """JSON for the progress page's script: {"stage", "done", "total", "finished"}."""
    pending = PendingUpload.load(user=request.user, token=token)
    if not pending.submitted:
        raise Http404
    progress, outcome = _outcome(pending)
    progress = progress or {}
    return JsonResponse(
        {
            "stage": progress.get("stage", "done" if outcome is not None else "queued"),
            "done": progress.get("done", 0),
            "total": progress.get("total", 0),
            "finished": outcome is not None,
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
