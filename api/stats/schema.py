"""OpenAPI documentation of the statistics' endpoints: the membership table (JSON, CSV, Excel), the
city's published table, the plan's target and the survey dates."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, inline_serializer
from rest_framework import serializers

from chonaikai.associations.selectors import Level
from chonaikai.cities.texts import labelled
from chonaikai.downloads import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE

from ..fields import SURVEY_DATE_SCHEMA
from ..schema import STATS_TAG, tagged
from .serializers import MembershipStatsSerializer, TargetSerializer

LEVELS = (Level.CITY, Level.WARD, Level.DISTRICT, Level.FEDERATION)

operation = tagged(STATS_TAG)

STATS_PARAMETERS = [
    OpenApiParameter(
        "survey_date",
        SURVEY_DATE_SCHEMA,
        description=gettext_lazy("調査基準日（YYYY-MM-DD）。省略すると直近の調査"),
    ),
    OpenApiParameter(
        "level",
        str,
        enum=list(LEVELS),
        default=Level.CITY,
        description=labelled(gettext_lazy("集計の単位: 市・%(area)s・地区・%(federation)s")),
    ),
    OpenApiParameter(
        "ward",
        str,
        pattern=r"^[0-9]{5}$",
        description=labelled(
            gettext_lazy("%(area)sコードで絞り込む（level が ward / district / federation のとき）")
        ),
    ),
]

MEMBERSHIP_EXAMPLE = OpenApiExample(  # i18n: data (sample values)
    labelled(gettext_lazy("%(area)sごと")),
    value={
        "survey_date": "2025-01-01",
        "level": "ward",
        "ward": None,
        "suppression_min_households": None,
        "results": [
            {
                "level": "ward",
                "code": "12345",
                "name": "〇〇区",  # i18n: data (a fictional area)
                "survey_date": "2025-01-01",
                "fiscal_year": 2024,
                "associations": 120,
                "households": 98000,
                "member_households": 52000,
                "rate": 53.06,
                "denominator": "area_households",
                "previous_survey_date": "2024-01-01",
                "previous_rate": 53.8,
                "change": -0.74,
                "registry_households": None,
                "registry_rate": None,
                "suppressed": False,
            }
        ],
    },
    response_only=True,
)

MEMBERSHIP = operation(
    summary=gettext_lazy("加入状況の集計"),
    operation_id="stats_membership",
    description=labelled(
        gettext_lazy(
            "調査基準日の区域内世帯数・加入世帯数・加入率と前回調査からの増減を、市・%(area)s・"
            "地区・%(federation)sの単位で返します。加入率 = 加入世帯数 ÷ 区域内世帯数"
            "（%%、小数第3位を四捨五入）。ログインしていない利用者には、区域内世帯数が"
            "公表する最小世帯数（市の設定。suppression_min_households）未満の区域の数値を伏せて（suppressed: true）返します。"
        )
    ),
    parameters=STATS_PARAMETERS,
    responses=MembershipStatsSerializer,
    examples=[MEMBERSHIP_EXAMPLE],
)

MEMBERSHIP_CSV = operation(
    summary=gettext_lazy("加入状況の集計（CSV）"),
    operation_id="stats_membership_csv",
    description=gettext_lazy(
        "加入状況の集計と同じ内容の CSV（UTF-8、BOM 付き）。列名は英語で、manage.py membership_stats"
        " --format csv と同じ名前の列は同じ内容です。sample はサンプルの町内会の世帯数を含む行（1）、"
        "code_text はコードの先頭に C を付けた形（C01234: 表計算ソフトや pandas でも先頭の 0 が"
        "消えない）です。"
    ),
    parameters=STATS_PARAMETERS,
    responses={(200, CSV_MEDIA_TYPE): OpenApiTypes.STR},
)

MEMBERSHIP_XLSX = operation(
    summary=gettext_lazy("加入状況の集計（Excel）"),
    operation_id="stats_membership_xlsx",
    description=gettext_lazy(
        "加入状況の集計と同じ内容の Excel ファイル（見出しは選んだ言語、既定は日本語）。"
    ),
    parameters=STATS_PARAMETERS,
    responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
)

CITY_SUMMARY = operation(
    summary=labelled(gettext_lazy("%(area)s別加入状況の公表様式（Excel）")),
    operation_id="stats_city_summary_xlsx",
    description=labelled(
        gettext_lazy(
            "%(area)sごとの町内会数・区域内世帯数・加入世帯数・加入率・前回比と全市の合計行を、市が公表する"
            "様式の Excel で返します（ログインした利用者のみ）。"
        )
    ),
    parameters=[STATS_PARAMETERS[0]],
    responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
)

TARGET = operation(
    summary=gettext_lazy("計画目標の進捗"),
    operation_id="stats_target",
    description=gettext_lazy(
        "直近の調査の全市の加入状況と、市の計画の加入世帯数の基準値・目標値、基準値から目標値までの"
        "達成割合（share_done、%）と残り（gap、世帯）。計画の値が未登録なら該当項目は null。"
    ),
    responses=TargetSerializer,
    examples=[
        OpenApiExample(
            gettext_lazy("進捗"),
            value={
                "survey_date": "2025-01-01",
                "city": None,
                "baseline": {
                    "fiscal_year": 2022,
                    "value": 100000,
                    "source": "〇〇市まちづくり計画",  # i18n: data (a fictional plan)
                },
                "target": {"fiscal_year": 2028, "value": 110000, "source": ""},
                "progress": {
                    "baseline": 100000,
                    "target": 110000,
                    "current": 103000,
                    "gap": 7000,
                    "share_done": 30.0,
                },
            },
            response_only=True,
        )
    ],
)

SURVEY_DATES = operation(
    summary=gettext_lazy("調査基準日の一覧"),
    description=gettext_lazy("世帯数が登録されている調査基準日（新しい順）と、その年度。"),
    responses=inline_serializer(
        "SurveyDate",
        {"survey_date": serializers.DateField(), "fiscal_year": serializers.IntegerField()},
        many=True,
    ),
)
