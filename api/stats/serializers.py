"""Statistics: membership figures (selectors.MembershipRow) and the plan's target (Dashboard)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chonaikai.cities.texts import labelled

from ..serializers import rate_field


class MembershipRowSerializer(serializers.Serializer):
    level = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    survey_date = serializers.DateField(read_only=True)
    fiscal_year = serializers.IntegerField(read_only=True)
    associations = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("町内会数"))
    households = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("区域内世帯数"))
    member_households = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("加入世帯数"))
    rate = rate_field(help_text=_("加入率（%）"))
    denominator = serializers.CharField(
        read_only=True, help_text=_("加入率の分母（area_households: 区域内世帯数）")
    )
    previous_survey_date = serializers.DateField(read_only=True, allow_null=True)
    previous_rate = rate_field()
    change = rate_field(help_text=_("前回調査からの増減（ポイント）"))
    registry_households = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=labelled(_("住民基本台帳世帯数（%(area)s単位と市全体のみ、ある日付だけ）")),
    )
    registry_rate = rate_field(help_text=_("住民基本台帳世帯数による加入率（参考）"))
    suppressed = serializers.BooleanField(
        read_only=True, help_text=_("世帯数が公表の下限未満のため数値を伏せた行（匿名の利用者のみ）")
    )
    sample = serializers.BooleanField(
        read_only=True,
        help_text=_("サンプルの町内会（seed_demo）の世帯数を含む行: 架空の数値で、市の数値ではありません"),
    )


class MembershipStatsSerializer(serializers.Serializer):
    survey_date = serializers.DateField(read_only=True)
    level = serializers.CharField(read_only=True)
    ward = serializers.CharField(read_only=True, allow_null=True)
    suppression_min_households = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("数値を伏せる世帯数の下限（伏せていなければ null）")
    )
    results = MembershipRowSerializer(many=True, read_only=True)


class PlanFigureSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(read_only=True)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False, read_only=True)
    source = serializers.CharField(read_only=True)


class TargetProgressSerializer(serializers.Serializer):
    baseline = serializers.IntegerField(read_only=True)
    target = serializers.IntegerField(read_only=True)
    current = serializers.IntegerField(read_only=True)
    gap = serializers.IntegerField(read_only=True, help_text=_("目標までの残り（超えていれば負）"))
    share_done = rate_field(help_text=_("基準値から目標値までの達成割合（%）"))


class TargetSerializer(serializers.Serializer):
    survey_date = serializers.DateField(source="city.survey_date", read_only=True, allow_null=True)
    city = MembershipRowSerializer(read_only=True, allow_null=True)
    baseline = PlanFigureSerializer(read_only=True, allow_null=True)
    target = PlanFigureSerializer(read_only=True, allow_null=True)
    progress = TargetProgressSerializer(read_only=True, allow_null=True)
