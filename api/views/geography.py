"""Wards (the city's first-level areas), districts and federations (public), ward boundaries as
GeoJSON, and a ward's entry sheet (for the ward's staff). Texts name the levels as the loaded city
does (chonaikai.cities.texts); the schema's examples are a fictional city's."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import permissions, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.accounts import policy
from chonaikai.associations.models import Federation
from chonaikai.associations.stats import exporter
from chonaikai.cities.texts import labelled
from chonaikai.downloads import XLSX_MEDIA_TYPE, workbook_response
from maps import selectors as map_selectors
from wards.models import District, Ward

from ..fields import SURVEY_DATE_SCHEMA
from ..filters import DistrictFilter, FederationFilter
from ..schema import AREA_TAG
from ..serializers import DistrictSerializer, FederationSerializer, WardSerializer
from .common import BinaryRenderer, optional_date

WARD_CODE_REGEX = r"[0-9]{5}"
# District and federation codes are the city's own (e.g. 12345-D01, 12345-F001).
AREA_CODE_REGEX = r"[0-9A-Za-z_-]{1,20}"

WARD_EXAMPLE = OpenApiExample(  # i18n: data (a fictional area)
    "〇〇区",
    value={
        "code": "12345",
        "name": "〇〇区",
        "kana": "まるまるく",
        "romaji": "Marumaru-ku",
        "established_on": "2000-04-01",
        "area_km2": 40.5,
    },
    response_only=True,
)


# The descriptions are given explicitly: the docstrings would be shown untranslated.
WARD_DESCRIPTION = labelled(_("%(city)sの%(area)s。%(area)sコード（5桁）で指定します。"))
DISTRICT_DESCRIPTION = labelled(_("%(district)s地区。%(area)sコード（ward）で絞り込めます。"))
FEDERATION_DESCRIPTION = labelled(
    _("%(federation)s。%(area)sコード（ward）、地区コード（district）で絞り込めます。")
)
AREA_TAGS = [AREA_TAG]


@extend_schema_view(
    list=extend_schema(
        summary=labelled(_("%(area)sの一覧")),
        description=WARD_DESCRIPTION,
        tags=AREA_TAGS,
        examples=[WARD_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary=labelled(_("%(area)s（%(area)sコードで指定）")),
        description=WARD_DESCRIPTION,
        tags=AREA_TAGS,
        examples=[WARD_EXAMPLE],
    ),
)
class WardViewSet(viewsets.ReadOnlyModelViewSet):
    """The first-level areas (区, or the whole city), by their 5-digit code."""

    queryset = Ward.objects.order_by("code")
    serializer_class = WardSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = WARD_CODE_REGEX


@extend_schema_view(
    list=extend_schema(
        summary=labelled(_("%(district)s地区の一覧")), description=DISTRICT_DESCRIPTION, tags=AREA_TAGS
    ),
    retrieve=extend_schema(
        summary=labelled(_("%(district)s地区（地区コードで指定）")),
        description=DISTRICT_DESCRIPTION,
        tags=AREA_TAGS,
    ),
)
class DistrictViewSet(viewsets.ReadOnlyModelViewSet):
    """The districts between area and association (none in some cities), filtered by area code."""

    queryset = District.objects.select_related("ward").order_by("code")
    serializer_class = DistrictSerializer
    filterset_class = DistrictFilter
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = AREA_CODE_REGEX


@extend_schema_view(
    list=extend_schema(
        summary=labelled(_("%(federation)sの一覧")), description=FEDERATION_DESCRIPTION, tags=AREA_TAGS
    ),
    retrieve=extend_schema(
        summary=labelled(_("%(federation)s（%(federation)sコードで指定）")),
        description=FEDERATION_DESCRIPTION,
        tags=AREA_TAGS,
    ),
)
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

    @extend_schema(
        summary=labelled(_("%(area)sの世帯数調査票（Excel）")),
        operation_id="wards_entry_sheet_xlsx",
        description=labelled(
            _(
                "%(area)sの活動中の町内会の一覧に前回の世帯数を添えた記入用の Excel ファイル。記入したものは"
                " POST /api/v1/counts/import/ でそのまま取り込めます。その%(area)sの職員と市の管理者だけが"
                "取得でき、ほかの%(area)sは 404 になります。"
            )
        ),
        tags=[_("世帯数")],
        parameters=[
            OpenApiParameter("code", str, OpenApiParameter.PATH, pattern=f"^{WARD_CODE_REGEX}$"),
            OpenApiParameter(
                "survey_date",
                SURVEY_DATE_SCHEMA,
                description=_("集める調査の調査基準日（省略時は直近の調査を前回として表示）"),
            ),
        ],
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request, code: str):
        ward = policy.get_ward_for_edit(request.user, code)  # 404 outside the user's wards
        survey_date = optional_date(request, "survey_date")
        workbook = exporter.ward_template(ward=ward, actor=request.user, survey_date=survey_date)
        day = survey_date.isoformat() if survey_date else "latest"
        return workbook_response(workbook, filename=f"counts-{ward.code}-{day}.xlsx")


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


GEOJSON_SCHEMA = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "attribution": {"type": "string", "description": _("境界データの出典")},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {"type": "string"},
                    "geometry": {"type": "object", "description": "GeoJSON geometry (EPSG:4326)"},
                    "properties": {
                        "type": "object",
                        "required": ["code", "name"],
                        "properties": {
                            "code": {"type": "string"},
                            "name": {"type": "string"},
                            "romaji": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}


class WardBoundariesView(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        summary=labelled(_("%(area)sの境界（GeoJSON）")),
        operation_id="wards_geojson",
        description=labelled(
            _(
                "%(area)sの境界を GeoJSON の FeatureCollection で返します。Web 表示用に簡略化した形"
                "（隣り合う%(area)sの境界は一度だけ簡略化されるので、すき間や重なりはできません）、座標は"
                " EPSG:4326 で小数5桁。properties に%(area)sコード（code）と名前（name）。境界がまだ取り込まれて"
                "いなければ features は空です。"
            )
        ),
        tags=AREA_TAGS,
        responses={
            (200, "application/geo+json"): OpenApiResponse(
                response=GEOJSON_SCHEMA,
                examples=[
                    OpenApiExample(
                        "〇〇区",  # i18n: data (a fictional area)
                        value={
                            "type": "FeatureCollection",
                            "attribution": "出典：『国土数値情報（行政区域データ）』（国土交通省）を加工して作成",  # i18n: data
                            "features": [
                                {
                                    "type": "Feature",
                                    "id": "12345",
                                    "geometry": {
                                        "type": "Polygon",
                                        "coordinates": [
                                            [[135.0, 35.0], [135.1, 35.0], [135.1, 35.1], [135.0, 35.0]]
                                        ],
                                    },
                                    "properties": {
                                        "code": "12345",
                                        "name": "〇〇区",  # i18n: data (a fictional area)
                                        "romaji": "Marumaru-ku",
                                    },
                                }
                            ],
                        },
                    )
                ],
            )
        },
    )
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
