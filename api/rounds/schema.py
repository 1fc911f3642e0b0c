"""OpenAPI documentation of the survey rounds' endpoints: rounds, a ward's progress and its grid."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema_view

from chonaikai.cities.texts import labelled

from ..common import WARD_CODE_REGEX
from ..fields import SURVEY_DATE_SCHEMA
from ..schema import ROUNDS_TAG, conflict, tagged
from .serializers import (
    GridInputSerializer,
    GridResultSerializer,
    GridSerializer,
    ProgressActionInputSerializer,
    RoundOpenInputSerializer,
    RoundOverviewSerializer,
    SurveyRoundSerializer,
    WardProgressSerializer,
)

# The transitions as URLs name them (rounds.views.ACTIONS maps them to the services).
ACTION_NAMES = ("submit", "approve", "send-back", "withdraw")

operation = tagged(ROUNDS_TAG)

VIEWSET = extend_schema_view(
    list=operation(
        summary=gettext_lazy("調査の一覧"),
        description=labelled(
            gettext_lazy(
                "開始された調査（調査基準日と%(area)sの提出期限）、新しい順。%(area_office)s職員と市の管理者が使えます。"
            )
        ),
    ),
    retrieve=operation(
        summary=gettext_lazy("調査の提出状況"),
        description=labelled(
            gettext_lazy(
                "%(area)sごとの状況（未着手・入力中・提出済み・承認済み）、活動中の町内会数・入力済みの数・未入力の"
                "町内会、%(area)sの加入状況、状況の変更履歴、この利用者がいま行える操作。%(area_office)s職員には担当%(area)sだけを"
                "返します（全市の合計も市の管理者だけ）。"
            )
        ),
        responses=RoundOverviewSerializer,
    ),
    create=operation(
        summary=gettext_lazy("調査を開始"),
        description=labelled(
            gettext_lazy(
                "調査基準日と提出期限を決めて調査を開始します（市の管理者のみ）。%(area)sごとの提出状況が作られます。"
            )
        ),
        request=RoundOpenInputSerializer,
        responses={201: SurveyRoundSerializer},
        examples=[
            OpenApiExample(
                gettext_lazy("開始"),
                value={"survey_date": "2026-01-01", "deadline": "2026-02-27"},
                request_only=True,
            )
        ],
    ),
)

PROGRESS_ACTION = operation(
    summary=labelled(gettext_lazy("%(area)sの提出・承認・差し戻し・取り下げ")),
    operation_id="rounds_ward_progress_action",
    description=labelled(
        gettext_lazy(
            "action は submit（入力中→提出済み、%(area_office)s職員・市の管理者）、approve（提出済み→承認済み、"
            "市の管理者）、send-back（提出済み→入力中、市の管理者、comment 必須）、withdraw（提出済み→入力中、"
            "市が承認・差し戻しをする前に%(area_office)s職員が提出を取り下げる）。未入力の町内会がある%(area)sの submit には"
            "comment（未入力のまま提出する理由）が必要です。提出済みの%(area)sの世帯数は変更できません。"
            "担当外の%(area)sは 404、権限のない操作は 403、今の状況ではできない操作は 409（message に理由）。"
        )
    ),
    parameters=[
        OpenApiParameter("survey_date", SURVEY_DATE_SCHEMA, OpenApiParameter.PATH),
        OpenApiParameter("ward_code", str, OpenApiParameter.PATH, pattern=f"^{WARD_CODE_REGEX}$"),
        OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTION_NAMES)),
    ],
    request=ProgressActionInputSerializer,
    responses={
        200: WardProgressSerializer,
        409: conflict(gettext_lazy("今の状況ではできない操作です")),
    },
)

GRID_PATH_PARAMETERS = [
    OpenApiParameter("code", str, OpenApiParameter.PATH, pattern=f"^{WARD_CODE_REGEX}$"),
    OpenApiParameter("survey_date", SURVEY_DATE_SCHEMA, OpenApiParameter.PATH),
]

GRID = operation(
    summary=labelled(gettext_lazy("%(area)sの世帯数入力表（編集用）")),
    operation_id="wards_counts_grid_retrieve",
    description=labelled(
        gettext_lazy(
            "%(area)sの活動中の町内会ごとに、この調査の世帯数（版 version 付き）と前回の調査の世帯数。"
            "担当%(area)sの職員と市の管理者だけが取得でき、ほかの%(area)sは 404 です。調査が開始されていない"
            "調査基準日は 400。"
        )
    ),
    parameters=GRID_PATH_PARAMETERS,
    responses=GridSerializer,
)

GRID_SAVE = operation(
    summary=labelled(gettext_lazy("%(area)sの世帯数をまとめて保存")),
    operation_id="wards_counts_grid_save",
    description=labelled(
        gettext_lazy(
            "変更した町内会の行だけを、読み込んだときの版（version）と一緒に送ります。すべて保存するか、"
            "1件も保存しません。入力画面と同じ確認を通り、問題があれば 400（extra.errors に町内会・項目・"
            "理由）、他の人が先に保存した行があれば 409（extra.errors[].current に最新の値）。"
            "承認済みの%(area)sの変更には reason（修正理由）が必要です（市の管理者を除く）。"
        )
    ),
    parameters=GRID_PATH_PARAMETERS,
    request=GridInputSerializer,
    responses={
        200: GridResultSerializer,
        409: conflict(gettext_lazy("他の人が先に保存した行があります")),
    },
    examples=[
        OpenApiExample(
            gettext_lazy("保存"),
            value={
                "changes": [
                    {
                        "association": "12345-0001",
                        "households": 210,
                        "member_households": 147,
                        "version": 1,
                    }
                ],
                "reason": "",
            },
            request_only=True,
        )
    ],
)
