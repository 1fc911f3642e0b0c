"""The open dataset as JSON: its records, licence and notes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chonaikai.associations.selectors import Level
from chonaikai.cities.texts import labelled


class OpenDataRecordSerializer(serializers.Serializer):
    survey_date = serializers.DateField(help_text=_("調査基準日"))
    fiscal_year = serializers.IntegerField(help_text=_("年度"))
    level = serializers.ChoiceField(
        choices=[Level.CITY, Level.WARD], help_text=labelled(_("city: 全市、ward: %(area)s"))
    )
    code = serializers.CharField(help_text=_("全国地方公共団体コード（5桁）"))
    name = serializers.CharField()
    associations = serializers.IntegerField(allow_null=True, help_text=_("町内会数"))
    households = serializers.IntegerField(allow_null=True, help_text=_("区域内世帯数"))
    member_households = serializers.IntegerField(allow_null=True, help_text=_("加入世帯数"))
    rate = serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, allow_null=True, help_text=_("加入率（%）")
    )
    suppressed = serializers.BooleanField(help_text=_("世帯数が少ないため数値を伏せた行"))
    sample = serializers.BooleanField(
        help_text=_("サンプルの町内会の世帯数を含む行（架空の数値）。true の行は実在の数値ではありません")
    )


class OpenDataLicenseSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField()


class OpenDataSerializer(serializers.Serializer):
    title = serializers.CharField()
    synthetic = serializers.BooleanField(
        help_text=_(
            "サンプルデータ（架空の数値）がデータベースにあるとき true。そのとき発行者とライセンスは null"
        )
    )
    publisher = serializers.CharField(allow_null=True)
    license = OpenDataLicenseSerializer(allow_null=True)
    attribution = serializers.CharField(help_text=_("利用するときに表示する出典"))
    notes = serializers.CharField()
    suppression_min_households = serializers.IntegerField()
    records = OpenDataRecordSerializer(many=True)
