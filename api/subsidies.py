"""Subsidies (補助金): programmes with their money, and applications from draft to payment.

Reads start from the policy (chonaikai.accounts.policy): a leader sees their association's
applications, ward staff their ward's, city administrators all; anything else answers 404. Writes
go through chonaikai.subsidies.services, one service per transition; the services re-check scope
(Http404), role (PermissionDenied → 403) and state. A SubsidyError becomes the API's error shape
with its message (in the request's language, Japanese by default): 409 for an action the application's state does not allow
(IllegalTransition), 400 for the other rules.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from chonaikai.accounts import policy
from chonaikai.associations.models import Association
from chonaikai.cities.texts import labelled
from chonaikai.subsidies import rules, selectors, services, wording
from chonaikai.subsidies.errors import IllegalTransition, SubsidyError
from chonaikai.subsidies.models import Application, Attachment, ExpenseLine, Programme, Transition
from chonaikai.subsidies.workflow import Action, Status

from .errors import ApiError
from .fields import (
    AssociationCodeField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    StrictRegexField,
)
from .serializers import ErrorSerializer

PROGRAMME_TAGS = [gettext_lazy("補助金（制度）")]
APPLICATION_TAGS = [gettext_lazy("補助金（申請）")]
PROGRAMME_CODE_REGEX = r"^[a-z][a-z0-9_]{0,39}$"
FISCAL_YEAR_MIN, FISCAL_YEAR_MAX = 2000, 2100
MAX_YEN = 10_000_000_000  # 100億円: far above any grant, well inside the database's integers
KIND_CODE_REGEX = r"^[a-z][a-z0-9_]{0,39}$"  # an ExpenseKindRule.code; which ones: the programme's rule


# ---------------------------------------------------------------------------------------------
# Errors and permissions
# ---------------------------------------------------------------------------------------------


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # dates and the like, as the breakdown's ISO text would have them


def subsidy_error(error: SubsidyError) -> ApiError:
    """A service's refusal in the API's shape: 409 for a state conflict, 400 for the other rules."""
    code = status.HTTP_409_CONFLICT if isinstance(error, IllegalTransition) else status.HTTP_400_BAD_REQUEST
    return ApiError(error.message, extra={"code": error.code, **_jsonable(error.extra)}, status_code=code)


class UsesSubsidies(permissions.IsAuthenticated):
    """Signed in with a role: the people the subsidy pages are for (city, ward, association, viewer)."""

    message = gettext_lazy("補助金の情報を見る権限がありません（役割のある利用者のみ）。")

    def has_permission(self, request, view):
        user = request.user
        return super().has_permission(request, view) and (
            policy.is_city_admin(user) or policy.role_of(user) is not None
        )


# ---------------------------------------------------------------------------------------------
# Output serializers
# ---------------------------------------------------------------------------------------------


class BreakdownStepSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="kind, floor_area, households, subtotal, rounding, cap, tax, total …"
    )
    text = serializers.CharField(help_text=gettext_lazy("画面と同じ1行（利用者の表示言語、既定は日本語）"))
    amount = serializers.IntegerField(help_text=gettext_lazy("この行の結果（円）"))
    data = serializers.DictField(help_text=gettext_lazy("計算に使った数値"))


class BreakdownSerializer(serializers.Serializer):
    """The arithmetic behind an amount (chonaikai.subsidies.rules.Breakdown.as_dict)."""

    amount = serializers.IntegerField(help_text=gettext_lazy("算定額（円）"))
    cost = serializers.IntegerField(help_text=gettext_lazy("経費の合計（円）"))
    category = serializers.CharField(allow_blank=True)
    needs_confirmation = serializers.BooleanField(help_text=gettext_lazy("算定基準が「要綱で要確認」のまま"))
    lines = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("内訳の行（利用者の表示言語、既定は日本語）")
    )
    steps = BreakdownStepSerializer(many=True)


@extend_schema_field(BreakdownSerializer(allow_null=True))
class BreakdownField(serializers.Field):
    """A stored breakdown (JSON), or null when there is none yet."""

    def to_representation(self, value):
        if not value:
            return None
        # The lines are written again in the request's language from each step's figures
        # (wording.step_text); a step stored without them keeps its stored (Japanese) text.
        steps = [
            rules.Step(
                s.get("key", ""),
                s.get("text", ""),
                s.get("amount", 0),
                s.get("data", {}),
                s.get("phrase", {}),
            )
            for s in value.get("steps", [])
        ]
        return {
            "amount": value.get("amount", 0),
            "cost": value.get("cost", 0),
            "category": value.get("category", ""),
            "needs_confirmation": bool(value.get("needs_confirmation", False)),
            "lines": [wording.step_text(step) for step in steps] if steps else list(value.get("lines", [])),
            "steps": [
                {"key": step.key, "text": wording.step_text(step), "amount": step.amount, "data": step.data}
                for step in steps
            ],
        }


class KindRuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rate_numerator = serializers.IntegerField(allow_null=True)
    rate_denominator = serializers.IntegerField(allow_null=True)


class ProgrammeRuleSerializer(serializers.Serializer):
    category = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("区分コード（区分のない制度は空）")
    )
    name = serializers.CharField()
    method = serializers.CharField(help_text=gettext_lazy("算定方法"))
    cap = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("上限額（円）"))
    rounding_unit = serializers.IntegerField(allow_null=True)
    per_m2_amount = serializers.IntegerField(allow_null=True)
    per_household_amount = serializers.IntegerField(allow_null=True)
    requires_hall = serializers.BooleanField()
    repeat_grant_interval_years = serializers.IntegerField(allow_null=True)
    needs_confirmation = serializers.BooleanField(
        help_text=gettext_lazy("「要綱で要確認」（確認まで交付決定できません）")
    )
    kinds = KindRuleSerializer(many=True, source="kinds.all")


class ProgrammeSerializer(serializers.Serializer):
    """A programme in one fiscal year with its budget figures (programme_summary) and rules."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    fiscal_year = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text=gettext_lazy("application（申請）または computed（算定）"))
    opens_on = serializers.DateField(allow_null=True)
    closes_on = serializers.DateField(allow_null=True)
    one_application_per_year = serializers.BooleanField()
    budget = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("予算額（円）、未登録は null"))
    approved = serializers.IntegerField(help_text=gettext_lazy("交付決定額の合計（円）"))
    paid = serializers.IntegerField(help_text=gettext_lazy("支払額の合計（円）"))
    remaining = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("予算の残り（円）、予算未登録は null")
    )
    applications = serializers.IntegerField(help_text=gettext_lazy("申請件数（取下げを除く）"))
    granted = serializers.IntegerField(help_text=gettext_lazy("交付決定以降の件数"))
    rules = ProgrammeRuleSerializer(many=True)

    def to_representation(self, programme):
        summary = selectors.programme_summary(programme)
        return {
            "id": programme.pk,
            "code": programme.code,
            "fiscal_year": programme.fiscal_year,
            "name": programme.name,
            "kind": programme.kind,
            "opens_on": programme.opens_on.isoformat() if programme.opens_on else None,
            "closes_on": programme.closes_on.isoformat() if programme.closes_on else None,
            "one_application_per_year": programme.one_application_per_year,
            "budget": summary.budget,
            "approved": summary.approved,
            "paid": summary.paid,
            "remaining": summary.remaining,
            "applications": summary.applications,
            "granted": summary.granted,
            "rules": ProgrammeRuleSerializer(programme.rules.all(), many=True).data,
        }


class LineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    description = serializers.CharField()
    amount = serializers.IntegerField(help_text=gettext_lazy("円"))


class AttachmentSerializer(serializers.Serializer):
    """A file attached to an application (the file itself is downloaded from the application's page)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    name = serializers.CharField(source="original_name", help_text=gettext_lazy("添付したときのファイル名"))
    content_type = serializers.CharField(help_text=gettext_lazy("中身から判定した形式"))
    size = serializers.IntegerField(help_text=gettext_lazy("バイト"))
    uploaded_at = serializers.DateTimeField()


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField()
    action_label = serializers.CharField(source="get_action_display")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(source="actor_name", allow_blank=True)
    at = serializers.DateTimeField()
    comment = serializers.CharField(allow_blank=True)


class ApplicationSerializer(serializers.Serializer):
    """An application with its amount and the arithmetic behind it (breakdown)."""

    id = serializers.IntegerField()
    number = serializers.CharField(
        source="key", help_text=gettext_lazy("申請番号のキー（年度-制度コード-番号、変わらない識別子）")
    )
    number_text = serializers.CharField(
        source="number", help_text=gettext_lazy("人が読む申請番号（例: 令和8年度 デジタル 第12号）")
    )
    programme = serializers.CharField(source="programme.code")
    programme_name = serializers.CharField(source="programme.name")
    fiscal_year = serializers.IntegerField(source="programme.fiscal_year")
    association = serializers.CharField(source="association.code")
    association_name = serializers.CharField(source="association.name")
    ward = serializers.CharField(source="association.ward.code")
    category = serializers.CharField(allow_blank=True)
    hall = serializers.IntegerField(source="hall_id", allow_null=True)
    purpose = serializers.CharField(allow_blank=True)
    planned_start = serializers.DateField(allow_null=True)
    planned_end = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    status_changed_at = serializers.DateTimeField()
    computed_amount = serializers.IntegerField(help_text=gettext_lazy("算定額（円）"))
    breakdown = BreakdownField(help_text=gettext_lazy("算定額の内訳（予定の経費による）"))
    approved_amount = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("交付決定額（円）"))
    actual_breakdown = BreakdownField(help_text=gettext_lazy("実績による算定の内訳（実績報告後）"))
    confirmed_amount = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("確定額（円）"))
    paid_amount = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("支払額（円）"))
    paid_on = serializers.DateField(allow_null=True)
    decision_reason = serializers.CharField(allow_blank=True)
    entered_by_staff = serializers.BooleanField(help_text=gettext_lazy("紙の申請を職員が代理入力"))
    needs_verification = serializers.BooleanField(help_text=gettext_lazy("別の職員による入力内容の確認待ち"))
    submitted_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    lines = serializers.SerializerMethodField()
    actual_lines = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(
        many=True,
        source="attachments.all",
        help_text=gettext_lazy("添付書類（交付決定の後は追加だけができ、削除はできません）"),
    )
    transitions = TransitionSerializer(many=True, source="transitions.all")

    @extend_schema_field(LineSerializer(many=True))
    def get_lines(self, app):
        return LineSerializer(selectors.planned_lines(app), many=True).data

    @extend_schema_field(LineSerializer(many=True))
    def get_actual_lines(self, app):
        return LineSerializer(selectors.actual_lines(app), many=True).data

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=Action.choices), help_text=gettext_lazy("いま行える操作")
        )
    )
    def get_actions(self, app):
        return selectors.available_actions(user=self.context["request"].user, application=app)


# ---------------------------------------------------------------------------------------------
# Input serializers
# ---------------------------------------------------------------------------------------------


class LineInputSerializer(serializers.Serializer):
    """An expense line. Its kind is checked against the rule of the application's programme and
    category (context["rule"], a rules.CategoryRule): the kinds are data, never a list here."""

    description = StrictCharField(max_length=200, help_text=gettext_lazy("経費の内容"))
    kind = StrictRegexField(
        KIND_CODE_REGEX,
        help_text=gettext_lazy(
            "経費の種類コード。申請の制度・区分の算定基準にある種類（/api/v1/subsidy-programmes/ の "
            "rules[].kinds[].code、例: デジタル活用促進補助金は service・goods、市民集会施設建築費補助金は works・"
            "ineligible）"
        ),
    )
    amount = StrictIntegerField(min_value=0, max_value=MAX_YEN, help_text=gettext_lazy("金額（円）"))

    def validate_kind(self, value):
        rule = self.context.get("rule")
        if rule is not None and rule.kind(value) is None:
            allowed = _("、").join(
                _("%(code)s（%(name)s）") % {"code": k.code, "name": k.name} for k in rule.kinds
            )
            allowed = allowed or _("なし")
            raise serializers.ValidationError(
                _("経費の種類「%(kind)s」はこの申請の制度・区分では使えません。使える種類: %(allowed)s")
                % {"kind": value, "allowed": allowed}
            )
        return value


def _rule_of(programme: Programme, category) -> rules.CategoryRule | None:
    """The category's rule, to check the lines' kinds; None when there is no such category (the
    service then refuses the application with the categories it has)."""
    if not isinstance(category, str):
        return None
    try:
        return selectors.rule_for(programme, category)
    except SubsidyError:
        return None


def _rule_named_by(body) -> rules.CategoryRule | None:
    """The rule a creation body names (programme, fiscal_year, category), or None if it names none."""
    if not isinstance(body, dict):
        return None
    code, year = body.get("programme"), body.get("fiscal_year")
    if not isinstance(code, str) or not re.fullmatch(PROGRAMME_CODE_REGEX, code):
        return None
    if isinstance(year, bool) or not isinstance(year, int) or not FISCAL_YEAR_MIN <= year <= FISCAL_YEAR_MAX:
        return None
    programme = selectors.programme_for(code=code, fiscal_year=year)
    return None if programme is None else _rule_of(programme, body.get("category", ""))


def _line_inputs(rows) -> list[services.LineInput]:
    return [services.LineInput(row["kind"], row["description"], row["amount"]) for row in rows]


class AttachmentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices, help_text=gettext_lazy("書類の種類"))
    file = serializers.FileField(
        help_text=gettext_lazy(
            "PDF・JPEG・PNG・Excel（.xlsx）。形式は中身で判定し、拡張子と一致する必要があります。"
        )
    )


class ApplicationCreateInputSerializer(serializers.Serializer):
    programme = StrictRegexField(PROGRAMME_CODE_REGEX, help_text=gettext_lazy("制度コード（例: digital）"))
    fiscal_year = StrictIntegerField(
        min_value=FISCAL_YEAR_MIN, max_value=FISCAL_YEAR_MAX, help_text=gettext_lazy("年度")
    )
    association = AssociationCodeField(
        help_text=labelled(gettext_lazy("町内会コード（例: %(association_code)s）"))
    )
    category = StrictCharField(max_length=40, required=False, allow_blank=True, default="")
    hall = StrictIntegerField(min_value=1, max_value=2_147_483_647, required=False, allow_null=True)
    purpose = StrictCharField(max_length=4000, allow_blank=True, help_text=gettext_lazy("事業の目的・内容"))
    planned_start = StrictDateField(required=False, allow_null=True)
    planned_end = StrictDateField(required=False, allow_null=True)
    lines = LineInputSerializer(many=True, required=False, max_length=100)


class ApplicationUpdateInputSerializer(serializers.Serializer):
    category = StrictCharField(max_length=40, required=False, allow_blank=True)
    hall = StrictIntegerField(min_value=1, max_value=2_147_483_647, required=False, allow_null=True)
    purpose = StrictCharField(max_length=4000, required=False, allow_blank=True)
    planned_start = StrictDateField(required=False, allow_null=True)
    planned_end = StrictDateField(required=False, allow_null=True)
    lines = LineInputSerializer(many=True, required=False, max_length=100)


class CommentInputSerializer(serializers.Serializer):
    comment = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class RequiredCommentInputSerializer(serializers.Serializer):
    comment = StrictCharField(max_length=2000, help_text=gettext_lazy("理由（必須）"))


class ApproveInputSerializer(CommentInputSerializer):
    amount = StrictIntegerField(
        min_value=1,
        max_value=MAX_YEN,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("交付決定額（省略で算定額）"),
    )


class RejectInputSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=2000, help_text=gettext_lazy("不交付決定の理由（必須）"))


class ReportCompletionInputSerializer(CommentInputSerializer):
    lines = LineInputSerializer(many=True, min_length=1, max_length=100, help_text=gettext_lazy("実績の経費"))


class PayInputSerializer(CommentInputSerializer):
    paid_on = StrictDateField(help_text=gettext_lazy("支払日"))
    amount = StrictIntegerField(
        min_value=0,
        max_value=MAX_YEN,
        required=False,
        allow_null=True,
        help_text=gettext_lazy("支払額（省略で確定額）"),
    )


# ---------------------------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------------------------

PROGRAMME_EXAMPLE = OpenApiExample(
    gettext_lazy("制度"),
    value={
        "id": 1,
        "code": "digital",
        "fiscal_year": 2026,
        "name": "町内会デジタル化推進補助金",  # i18n: data
        "kind": "application",
        "opens_on": None,
        "closes_on": None,
        "one_application_per_year": True,
        "budget": 5000000,
        "approved": 70000,
        "paid": 0,
        "remaining": 4930000,
        "applications": 3,
        "granted": 1,
        "rules": [
            {
                "category": "",
                "name": "デジタル化推進",  # i18n: data
                "method": "rate",
                "cap": 100000,
                "rounding_unit": 1000,
                "per_m2_amount": None,
                "per_household_amount": None,
                "requires_hall": False,
                "repeat_grant_interval_years": None,
                "needs_confirmation": False,
                "kinds": [
                    {
                        "code": "service",
                        "name": "報償費・役務費・委託費",  # i18n: data
                        "rate_numerator": 1,
                        "rate_denominator": 1,
                    },
                    {
                        "code": "goods",
                        "name": "備品購入費",  # i18n: data
                        "rate_numerator": 2,
                        "rate_denominator": 3,
                    },
                ],
            }
        ],
    },
    response_only=True,
)


def _fiscal_year_param(description: str) -> OpenApiParameter:
    return OpenApiParameter(
        "fiscal_year",
        {"type": "integer", "minimum": FISCAL_YEAR_MIN, "maximum": FISCAL_YEAR_MAX},
        OpenApiParameter.QUERY,
        description=description,
    )


def _programme_code_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        {"type": "string", "pattern": PROGRAMME_CODE_REGEX},
        OpenApiParameter.QUERY,
        description=description,
    )


class _ListFilters(serializers.Serializer):
    code = StrictRegexField(PROGRAMME_CODE_REGEX, required=False)
    programme = StrictRegexField(PROGRAMME_CODE_REGEX, required=False)
    fiscal_year = serializers.IntegerField(
        min_value=FISCAL_YEAR_MIN, max_value=FISCAL_YEAR_MAX, required=False
    )
    status = serializers.ChoiceField(choices=Status.values, required=False)


def _filters(request, names: tuple[str, ...]) -> dict:
    data = {name: request.query_params[name] for name in names if name in request.query_params}
    checked = _ListFilters(data=data)
    checked.is_valid(raise_exception=True)
    return checked.validated_data


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("補助制度の一覧（予算・交付決定額・支払額・残額）"),
        description=(
            labelled(
                gettext_lazy(
                    "年度ごとの補助制度と、予算額・交付決定額の合計・支払額の合計・予算の残り（集計値）、"
                    "区分ごとの算定基準（「要綱で要確認」の印 needs_confirmation 付き）。新しい年度から。"
                    "code（制度コード）と fiscal_year（年度）で絞り込めます。補助金の画面を使う利用者"
                    "（市の管理者・%(area_office)s職員・町内会の役員・閲覧者）が読めます。"
                )
            )
        ),
        tags=PROGRAMME_TAGS,
        parameters=[
            _programme_code_param("code", gettext_lazy("制度コードで絞り込む")),
            _fiscal_year_param(gettext_lazy("年度で絞り込む")),
        ],
        examples=[PROGRAMME_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("補助制度（IDで指定）"),
        description=gettext_lazy("補助制度（年度ごと）。"),
        tags=PROGRAMME_TAGS,
        examples=[PROGRAMME_EXAMPLE],
    ),
)
class ProgrammeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """補助制度（年度ごと）。"""

    serializer_class = ProgrammeSerializer
    permission_classes = [UsesSubsidies]
    filter_backends = []
    lookup_value_regex = r"[0-9]{1,9}"
    queryset = Programme.objects.none()  # for the schema: the path parameter's type

    def get_queryset(self):
        qs = selectors.programmes().prefetch_related("rules__kinds")
        if self.action == "list":
            filters = _filters(self.request, ("code", "fiscal_year"))
            if "code" in filters:
                qs = qs.filter(code=filters["code"])
            if "fiscal_year" in filters:
                qs = qs.filter(fiscal_year=filters["fiscal_year"])
        return qs.order_by("-fiscal_year", "code")

    @extend_schema(
        summary=gettext_lazy("補助制度（制度コードと年度で指定）"),
        description=gettext_lazy("補助制度（年度ごと）。"),
        operation_id="subsidy_programmes_by_code",
        tags=PROGRAMME_TAGS,
        parameters=[
            OpenApiParameter(
                "code", {"type": "string", "pattern": PROGRAMME_CODE_REGEX}, OpenApiParameter.PATH
            ),
            OpenApiParameter(
                "fiscal_year",
                {"type": "integer", "minimum": FISCAL_YEAR_MIN, "maximum": FISCAL_YEAR_MAX},
                OpenApiParameter.PATH,
            ),
        ],
        responses=ProgrammeSerializer,
        examples=[PROGRAMME_EXAMPLE],
    )
    def by_code(self, request, code: str, fiscal_year: str):
        programme = get_object_or_404(
            selectors.programmes().prefetch_related("rules__kinds"), code=code, fiscal_year=int(fiscal_year)
        )
        return Response(ProgrammeSerializer(programme).data)


# ---------------------------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------------------------

LINES_EXAMPLE = [
    {"description": "講師謝礼", "kind": "service", "amount": 30000},  # i18n: data
    {"description": "タブレット", "kind": "goods", "amount": 60000},  # i18n: data
]
APPLICATION_EXAMPLE = OpenApiExample(
    gettext_lazy("申請"),
    value={
        "id": 12,
        "number": "2026-digital-00012",
        "number_text": "令和8年度 デジタル 第12号",  # i18n: data
        "programme": "digital",
        "programme_name": "町内会デジタル化推進補助金",  # i18n: data
        "fiscal_year": 2026,
        "association": "12345-0001",
        "association_name": "さくら町内会",  # i18n: data (a fictional association)
        "ward": "12345",
        "category": "",
        "hall": None,
        "purpose": "役員会のオンライン化",  # i18n: data
        "planned_start": "2026-12-01",
        "planned_end": "2027-02-28",
        "status": "draft",
        "status_label": "下書き",  # i18n: data
        "status_changed_at": "2026-11-29T10:00:00+09:00",
        "computed_amount": 70000,
        "breakdown": {
            "amount": 70000,
            "cost": 90000,
            "category": "",
            "needs_confirmation": False,
            "lines": [
                "報償費・役務費・委託費 30,000円 × 10/10 = 30,000円",  # i18n: data
                "備品購入費 60,000円 × 2/3 = 40,000円",  # i18n: data
                "算定額 70,000円",  # i18n: data
            ],
            "steps": [{"key": "total", "text": "算定額 70,000円", "amount": 70000, "data": {}}],  # i18n: data
        },
        "approved_amount": None,
        "actual_breakdown": None,
        "confirmed_amount": None,
        "paid_amount": None,
        "paid_on": None,
        "decision_reason": "",
        "entered_by_staff": False,
        "needs_verification": False,
        "submitted_at": None,
        "created_at": "2026-11-29T10:00:00+09:00",
        "updated_at": "2026-11-29T10:00:00+09:00",
        "lines": LINES_EXAMPLE,
        "actual_lines": [],
        "actions": ["submit", "withdraw"],
        "attachments": [],
        "transitions": [],
    },
    response_only=True,
)
STATE_CONFLICT = OpenApiResponse(
    ErrorSerializer, description=gettext_lazy("今の状態ではできない操作です（message に理由）")
)


def _transition_schema(summary: str, description: str, request, example: dict | None = None):
    examples = [APPLICATION_EXAMPLE]
    if example is not None:
        examples.append(OpenApiExample(summary, value=example, request_only=True))
    return extend_schema(
        summary=summary,
        description=format_lazy(
            "{}{}",
            description,
            gettext_lazy(
                "担当外の申請は 404、役割上できない操作は 403、今の状態ではできない操作は 409、"
                "制度の規則に合わないときは 400（message に理由、既定は日本語）。"
            ),
        ),
        tags=APPLICATION_TAGS,
        request=request,
        responses={200: ApplicationSerializer, 409: STATE_CONFLICT},
        examples=examples,
    )


def _detail_queryset(user):
    return (
        policy.applications_visible_to(user)
        .select_related("association", "association__ward", "programme", "hall")
        .prefetch_related(
            Prefetch("lines", queryset=ExpenseLine.objects.order_by("phase", "position", "id")),
            Prefetch("transitions", queryset=Transition.objects.order_by("at", "id")),
            "attachments",
        )
    )


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("補助金の申請の一覧"),
        description=(
            labelled(
                gettext_lazy(
                    "見てよい申請（町内会の役員はその町内会の申請、%(area_office)s職員は担当%(area)sの申請、市の管理者はすべて）を、"
                    "状態が変わった順（古い順）に返します。status（状態）、programme（制度コード）、fiscal_year"
                    "（年度）で絞り込めます。各申請に状態・算定額・算定の内訳（breakdown）が付きます。"
                )
            )
        ),
        tags=APPLICATION_TAGS,
        parameters=[
            OpenApiParameter(
                "status", str, OpenApiParameter.QUERY, enum=Status.values, description=gettext_lazy("状態")
            ),
            _programme_code_param("programme", gettext_lazy("制度コードで絞り込む")),
            _fiscal_year_param(gettext_lazy("年度で絞り込む")),
        ],
        examples=[APPLICATION_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary=gettext_lazy("補助金の申請"),
        description=gettext_lazy(
            "経費（予定・実績）、算定の内訳、状態の変更履歴、この利用者がいま行える操作（actions）。"
        ),
        tags=APPLICATION_TAGS,
        examples=[APPLICATION_EXAMPLE],
    ),
    create=extend_schema(
        summary=gettext_lazy("補助金の申請を作成（下書き）"),
        description=(
            gettext_lazy(
                "町内会の役員がその町内会の申請を下書きとして作ります。programme（制度コード）と fiscal_year"
                "（年度）で制度を、association（町内会コード）で町内会を指定します。区分のある制度では category"
                "が必要です。経費（lines）の kind はその制度・区分の算定基準にある経費の種類コード（補助制度の rules[].kinds[].code）、amount は円。"
                "算定額と内訳を計算して返します。制度の規則に合わない内容は 400（message に日本語の理由）、"
                "役員でない町内会の申請は 403。"
            )
        ),
        tags=APPLICATION_TAGS,
        request=ApplicationCreateInputSerializer,
        responses={201: ApplicationSerializer},
        examples=[
            OpenApiExample(
                gettext_lazy("作成"),
                value={
                    "programme": "digital",
                    "fiscal_year": 2026,
                    "association": "12345-0001",
                    "purpose": "役員会のオンライン化",  # i18n: data
                    "planned_start": "2026-12-01",
                    "planned_end": "2027-02-28",
                    "lines": LINES_EXAMPLE,
                },
                request_only=True,
            ),
            APPLICATION_EXAMPLE,
        ],
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("下書きの申請を変更"),
        description=(
            gettext_lazy(
                "下書きか差戻しの申請の目的・区分・会館・予定日・経費（lines、送ればすべて置き換え）を変更し、"
                "算定額を計算し直します。すべて変更するか、何も変更しません。ほかの状態の申請は 409。"
            )
        ),
        tags=APPLICATION_TAGS,
        request=ApplicationUpdateInputSerializer,
        responses={200: ApplicationSerializer, 409: STATE_CONFLICT},
        examples=[
            OpenApiExample(
                gettext_lazy("変更"),
                value={"purpose": "役員会と回覧のオンライン化", "lines": LINES_EXAMPLE},  # i18n: data
                request_only=True,
            ),
            APPLICATION_EXAMPLE,
        ],
    ),
)
class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """補助金の申請。IDで指定します。"""

    serializer_class = ApplicationSerializer
    permission_classes = [UsesSubsidies]
    filter_backends = []
    lookup_value_regex = r"[0-9]{1,9}"
    queryset = Application.objects.none()  # for the schema: the path parameter's type

    def get_queryset(self):
        user = self.request.user
        if self.action != "list":
            return _detail_queryset(user)
        filters = _filters(self.request, ("status", "programme", "fiscal_year"))
        status_filter = filters.get("status")
        return selectors.application_queue(
            user=user,
            statuses=[status_filter] if status_filter else [],
            programme_code=filters.get("programme"),
            fiscal_year=filters.get("fiscal_year"),
        ).prefetch_related(
            Prefetch("lines", queryset=ExpenseLine.objects.order_by("phase", "position", "id")),
            Prefetch("transitions", queryset=Transition.objects.order_by("at", "id")),
            "attachments",
        )

    def _answer(self, application_id: int, code: int = status.HTTP_200_OK) -> Response:
        app = get_object_or_404(_detail_queryset(self.request.user), pk=application_id)
        return Response(ApplicationSerializer(app, context=self.get_serializer_context()).data, status=code)

    def create(self, request):
        data = ApplicationCreateInputSerializer(
            data=request.data, context={"rule": _rule_named_by(request.data)}
        )
        data.is_valid(raise_exception=True)
        values = data.validated_data
        programme = selectors.programme_for(code=values["programme"], fiscal_year=values["fiscal_year"])
        if programme is None:
            raise exceptions.ValidationError(
                {
                    "programme": [
                        _("%(year)d年度の制度「%(code)s」はありません。")
                        % {"year": values["fiscal_year"], "code": values["programme"]}
                    ]
                }
            )
        association = Association.objects.filter(code=values["association"]).first()
        if association is None:
            raise exceptions.ValidationError(
                {
                    "association": [
                        _("町内会コード %(code)s の町内会はありません。") % {"code": values["association"]}
                    ]
                }
            )
        if not policy.associations_applying_as(request.user).filter(pk=association.pk).exists():
            raise exceptions.PermissionDenied(_("この町内会の申請を作成できるのは、その町内会の役員です。"))
        try:
            app = services.application_create(
                actor=request.user,
                association_id=association.pk,
                programme_id=programme.pk,
                purpose=values["purpose"],
                category=values.get("category", ""),
                hall_id=values.get("hall"),
                planned_start=values.get("planned_start"),
                planned_end=values.get("planned_end"),
                lines=_line_inputs(values.get("lines", [])),
            )
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        app = get_object_or_404(
            policy.applications_visible_to(request.user).select_related("programme"), pk=pk
        )  # 404 out of scope
        category = request.data.get("category", app.category) if isinstance(request.data, dict) else None
        data = ApplicationUpdateInputSerializer(
            data=request.data, context={"rule": _rule_of(app.programme, category)}
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        lines = values.pop("lines", None)
        changes = {("hall_id" if k == "hall" else k): v for k, v in values.items()}
        try:
            with transaction.atomic():  # content and lines together, or neither
                if changes:
                    services.application_update(actor=request.user, application_id=app.pk, **changes)
                if lines is not None:
                    services.application_set_lines(
                        actor=request.user, application_id=app.pk, lines=_line_inputs(lines)
                    )
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk)

    def _check_access(self, request, pk, action: str | None) -> Application:
        """Scope before the body: 404 outside the user's scope, 403 for an action the role never takes.

        Reading the body first would answer 400 to users who may not even know the application exists.
        """
        app = get_object_or_404(
            policy.applications_visible_to(request.user).select_related("programme"), pk=pk
        )
        if action is not None and not policy.can_take_application_action(request.user, app, action):
            label = Action(action).label
            raise exceptions.PermissionDenied(
                _("この申請を「%(action)s」する権限がありません。") % {"action": label}
            )
        return app

    def _transition(self, request, pk, input_serializer, call, action: str | None) -> Response:
        self._check_access(request, pk, action)
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            app = call(actor=request.user, application_id=int(pk), **data.validated_data)
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk)

    @_transition_schema(
        gettext_lazy("申請を提出"),
        labelled(
            gettext_lazy(
                "下書きか差戻しの申請を提出します（町内会の役員。紙の申請はその%(area)sの職員も）。受付期間・年度1件・"
                "会館の補助の間隔などを確かめ、算定額を確定します。"
            )
        ),
        CommentInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_submit, Action.SUBMIT
        )

    @_transition_schema(
        gettext_lazy("審査を開始"),
        labelled(gettext_lazy("提出済みの申請の審査を始めます（担当%(area)sの職員・市の管理者）。")),
        CommentInputSerializer,
    )
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_start_review, Action.START_REVIEW
        )

    @_transition_schema(
        gettext_lazy("町内会へ差し戻す"),
        labelled(
            gettext_lazy(
                "審査中の申請を町内会へ差し戻します（担当%(area)sの職員・市の管理者）。comment（修正してほしい点）は必須です。"
            )
        ),
        RequiredCommentInputSerializer,
        {"comment": "経費の見積書を添付してください。"},  # i18n: data
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._transition(
            request, pk, RequiredCommentInputSerializer, services.application_return, Action.RETURN
        )

    @_transition_schema(
        gettext_lazy("市へ進達"),
        labelled(gettext_lazy("%(area)sで審査した申請を市へ進達します（担当%(area)sの職員・市の管理者）。")),
        CommentInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_forward, Action.FORWARD
        )

    @_transition_schema(
        labelled(gettext_lazy("%(area)sへ戻す")),
        labelled(
            gettext_lazy("市で審査中の申請を%(area)sへ戻します（市の管理者）。comment（理由）は必須です。")
        ),
        RequiredCommentInputSerializer,
        {"comment": "区の審査意見を付けてください。"},  # i18n: data
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._transition(
            request, pk, RequiredCommentInputSerializer, services.application_send_back, Action.SEND_BACK
        )

    @_transition_schema(
        gettext_lazy("交付決定"),
        gettext_lazy(
            "市で審査中の申請の交付を決定します（市の管理者）。amount を省くと算定額。算定額を超える額、"
            "予算の残りを超える額、「要綱で要確認」の算定基準の申請は 400。"
        ),
        ApproveInputSerializer,
        {"amount": 70000, "comment": ""},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(
            request, pk, ApproveInputSerializer, services.application_approve, Action.APPROVE
        )

    @_transition_schema(
        gettext_lazy("不交付決定"),
        gettext_lazy(
            "市で審査中の申請を不交付と決定します（市の管理者）。reason（理由）は必須で、町内会へ通知されます。"
        ),
        RejectInputSerializer,
        {"reason": "補助の対象となる経費がありません。"},  # i18n: data
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._transition(
            request, pk, RejectInputSerializer, services.application_reject, Action.REJECT
        )

    @_transition_schema(
        gettext_lazy("申請を取り下げる"),
        labelled(
            gettext_lazy("交付決定の前の申請を取り下げます（町内会の役員。紙の申請はその%(area)sの職員も）。")
        ),
        CommentInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_withdraw, Action.WITHDRAW
        )

    @_transition_schema(
        gettext_lazy("実績を報告"),
        gettext_lazy(
            "交付決定した申請の実績の経費（lines、これまでの報告を置き換え）を報告します（町内会の役員）。"
            "領収書が添付されている必要があります（attachments で kind=receipt を添付、または画面から）。"
        ),
        ReportCompletionInputSerializer,
        {"lines": LINES_EXAMPLE, "comment": ""},
    )
    @action(detail=True, methods=["post"], url_path="report-completion")
    def report_completion(self, request, pk=None):
        app = self._check_access(request, pk, Action.REPORT_COMPLETION)
        data = ReportCompletionInputSerializer(
            data=request.data, context={"rule": _rule_of(app.programme, app.category)}
        )
        data.is_valid(raise_exception=True)
        try:
            app = services.application_report_completion(
                actor=request.user,
                application_id=int(pk),
                lines=_line_inputs(data.validated_data["lines"]),
                comment=data.validated_data["comment"],
            )
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk)

    @_transition_schema(
        gettext_lazy("実績報告を差し戻す"),
        labelled(
            gettext_lazy(
                "実績報告済みの申請を町内会へ差し戻します（担当%(area)sの職員・市の管理者）。comment は必須です。"
            )
        ),
        RequiredCommentInputSerializer,
        {"comment": "領収書の金額が経費と合いません。"},  # i18n: data
    )
    @action(detail=True, methods=["post"], url_path="return-completion")
    def return_completion(self, request, pk=None):
        return self._transition(
            request,
            pk,
            RequiredCommentInputSerializer,
            services.application_return_completion,
            Action.RETURN_COMPLETION,
        )

    @_transition_schema(
        gettext_lazy("額の確定"),
        gettext_lazy(
            "実績報告済みの申請の補助金の額を、実績の経費で確定します（市の管理者、交付決定額が上限）。"
        ),
        CommentInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_confirm, Action.CONFIRM
        )

    @_transition_schema(
        gettext_lazy("支払を記録"),
        gettext_lazy(
            "額の確定した申請の支払日と支払額（省略で確定額、確定額が上限）を記録します（市の管理者）。"
        ),
        PayInputSerializer,
        {"paid_on": "2027-03-15", "amount": 70000, "comment": ""},
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._transition(request, pk, PayInputSerializer, services.application_pay, Action.PAY)

    @extend_schema(
        summary=gettext_lazy("書類を添付"),
        description=labelled(
            gettext_lazy(
                "申請に書類（見積書・領収書・写真など）を添付します（町内会の役員。紙の申請はその%(area)sの職員も）。"
                "下書きと差戻しの申請、交付決定の後（実績報告の領収書など）に添付できます。形式は中身で判定し、"
                "受け付けない形式・拡張子の不一致・大きすぎるファイルは 400。紙の申請では、別の職員による"
                "入力内容の確認をやり直す必要があります。添付した書類を API から削除することはできません"
                "（交付決定の後は画面からも削除できません）。担当外の申請は 404、役割上できない操作は 403、"
                "今の状態ではできない操作は 409。"
            )
        ),
        tags=APPLICATION_TAGS,
        request={"multipart/form-data": AttachmentInputSerializer},
        responses={201: ApplicationSerializer, 409: STATE_CONFLICT},
        examples=[APPLICATION_EXAMPLE],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser], url_path="attachments")
    def attachments(self, request, pk=None):
        app = self._check_access(request, pk, None)
        if not policy.can_act_for_association(request.user, app):
            raise exceptions.PermissionDenied(_("この申請に書類を添付する権限がありません。"))
        data = AttachmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.attachment_add(
                actor=request.user,
                application_id=app.pk,
                file=data.validated_data["file"],
                kind=data.validated_data["kind"],
            )
        except SubsidyError as e:
            raise subsidy_error(e) from e
        return self._answer(app.pk, status.HTTP_201_CREATED)

    @_transition_schema(
        gettext_lazy("紙の申請の入力内容を確認"),
        labelled(
            gettext_lazy(
                "職員が代理入力した紙の申請を、入力した職員とは別の職員が確認します（担当%(area)sの職員・市の管理者）。"
            )
        ),
        CommentInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._transition(
            request, pk, CommentInputSerializer, services.application_verify_paper_entry, action=None
        )
