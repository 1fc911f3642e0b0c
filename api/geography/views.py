"""Wards (the city's first-level areas), districts and federations (public), ward boundaries as
GeoJSON, and a ward's entry sheet (for the ward's staff)."""

from __future__ import annotations

import json

from rest_framework import permissions, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.accounts import policy
from chonaikai.associations.models import Federation
from chonaikai.associations.stats import exporter
from chonaikai.downloads import workbook_response
from maps import selectors as map_selectors
from wards.models import District, Ward

from ..common import WARD_CODE_REGEX, BinaryRenderer, optional_date
from ..filters import DistrictFilter, FederationFilter
from . import schema
from .serializers import DistrictSerializer, FederationSerializer, WardSerializer

# District and federation codes are the city's own (e.g. 12345-D01, 12345-F001).
AREA_CODE_REGEX = r"[0-9A-Za-z_-]{1,20}"


@schema.WARDS
class WardViewSet(viewsets.ReadOnlyModelViewSet):
    """The first-level areas (区, or the whole city), by their 5-digit code."""

    queryset = Ward.objects.order_by("code")
    serializer_class = WardSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = WARD_CODE_REGEX


@schema.DISTRICTS
class DistrictViewSet(viewsets.ReadOnlyModelViewSet):
    """The districts between area and association (none in some cities), filtered by area code."""

    queryset = District.objects.select_related("ward").order_by("code")
    serializer_class = DistrictSerializer
    filterset_class = DistrictFilter
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = AREA_CODE_REGEX


@schema.FEDERATIONS
class FederationViewSet(viewsets.ReadOnlyModelViewSet):
    """Federations, filtered by area code (ward) and district code."""

    queryset = Federation.objects.select_related("ward", "district").order_by("code")
    serializer_class = FederationSerializer
    filterset_class = FederationFilter
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = AREA_CODE_REGEX


class WardEntrySheetView(APIView):
    """A ward's entry sheet: for the ward's staff and city administrators (404 for other wards)."""

    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [BinaryRenderer, JSONRenderer]

    @schema.ENTRY_SHEET
    def get(self, request, code: str):
        ward = policy.get_ward_for_edit(request.user, code)  # 404 outside the user's wards
        survey_date = optional_date(request, "survey_date")
        workbook = exporter.ward_template(ward=ward, actor=request.user, survey_date=survey_date)
        day = survey_date.isoformat() if survey_date else "latest"
        return workbook_response(workbook, filename=f"counts-{ward.code}-{day}.xlsx")


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


class WardBoundariesView(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @schema.BOUNDARIES
    def get(self, request):
        geometries = map_selectors.ward_geometries(full=False)
        features = []
        if geometries:
            for code, name, romaji in Ward.objects.order_by("code").values_list("code", "name", "romaji"):
                if code in geometries:
                    features.append(
                        {
                            "type": "Feature",
                            "id": code,
                            "geometry": json.loads(geometries[code]),
                            "properties": {"code": code, "name": name, "romaji": romaji},
                        }
                    )
        collection = {"type": "FeatureCollection", "features": features}
        if features:
            collection["attribution"] = map_selectors.boundary_attribution()
        return Response(collection, content_type="application/geo+json")
