"""OpenAPI documentation of the geography endpoints: texts name the levels as the loaded city does
(chonaikai.cities.texts); the examples are a fictional city's."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema_view

from chonaikai.cities.texts import labelled
from chonaikai.downloads import XLSX_MEDIA_TYPE

from ..common import WARD_CODE_REGEX
from ..fields import SURVEY_DATE_SCHEMA
from ..schema import AREA_TAG, COUNTS_TAG, tagged

operation = tagged(AREA_TAG)

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

WARDS = extend_schema_view(
    list=operation(
        summary=labelled(_("%(area)sの一覧")), description=WARD_DESCRIPTION, examples=[WARD_EXAMPLE]
    ),
    retrieve=operation(
        summary=labelled(_("%(area)s（%(area)sコードで指定）")),
        description=WARD_DESCRIPTION,
        examples=[WARD_EXAMPLE],
    ),
)
DISTRICTS = extend_schema_view(
    list=operation(summary=labelled(_("%(district)s地区の一覧")), description=DISTRICT_DESCRIPTION),
    retrieve=operation(
        summary=labelled(_("%(district)s地区（地区コードで指定）")), description=DISTRICT_DESCRIPTION
    ),
)
FEDERATIONS = extend_schema_view(
    list=operation(summary=labelled(_("%(federation)sの一覧")), description=FEDERATION_DESCRIPTION),
    retrieve=operation(
        summary=labelled(_("%(federation)s（%(federation)sコードで指定）")),
        description=FEDERATION_DESCRIPTION,
    ),
)

ENTRY_SHEET = tagged(COUNTS_TAG)(
    summary=labelled(_("%(area)sの世帯数調査票（Excel）")),
    operation_id="wards_entry_sheet_xlsx",
    description=labelled(
        _(
            "%(area)sの活動中の町内会の一覧に前回の世帯数を添えた記入用の Excel ファイル。記入したものは"
            " POST /api/v1/counts/import/ でそのまま取り込めます。その%(area)sの職員と市の管理者だけが"
            "取得でき、ほかの%(area)sは 404 になります。"
        )
    ),
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

BOUNDARIES = operation(
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
