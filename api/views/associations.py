"""Associations (public register) and household counts: lists, an association's history, single entry."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from chonaikai.accounts import policy
from chonaikai.associations import selectors
from chonaikai.associations.models import Federation, HouseholdCount
from chonaikai.associations.registry import services as registry
from chonaikai.associations.stats import publication
from chonaikai.cities.texts import labelled
from wards.models import District

from .. import entry
from ..fields import SURVEY_DATE_SCHEMA
from ..filters import ApiAssociationFilter, CountFilter, StrictOrderingFilter
from ..permissions import CanEditSomeCounts
from ..serializers import (
    AssociationCreateSerializer,
    AssociationSerializer,
    AssociationValuesSerializer,
    CountHistorySerializer,
    CountInputSerializer,
    CountSerializer,
    DissolveInputSerializer,
    ErrorSerializer,
    MergeInputSerializer,
)
from .common import optional_date

# Any number width in the URL (routes are built before a city is read); a code of another width
# than the city's is simply not found.
ASSOCIATION_CODE_REGEX = r"[0-9]{5}-[0-9]{1,9}"
# Never shown in lists to callers who may not see them, so never read for them either.
PERSONAL_FIELDS = ("representative_name", "contact_phone", "contact_email", "contact_address")

ASSOCIATION_EXAMPLE = OpenApiExample(  # i18n: data (a fictional city's sample values)
    gettext_lazy("町内会"),
    value={
        "code": "12345-0001",
        "name": "さくら町内会",
        "kana": "さくらちょうないかい",
        "ward": "12345",
        "ward_name": "〇〇区",
        "district": "12345-D01",
        "district_name": "さくら地区",
        "federation": "12345-F001",
        "federation_name": "さくら連合町内会",
        "status": "active",
        "status_label": "活動中",
        "founded_on": "1965-04-01",
        "ended_on": None,
        "successor": None,
        "is_authorized_body": True,
        "hall_latitude": None,
        "hall_longitude": None,
        "is_sample": False,
        "latest_count": {
            "survey_date": "2025-01-01",
            "households": 210,
            "member_households": 147,
            "rate": 70.0,
            "suppressed": False,
        },
        "personal_data": None,
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("町内会・自治会の一覧"),
        description=labelled(
            gettext_lazy(
                "%(area)s（ward）・地区（district）・連合町内会（federation）のコード、状態（status）で絞り込み、"
                "q で名称・よみがなを検索します（ひらがな・カタカナ、全角・半角を区別しません）。"
                "代表者・連絡先（personal_data）は閲覧できる利用者にだけ返し、ほかは null です。"
            )
        ),
        tags=[gettext_lazy("町内会")],
        examples=[ASSOCIATION_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("町内会・自治会（町内会コードで指定）"),
        description=labelled(
            gettext_lazy(
                "町内会・自治会の台帳（公開情報）。町内会コード（例: %(association_code)s）で指定します。"
            )
        ),
        tags=[gettext_lazy("町内会")],
        examples=[ASSOCIATION_EXAMPLE],
    ),
)
class AssociationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The register of associations (public data), by association code."""

    serializer_class = AssociationSerializer
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = ApiAssociationFilter
    ordering_fields = ["code", "name", "kana", "founded_on", "status"]
    ordering = ["code"]
    lookup_field = "code"
    lookup_value_regex = ASSOCIATION_CODE_REGEX

    def get_permissions(self):
        if self.action in ("list", "retrieve", "counts"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def retrieve(self, request, *args, **kwargs):
        association = self.get_object()
        data = self.get_serializer(association).data
        if data.get("personal_data") is not None:
            policy.log_personal_data_access(request.user, association, "api:association-detail")
        return Response(data)

    def get_queryset(self):
        queryset = policy.associations_visible_to(self.request.user).select_related(
            "ward", "district", "federation", "successor"
        )
        if not policy.can_view_personal_data(self.request.user):
            queryset = queryset.defer(*PERSONAL_FIELDS)
        return queryset.with_latest_count()

    @extend_schema(
        summary=gettext_lazy("町内会の世帯数の推移"),
        description=labelled(
            gettext_lazy(
                "調査基準日ごとの区域内世帯数・加入世帯数・加入率と、前回からの加入率の増減（古い順）。"
                "survey_date でひとつの調査基準日に絞れます。備考・入力者（entry_details）は市の管理者、"
                "担当%(area)sの職員、その町内会の役員にだけ返します。"
            )
        ),
        tags=[gettext_lazy("世帯数")],
        parameters=[
            OpenApiParameter(
                "survey_date", SURVEY_DATE_SCHEMA, description=gettext_lazy("調査基準日で絞り込む")
            )
        ],
        responses=CountHistorySerializer(many=True),
        filters=False,
    )
    @action(detail=True, pagination_class=None, filter_backends=[])
    def counts(self, request, code=None):
        association = self.get_object()
        history = publication.history_as_published(
            selectors.count_history(association), min_households=publication.threshold_for(request.user)
        )
        details = None
        if policy.can_view_personal_data(request.user, association):
            details = {c.survey_date: c for c in association.counts.select_related("entered_by")}
        survey_date = optional_date(request, "survey_date")
        if survey_date is not None:  # after the history is built, so that the change is still right
            history = [row for row in history if row.survey_date == survey_date]
        context = {"request": request, "entry_details": details, "is_sample": association.is_sample}
        return Response(CountHistorySerializer(history, many=True, context=context).data)

    # The register's writes (services.registry). Scope: the ward's staff and city administrators;
    # associations and wards outside it answer 404 (policy.get_*_for_edit).

    def _answer(self, association, *, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=association.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    @extend_schema(
        summary=gettext_lazy("町内会を登録"),
        description=labelled(
            gettext_lazy(
                "%(area)sに新しい町内会を登録します（状態は活動中）。code を省略すると%(area)sの次の番号になります。"
                "地区・連合町内会は同じ%(area)sのもの。代表者・連絡先は閲覧できる権限がある場合だけ登録できます。"
                "担当%(area)sの職員と市の管理者のみ（担当外の%(area)sは 404）。"
            )
        ),
        tags=[gettext_lazy("町内会")],
        request=AssociationCreateSerializer,
        responses={201: AssociationSerializer},
        examples=[
            OpenApiExample(
                gettext_lazy("登録"),
                value={
                    "ward": "12345",
                    "name": "みどり町内会",  # i18n: data (a fictional association)
                    "kana": "みどりちょうないかい",  # i18n: data
                },
                request_only=True,
            )
        ],
    )
    def create(self, request):
        data = AssociationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ward = policy.get_ward_for_edit(request.user, values.pop("ward"))
        code = values.pop("code", "")
        comment = values.pop("comment", "")
        association = registry.association_create(
            actor=request.user, ward=ward, values=_resolve_areas(values), code=code, comment=comment
        )
        return self._answer(association, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary=gettext_lazy("町内会の登録内容を変更"),
        description=labelled(
            gettext_lazy(
                "送った項目だけを変更します（%(area)s・コード・状態は変えられません。解散・合併はそれぞれの操作で）。"
                "担当%(area)sの職員と市の管理者のみ（担当外は 404）。"
            )
        ),
        tags=[gettext_lazy("町内会")],
        request=AssociationValuesSerializer(partial=True),
        responses=AssociationSerializer,
    )
    def partial_update(self, request, code=None):
        association = policy.get_association_for_edit(request.user, code)
        data = AssociationValuesSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        comment = values.pop("comment", "")
        association = registry.association_update(
            actor=request.user, association_id=association.pk, values=_resolve_areas(values), comment=comment
        )
        return self._answer(association)

    @extend_schema(
        summary=gettext_lazy("町内会の解散"),
        description=labelled(
            gettext_lazy(
                "活動中の町内会を解散日で終了します。世帯数の記録はそのまま残ります。担当%(area)sの職員と市の管理者のみ。"
            )
        ),
        tags=[gettext_lazy("町内会")],
        request=DissolveInputSerializer,
        responses=AssociationSerializer,
    )
    @action(detail=True, methods=["post"])
    def dissolve(self, request, code=None):
        association = policy.get_association_for_edit(request.user, code)
        data = DissolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        association = registry.association_dissolve(
            actor=request.user,
            association_id=association.pk,
            dissolved_on=data.validated_data["dissolved_on"],
            reason=data.validated_data["reason"],
        )
        return self._answer(association)

    @extend_schema(
        summary=gettext_lazy("町内会の合併"),
        description=labelled(
            gettext_lazy(
                "predecessors の町内会を合併日で廃止し、successor（吸収合併）か new_successor（新設合併、"
                "新しく登録）に引き継ぎます。同じ%(area)sの活動中の町内会どうしのみ。応答は存続・新設した町内会。"
            )
        ),
        tags=[gettext_lazy("町内会")],
        request=MergeInputSerializer,
        responses=AssociationSerializer,
    )
    @action(detail=False, methods=["post"])
    def merge(self, request):
        data = MergeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        editable = policy.associations_editable_by(request.user)
        codes = [*values["predecessors"], *([values["successor"]] if values.get("successor") else [])]
        ids = dict(editable.filter(code__in=codes).values_list("code", "pk"))
        if any(c not in ids for c in codes):
            raise NotFound()  # missing or outside the user's wards: the same answer
        new_successor = None
        if values.get("new_successor"):
            new_successor = _resolve_areas(dict(values["new_successor"]))
        successor = registry.association_merge(
            actor=request.user,
            predecessor_ids=[ids[c] for c in values["predecessors"]],
            merged_on=values["merged_on"],
            successor_id=ids[values["successor"]] if values.get("successor") else None,
            new_successor=new_successor,
            comment=values["comment"],
        )
        return self._answer(successor)


def _resolve_areas(values: dict) -> dict:
    """District and federation codes → objects (the service checks they are in the same ward)."""
    errors = {}
    for name, model in (("district", District), ("federation", Federation)):
        if values.get(name):
            found = model.objects.filter(code=values[name]).first()
            if found is None:
                errors[name] = [_("コード「%(code)s」は登録されていません。") % {"code": values[name]}]
            values[name] = found
    if errors:
        raise ValidationError(errors)
    return values


COUNT_WRITE_RESULT = inline_serializer(
    "CountWriteResult",
    {
        "status": serializers.ChoiceField(
            choices=["created", "updated", "unchanged"], help_text=gettext_lazy("新規・更新・変更なし")
        ),
        "count": CountSerializer(),
    },
)


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("世帯数の一覧"),
        description=labelled(
            gettext_lazy(
                "町内会ごと・調査基準日ごとの世帯数。調査基準日（survey_date）、%(area)s（ward）、町内会（association）で絞り込めます。"
            )
        ),
        tags=[gettext_lazy("世帯数")],
    ),
    create=extend_schema(
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
        tags=[gettext_lazy("世帯数")],
        request=CountInputSerializer,
        responses={
            201: OpenApiResponse(COUNT_WRITE_RESULT, description=gettext_lazy("新規に登録しました")),
            200: OpenApiResponse(
                COUNT_WRITE_RESULT, description=gettext_lazy("更新しました（または変更なし）")
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description=gettext_lazy("他の人が先に保存しました（extra.errors[].current に最新の値）"),
            ),
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
class CountViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CountSerializer
    filterset_class = CountFilter

    def get_permissions(self):
        if self.action == "create":
            return [CanEditSomeCounts()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        return (
            HouseholdCount.objects.filter(association__in=policy.associations_visible_to(self.request.user))
            .select_related("association__ward", "entered_by")
            .order_by("association__code", "survey_date")
        )

    def create(self, request):
        data = CountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        association = policy.get_association_for_edit(
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
