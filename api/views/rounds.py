"""Survey rounds (調査): open a round, each ward's progress and its transitions, the entry grid."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.accounts import policy
from chonaikai.associations import selectors, services, survey
from chonaikai.associations.counts.services.rounds import may_act, possible_actions
from chonaikai.associations.models import Association, SurveyRound
from chonaikai.associations.templatetags.japanese import jdate
from chonaikai.cities.texts import labelled

from .. import entry
from ..errors import ApiError
from ..fields import SURVEY_DATE_SCHEMA
from ..permissions import CanEditSomeCounts, IsCityAdmin
from ..serializers import (
    ErrorSerializer,
    GridInputSerializer,
    GridResultSerializer,
    GridSerializer,
    ProgressActionInputSerializer,
    RoundOpenInputSerializer,
    RoundOverviewSerializer,
    SurveyRoundSerializer,
    WardProgressSerializer,
)
from .common import path_date_or_404

TAGS = [gettext_lazy("調査（提出状況）")]
DATE_REGEX = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
WARD_CODE_REGEX = r"[0-9]{5}"
# URL names of the transitions (the services' names, with a hyphen as URLs have them).
ACTIONS = {
    "submit": services.ward_progress_submit,
    "approve": services.ward_progress_approve,
    "send-back": services.ward_progress_send_back,
    "withdraw": services.ward_progress_withdraw,
}


def _round_or_404(survey_date: str) -> SurveyRound:
    return get_object_or_404(SurveyRound, survey_date=path_date_or_404(survey_date))


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("調査の一覧"),
        description=labelled(
            gettext_lazy(
                "開始された調査（調査基準日と%(area)sの提出期限）、新しい順。%(area_office)s職員と市の管理者が使えます。"
            )
        ),
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("調査の提出状況"),
        description=labelled(
            gettext_lazy(
                "%(area)sごとの状況（未着手・入力中・提出済み・承認済み）、活動中の町内会数・入力済みの数・未入力の"
                "町内会、%(area)sの加入状況、状況の変更履歴、この利用者がいま行える操作。%(area_office)s職員には担当%(area)sだけを"
                "返します（全市の合計も市の管理者だけ）。"
            )
        ),
        tags=TAGS,
        responses=RoundOverviewSerializer,
    ),
    create=extend_schema(
        summary=gettext_lazy("調査を開始"),
        description=labelled(
            gettext_lazy(
                "調査基準日と提出期限を決めて調査を開始します（市の管理者のみ）。%(area)sごとの提出状況が作られます。"
            )
        ),
        tags=TAGS,
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
class SurveyRoundViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = SurveyRoundSerializer
    lookup_field = "survey_date"
    lookup_value_regex = DATE_REGEX
    filter_backends = []

    def get_permissions(self):
        return [IsCityAdmin()] if self.action == "create" else [CanEditSomeCounts()]

    def get_queryset(self):
        return selectors.survey_rounds()

    def retrieve(self, request, survey_date=None):
        survey_round = _round_or_404(survey_date)
        overview = selectors.round_overview(survey_round=survey_round, user=request.user)
        actions = {
            row.ward.code: [
                action
                for action in possible_actions(row.progress.status)
                if may_act(request.user, action, row.ward)
            ]
            for row in overview.rows
        }
        context = {"request": request, "overview": overview, "actions": actions}
        return Response(RoundOverviewSerializer(survey_round, context=context).data)

    def create(self, request):
        data = RoundOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            survey_round = services.round_open(
                actor=request.user,
                deadline=data.validated_data["deadline"],
                survey_date=data.validated_data.get("survey_date"),
            )
        except services.RoundError as e:
            raise ApiError(e.message) from e
        return Response(SurveyRoundSerializer(survey_round).data, status=status.HTTP_201_CREATED)


class WardProgressActionView(APIView):
    """submit and withdraw: the ward's staff or a city administrator; approve and send-back: city administrators."""

    permission_classes = [CanEditSomeCounts]

    @extend_schema(
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
        tags=TAGS,
        parameters=[
            OpenApiParameter("survey_date", SURVEY_DATE_SCHEMA, OpenApiParameter.PATH),
            OpenApiParameter("ward_code", str, OpenApiParameter.PATH, pattern=f"^{WARD_CODE_REGEX}$"),
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS)),
        ],
        request=ProgressActionInputSerializer,
        responses={
            200: WardProgressSerializer,
            409: OpenApiResponse(ErrorSerializer, description=gettext_lazy("今の状況ではできない操作です")),
        },
    )
    def post(self, request, survey_date: str, ward_code: str, action: str):
        if action not in ACTIONS:
            raise ApiError(_("見つかりません。"), status_code=404)
        day = path_date_or_404(survey_date)
        data = ProgressActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = data.validated_data["comment"].strip()
        if action == "send-back" and not comment:
            raise ApiError(
                _("入力内容に誤りがあります。"),
                extra={"fields": {"comment": [_("差し戻す理由をコメントに入力してください。")]}},
            )
        try:
            # Http404 outside the user's wards or without a round; PermissionDenied for a role's limits.
            progress = ACTIONS[action](
                actor=request.user, survey_date=day, ward_code=ward_code, comment=comment
            )
        except services.RoundError as e:
            raise ApiError(e.message, status_code=status.HTTP_409_CONFLICT) from e
        return Response(WardProgressSerializer(progress).data)


