"""Wards, districts and federations as the API returns them."""

from __future__ import annotations

from rest_framework import serializers

from chonaikai.associations.models import Federation
from wards.models import District, Ward

from ..serializers import AREA_CODE_HELP


class WardSerializer(serializers.ModelSerializer):
    area_km2 = serializers.DecimalField(
        max_digits=8, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True
    )

    class Meta:
        model = Ward
        fields = ["code", "name", "kana", "romaji", "established_on", "area_km2"]
        read_only_fields = fields


class DistrictSerializer(serializers.ModelSerializer):
    ward = serializers.CharField(source="ward.code", read_only=True, help_text=AREA_CODE_HELP)
    ward_name = serializers.CharField(source="ward.name", read_only=True)

    class Meta:
        model = District
        fields = ["code", "name", "kana", "ward", "ward_name", "is_sample"]
        read_only_fields = fields


class FederationSerializer(serializers.ModelSerializer):
    ward = serializers.CharField(source="ward.code", read_only=True, help_text=AREA_CODE_HELP)
    ward_name = serializers.CharField(source="ward.name", read_only=True)
    district = serializers.CharField(source="district.code", read_only=True, allow_null=True)
    district_name = serializers.CharField(source="district.name", read_only=True, allow_null=True)

    class Meta:
        model = Federation
        fields = ["code", "name", "kana", "ward", "ward_name", "district", "district_name", "is_sample"]
        read_only_fields = fields
