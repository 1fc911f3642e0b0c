"""OpenAPI documentation of the household counts' endpoints: the list, single entry and the import."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers

from chonaikai.cities.texts import labelled

from ..schema import COUNTS_TAG, conflict, tagged
from .serializers import (
    CountInputSerializer,
    CountSerializer,
    ImportDeferredSerializer,
    ImportInputSerializer,
    ImportProgressSerializer,
    ImportResultSerializer,
    PreviewSerializer,
)

operation = tagged(COUNTS_TAG)

COUNT_WRITE_RESULT = inline_serializer(
    "CountWriteResult",
    {
        "status": serializers.ChoiceField(
            choices=["created", "updated", "unchanged"], help_text=gettext_lazy("新規・更新・変更なし")
        ),
        "count": CountSerializer(),
    },
)

VIEWSET = extend_schema_view(
    list=operation(
        summary=gettext_lazy("世帯数の一覧"),
        description=labelled(
            gettext_lazy(
                "町内会ごと・調査基準日ごとの世帯数。調査基準日（survey_date）、%(area)s（ward）、町内会（association）で絞り込めます。"
            )
        ),
    ),
    create=operation(
        summary=gettext_lazy("世帯数を1件登録・更新"),
        description=labelled(
            gettext_lazy(
                "町内会コード・調査基準日・区域内世帯数・加入世帯数を1件保存します（あれば更新）。世帯数入力画面と"
                "同じサービスを通るので、確認も操作記録も同じです: 調査が開始されていること、担当%(area)sであること、"
                "版（version）による上書き防止（他の人が先に保存していれば 409）、加入世帯数が区域内世帯数を"
                "上回るときの確認（confirm_members_over）、前回から大きく変わるときの備考、承認済みの%(area)sの"
                "修正理由（reason）。担当%(area)sの職員と市の管理者だけが保存でき、担当外の%(area)sの町内会は 404 です。"
            )
        ),
        request=CountInputSerializer,
        responses={
            201: OpenApiResponse(COUNT_WRITE_RESULT, description=gettext_lazy("新規に登録しました")),
            200: OpenApiResponse(
                COUNT_WRITE_RESULT, description=gettext_lazy("更新しました（または変更なし）")
            ),
            409: conflict(gettext_lazy("他の人が先に保存しました（extra.errors[].current に最新の値）")),
        },
        examples=[
            OpenApiExample(
                gettext_lazy("登録"),
                value={
                    "association": "12345-0001",
                    "survey_date": "2025-01-01",
                    "households": 210,
                    "member_households": 147,
                },
                request_only=True,
            )
        ],
    ),
)

IMPORT = operation(
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

IMPORT_PROGRESS = operation(
    summary=gettext_lazy("バックグラウンド取込の進捗"),
    operation_id="counts_import_progress",
    description=gettext_lazy(
        "stage: reading（読込中）→ checked（確認済み）→ writing（書込中）→ done（完了）または failed"
        "（エラーのため取り込まず）。done / failed のとき result に結果（ok、件数またはエラー）。"
    ),
    responses=ImportProgressSerializer,
)