class WardCountsGridView(APIView):
    """One ward's entry grid for a round: read it for editing, save changed rows (all or nothing)."""

    permission_classes = [CanEditSomeCounts]
    path_parameters = [
        OpenApiParameter("code", str, OpenApiParameter.PATH, pattern=f"^{WARD_CODE_REGEX}$"),
        OpenApiParameter("survey_date", SURVEY_DATE_SCHEMA, OpenApiParameter.PATH),
    ]

    def _grid(self, request, code: str, survey_date: str):
        ward = policy.get_ward_for_edit(request.user, code)  # 404 for other wards
        day = path_date_or_404(survey_date)
        grid = selectors.count_entry_grid(ward=ward, survey_date=day)
        if grid is None:  # no round for the date: there is no grid to read or save
            message = survey.survey_day_error(day) or _("%(date)sの調査は開始されていません。") % {
                "date": jdate(day)
            }
            raise ApiError(message, status_code=404)
        return ward, day, grid

    @extend_schema(
        summary=labelled(gettext_lazy("%(area)sの世帯数入力表（編集用）")),
        operation_id="wards_counts_grid_retrieve",
        description=labelled(
            gettext_lazy(
                "%(area)sの活動中の町内会ごとに、この調査の世帯数（版 version 付き）と前回の調査の世帯数。"
                "担当%(area)sの職員と市の管理者だけが取得でき、ほかの%(area)sは 404 です。調査が開始されていない"
                "調査基準日は 400。"
            )
        ),
        tags=TAGS,
        parameters=path_parameters,
        responses=GridSerializer,
    )
    def get(self, request, code: str, survey_date: str):
        _ward, _day, grid = self._grid(request, code, survey_date)
        body = {
            "survey_date": grid.survey_date,
            "previous_survey_date": grid.previous_survey_date,
            "ward": grid.ward,
            "progress": grid.progress,
            "rows": grid.rows,
        }
        return Response(GridSerializer(body).data)

    @extend_schema(
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
        tags=TAGS,
        parameters=path_parameters,
        request=GridInputSerializer,
        responses={
            200: GridResultSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description=gettext_lazy("他の人が先に保存した行があります")
            ),
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
    def post(self, request, code: str, survey_date: str):
        ward, day, _grid = self._grid(request, code, survey_date)
        data = GridInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = data.validated_data["changes"]
        codes = [row["association"] for row in rows]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        ids = dict(Association.objects.filter(code__in=codes, ward=ward).values_list("code", "pk"))
        unknown = [c for c in codes if c not in ids]
        if duplicates or unknown:
            messages = [_("町内会コード %(code)s が複数の行にあります。") % {"code": c} for c in duplicates]
            messages += [
                _("町内会コード %(code)s は%(ward)sの町内会ではありません。") % {"code": c, "ward": ward.name}
                for c in unknown
            ]
            raise ApiError(_("入力内容に誤りがあります。"), extra={"fields": {"changes": messages}})
        changes = [
            services.CountChange(
                association_id=ids[row["association"]],
                households=row["households"],
                member_households=row["member_households"],
                note=row["note"],
                base_version=row["version"],
                confirm_members_over=row["confirm_members_over"],
            )
            for row in rows
        ]
        try:
            result = services.counts_grid_save(
                actor=request.user,
                ward_code=ward.code,
                survey_date=day,
                changes=changes,
                reason=data.validated_data["reason"],
            )
        except services.CountsEntryRejected as e:
            raise entry.rejected(e, codes={pk: c for c, pk in ids.items()}) from e
        return Response(GridResultSerializer(result).data)
