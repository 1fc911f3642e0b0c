"""Household counts: the list, one count entered through the entry grid's service (api.counts.entry),
and the counts import (the same files, preview and all-or-nothing commit as the web page)."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.accounts import policy
from chonaikai.associations import policy as association_policy
from chonaikai.associations import services
from chonaikai.associations.imports import importer
from chonaikai.associations.imports import selectors as upload_selectors
from chonaikai.associations.imports.services import uploads
from chonaikai.associations.models import HouseholdCount

from ..errors import ApiError
from ..filters import CountFilter
from ..permissions import CanEditSomeCounts
from . import entry, schema
from .serializers import (
    CountInputSerializer,
    CountSerializer,
    ImportInputSerializer,
    ImportProgressSerializer,
    ImportResultSerializer,
    IssueSerializer,
    PreviewSerializer,
    SummarySerializer,
)


@schema.VIEWSET
class CountViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CountSerializer
    filterset_class = CountFilter

    def get_permissions(self):
        if self.action == "create":
            return [CanEditSomeCounts()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        return (
            HouseholdCount.objects.filter(
                association__in=association_policy.associations_visible_to(self.request.user)
            )
            .select_related("association__ward", "entered_by")
            .order_by("association__code", "survey_date")
        )

    def create(self, request):
        data = CountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        association = association_policy.get_association_for_edit(
            request.user, values["association"]
        )  # 404 if out of scope
        outcome = entry.count_enter(
            actor=request.user,
            association=association,
            survey_date=values["survey_date"],
            households=values["households"],
            member_households=values["member_households"],
            note=values.get("note"),
            version=values.get("version"),
            confirm_members_over=values["confirm_members_over"],
            reason=values["reason"],
        )
        count = (
            HouseholdCount.objects.select_related("association__ward", "entered_by")
            .filter(association=association, survey_date=values["survey_date"])
            .get()
        )
        body = {"status": outcome.status, "count": CountSerializer(count, context={"request": request}).data}
        return Response(
            body, status=status.HTTP_201_CREATED if outcome.status == "created" else status.HTTP_200_OK
        )


FLAG_VALUES = {"1": True, "true": True, "0": False, "false": False}


def _query_flag(request, name: str) -> bool:
    """?dry_run=1 / true / 0 / false; anything else is an error rather than a guess."""
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() not in FLAG_VALUES:
        raise ApiError(
            _("入力内容に誤りがあります。"),
            extra={"fields": {name: [_("true / false（または 1 / 0）で指定してください。")]}},
        )
    return FLAG_VALUES[raw.lower()]


class CountImportView(APIView):
    permission_classes = [CanEditSomeCounts]
    parser_classes = [MultiPartParser, FormParser]

    @schema.IMPORT
    def post(self, request):
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ward = policy.get_ward_for_edit(request.user, values["ward"]) if values.get("ward") else None
        upload = values["file"]
        try:  # the page's limit (COUNTS_IMPORT_MAX_UPLOAD_BYTES)
            importer.check_upload_size(upload.size)
        except importer.ImportFileError as e:
            raise ApiError(str(e), extra={"fields": {"file": [str(e)]}}) from e
        content = upload.read()
        query_dry_run = _query_flag(request, "dry_run")  # checked even when the body says true
        dry_run = values["dry_run"] or query_dry_run
        if dry_run:
            # The same record and path as the page: a large file is checked in the background.
            record = services.counts_upload_create(
                actor=request.user,
                data=content,
                filename=upload.name,
                survey_date=values["survey_date"],
                ward=ward,
                reason=values["reason"],
                mapping=values["columns"],
            )
            preview = services.counts_upload_preview(actor=request.user, upload=record)
            if preview is None:
                return _accepted(request, record.pk)
            # Answered at once: nobody comes back to this upload (a commit sends the file again).
            services.counts_upload_discard(upload=record)
            return Response(PreviewSerializer(preview).data)
        try:
            submission = services.counts_import_submit(
                actor=request.user,
                data=content,
                filename=upload.name,
                survey_date=values["survey_date"],
                ward=ward,
                reason=values["reason"],
                mapping=values["columns"],
            )
        except services.CountsImportRejected as e:
            raise ApiError(
                _("エラーが%(n)d件あるため、取り込みませんでした。") % {"n": len(e.preview.errors)},
                extra={
                    "errors": IssueSerializer(e.preview.errors, many=True).data,
                    "warnings": IssueSerializer(e.preview.warnings, many=True).data,
                    "summary": SummarySerializer(e.preview.summary).data,
                },
            ) from e
        if submission.deferred:
            return _accepted(request, submission.task_id)
        result = submission.result
        body = {
            "survey_date": result.preview.survey_date,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "warnings": result.preview.warnings,
        }
        return Response(ImportResultSerializer(body).data, status=status.HTTP_201_CREATED)


def _accepted(request, upload_id) -> Response:
    url = reverse("api:counts-import-progress", kwargs={"task_id": upload_id})
    return Response(
        {"task_id": str(upload_id), "progress_url": request.build_absolute_uri(url)},
        status=status.HTTP_202_ACCEPTED,
        headers={"Location": url},
    )


class CountImportProgressView(APIView):
    permission_classes = [CanEditSomeCounts]

    @schema.IMPORT_PROGRESS
    def get(self, request, task_id: str):
        # Only the uploader, while they may still import for its ward: 404 for anyone else.
        try:
            record = upload_selectors.counts_upload_for(request.user, task_id)
        except Http404:
            raise ApiError(
                _("この取込は見つかりません（終了から時間が経ったか、IDが誤っています）。"), status_code=404
            ) from None
        return Response(ImportProgressSerializer(uploads.progress_of(record)).data)
