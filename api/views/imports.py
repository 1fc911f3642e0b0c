"""Counts import over the API: the same files, preview and all-or-nothing commit as the web page."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.accounts import policy
from chonaikai.associations import selectors, services
from chonaikai.associations.imports import importer
from chonaikai.associations.imports.services import uploads
from chonaikai.cities.texts import labelled

from ..errors import ApiError
from ..permissions import CanEditSomeCounts
from ..serializers import (
    ImportDeferredSerializer,
    ImportInputSerializer,
    ImportProgressSerializer,
    ImportResultSerializer,
    IssueSerializer,
    PreviewSerializer,
    SummarySerializer,
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

    @extend_schema(
        summary=gettext_lazy("世帯数ファイルの取込（確認・登録）"),
        operation_id="counts_import",
        description=labelled(
            gettext_lazy(
                "町内会別世帯数の Excel（.xlsx）または CSV を取り込みます。dry_run（本文または ?dry_run=1）"
                "なら確認だけ: 行ごとの現在値・新しい値・増減とエラー・警告を返し、何も書き込みません。"
                "dry_run でなければ確認し直したうえで全行を登録します。エラーが1件でもあれば何も書き込まず"
                " 400（extra.errors に行・列と理由）。行数が COUNTS_IMPORT_ASYNC_THRESHOLD を超えるファイルは"
                "バックグラウンドで取り込み、202 と進捗のURLを返します。担当%(area)sの職員と市の管理者だけが使え、"
                "ward を指定するとその%(area)sの町内会だけを受け付けます（担当外の%(area)sは 404）。"
            )
        ),
        tags=[gettext_lazy("世帯数")],
        request={"multipart/form-data": ImportInputSerializer},
        parameters=[
            OpenApiParameter(
                "dry_run",
                OpenApiTypes.BOOL,
                description=gettext_lazy("確認だけして書き込まない（本文の dry_run と同じ）"),
            )
        ],
        responses={
            200: OpenApiResponse(
                PreviewSerializer,
                description=gettext_lazy(
                    "dry_run: 確認の結果（has_errors が true なら、このままでは登録できません）"
                ),
            ),
            201: OpenApiResponse(ImportResultSerializer, description=gettext_lazy("登録しました")),
            202: OpenApiResponse(
                ImportDeferredSerializer, description=gettext_lazy("バックグラウンドで取り込みます")
            ),
        },
    )
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
        dry_run = values["dry_run"] or _query_flag(request, "dry_run")
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

    @extend_schema(
        summary=gettext_lazy("バックグラウンド取込の進捗"),
        operation_id="counts_import_progress",
        description=gettext_lazy(
            "stage: reading（読込中）→ checked（確認済み）→ writing（書込中）→ done（完了）または failed"
            "（エラーのため取り込まず）。done / failed のとき result に結果（ok、件数またはエラー）。"
        ),
        tags=[gettext_lazy("世帯数")],
        responses=ImportProgressSerializer,
    )
    def get(self, request, task_id: str):
        # Only the uploader, while they may still import for its ward: 404 for anyone else.
        try:
            record = selectors.counts_upload_for(request.user, task_id)
        except Http404:
            raise ApiError(
                _("この取込は見つかりません（終了から時間が経ったか、IDが誤っています）。"), status_code=404
            ) from None
        return Response(ImportProgressSerializer(uploads.progress_of(record)).data)
