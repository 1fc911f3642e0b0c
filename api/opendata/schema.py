"""OpenAPI documentation of the open data's endpoints (JSON and CSV), with a fictional city's example."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from chonaikai.cities.texts import labelled
from chonaikai.downloads import CSV_MEDIA_TYPE

from ..schema import OPENDATA_TAG, tagged
from .dataset import DATASET_TITLE, LICENSE_ID, LICENSE_NAME, LICENSE_URL
from .serializers import OpenDataSerializer

operation = tagged(OPENDATA_TAG)

JSON = operation(
    summary=_("オープンデータ: 加入状況（JSON）"),
    operation_id="opendata_membership_json",
    description=labelled(
        _(
            "%(area)s別・全市の町内会数・区域内世帯数・加入世帯数・加入率を調査基準日ごとに返します（古い順）。"
            "クリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）で提供し、利用時は attribution の出典を"
            "表示してください。区域内世帯数が suppression_min_households 未満の区域は数値を伏せます"
            "（suppressed: true）。個人情報や町内会ごとの数値は含みません。サンプルデータがあるときは"
            " synthetic が true で、publisher と license は null、sample が true の行は架空の数値です。"
        )
    ),
    auth=[],
    responses=OpenApiResponse(
        OpenDataSerializer,
        examples=[
            OpenApiExample(
                _("加入状況"),
                value={
                    "title": DATASET_TITLE % {"area": "区"},  # i18n: data
                    "synthetic": False,
                    "publisher": "〇〇市",  # i18n: data (a fictional city)
                    "license": {"id": LICENSE_ID, "name": LICENSE_NAME, "url": LICENSE_URL},
                    "attribution": "出典：〇〇市「町内会・自治会 加入状況」（CC-BY-4.0）",  # i18n: data
                    "notes": "加入率 = 加入世帯数 ÷ 区域内世帯数 …",  # i18n: data
                    "suppression_min_households": 20,
                    "records": [
                        {
                            "survey_date": "2025-01-01",
                            "fiscal_year": 2024,
                            "level": "ward",
                            "code": "12345",
                            "name": "〇〇区",  # i18n: data (a fictional area)
                            "associations": 120,
                            "households": 98000,
                            "member_households": 52000,
                            "rate": 53.06,
                            "suppressed": False,
                            "sample": False,
                        }
                    ],
                },
            )
        ],
    ),
)

CSV = operation(
    summary=_("オープンデータ: 加入状況（CSV）"),
    operation_id="opendata_membership_csv",
    description=_(
        "JSON 版と同じ内容の CSV（UTF-8、BOM 付き、見出しは日本語）。ライセンスと出典は HTTP ヘッダー"
        'で示します: Link（rel="license" にライセンス、rel="describedby" に JSON 版）、'
        "X-License（CC-BY-4.0）、X-Attribution（出典、UTF-8 をパーセントエンコード）。"
        "サンプルデータがあるときは X-Synthetic-Data: true で、ライセンスは示しません。"
        "「コード（文字列）」はコードの先頭に C を付けた形（C01234）で、表計算ソフトや pandas でも"
        "先頭の 0 が消えません。「加入率の分母」は加入率の分母（区域内世帯数）です。"
    ),
    auth=[],
    responses={
        (200, CSV_MEDIA_TYPE): OpenApiResponse(
            OpenApiTypes.STR,
            examples=[
                OpenApiExample(
                    "CSV",
                    value=(
                        "調査基準日,年度,区分,コード,名称,町内会数,区域内世帯数,加入世帯数,加入率（%）,非公表,"
                        "サンプル,コード（文字列）,加入率の分母\r\n"  # i18n: data
                        "2025-01-01,2024,全市,12340,〇〇市,2200,900000,630000,70.00,0,0,C12340,"  # i18n: data
                        "区域内世帯数\r\n"  # i18n: data
                    ),
                )
            ],
        )
    },
)
