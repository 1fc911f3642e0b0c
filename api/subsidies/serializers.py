"""Subsidies: programmes and applications as the API returns them (amounts with the arithmetic behind
them), and the plain input of each transition. Which expense kinds a line may have is the
programme's rule (data), checked against context["rule"]."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chonaikai.cities.texts import labelled
from chonaikai.subsidies import rules, selectors
from chonaikai.subsidies.models import Attachment
from chonaikai.subsidies.workflow import Action, Status

from ..fields import (
    AssociationCodeField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    StrictRegexField,
)

PROGRAMME_CODE_REGEX = r"^[a-z][a-z0-9_]{0,39}$"
FISCAL_YEAR_MIN, FISCAL_YEAR_MAX = 2000, 2100
MAX_YEN = 10_000_000_000  # 100億円: far above any grant, well inside the database's integers
KIND_CODE_REGEX = r"^[a-z][a-z0-9_]{0,39}$"  # an ExpenseKindRule.code; which ones: the programme's rule


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
        # (rules.Step.display); a step stored without them keeps its stored (Japanese) text.
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
            "lines": [step.display for step in steps] if steps else list(value.get("lines", [])),
            "steps": [
                {"key": step.key, "text": step.display, "amount": step.amount, "data": step.data}
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


class ListFilters(serializers.Serializer):
    """The lists' query parameters (documented by schema.py's parameters)."""

    code = StrictRegexField(PROGRAMME_CODE_REGEX, required=False)
    programme = StrictRegexField(PROGRAMME_CODE_REGEX, required=False)
    fiscal_year = serializers.IntegerField(
        min_value=FISCAL_YEAR_MIN, max_value=FISCAL_YEAR_MAX, required=False
    )
    status = serializers.ChoiceField(choices=Status.values, required=False)
