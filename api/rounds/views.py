"""Survey rounds (調査): open a round, each ward's progress and its transitions, the entry grid."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.accounts import policy
from chonaikai.associations import services, survey
from chonaikai.associations.counts import selectors as round_selectors
from chonaikai.associations.counts.services.rounds import may_act, possible_actions
from chonaikai.associations.models import Association, SurveyRound
from chonaikai.associations.templatetags.japanese import jdate

from ..common import DATE_REGEX, path_date_or_404
from ..counts import entry
from ..errors import ApiError
from ..permissions import CanEditSomeCounts, IsCityAdmin
from . import schema
from .schema import ACTION_NAMES
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

# URL names of the transitions (the services' names, with a hyphen as URLs have them).
ACTIONS = dict(
    zip(
        ACTION_NAMES,
        (
            services.ward_progress_submit,
            services.ward_progress_approve,
            services.ward_progress_send_back,
            services.ward_progress_withdraw,
        ),
        strict=True,
    )
)


def _round_or_404(survey_date: str) -> SurveyRound:
    return get_object_or_404(SurveyRound, survey_date=path_date_or_404(survey_date))


@schema.VIEWSET
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
        return round_selectors.survey_rounds()

    def retrieve(self, request, survey_date=None):
        survey_round = _round_or_404(survey_date)
        overview = round_selectors.round_overview(survey_round=survey_round, user=request.user)
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

    @schema.PROGRESS_ACTION
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

    def _grid(self, request, code: str, survey_date: str):
        ward = policy.get_ward_for_edit(request.user, code)  # 404 for other wards
        day = path_date_or_404(survey_date)
        grid = round_selectors.count_entry_grid(ward=ward, survey_date=day)
        if grid is None:  # no round for the date: there is no grid to read or save
            message = survey.survey_day_error(day) or _("%(date)sの調査は開始されていません。") % {
                "date": jdate(day)
            }
            raise ApiError(message, status_code=404)
        return ward, day, grid

    @schema.GRID
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

    @schema.GRID_SAVE
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
