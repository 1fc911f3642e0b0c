"""Open data: ward and city membership for every survey date, as the city publishes it (CC BY 4.0).

Anonymous and aggregated only: no association, no person, no area with fewer households than
the city's threshold (publication.min_households()). The figures are chonaikai.associations.stats.publication's
published series (one rule with the API, pages and maps, including the city total when it would
give a withheld ward away). The licence and the credit line travel with the data: JSON fields, and
for the CSV `Link` (rel="license", rel="describedby") and `X-License` / `X-Attribution` headers,
so that the CSV itself stays a plain table that any tool reads.

Sample data: every row that sums a sample association's count has `sample` true (CSV: サンプル 1).
While the database holds any sample data (seed_demo), the dataset is not the city's: no publisher,
no licence, a title and attribution that say the figures are synthetic, and `synthetic` true (CSV:
`X-Synthetic-Data: true`, no `X-License` and no license link).

Spreadsheets: the CSV keeps the 5-digit code in コード and repeats it as コード（文字列） with a
leading "C" (C01234). pandas and LibreOffice read a column of digits as numbers and drop the
leading zero whatever the quoting; a letter keeps the column text in every tool without options,
and removing the "C" gives the code back. The denominator is a column (加入率の分母), not a comment
line, so that the file stays one plain table.
"""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.associations import survey
from chonaikai.associations.selectors import Level
from chonaikai.associations.stats import publication
from chonaikai.cities.current import city
from chonaikai.cities.texts import labelled
from chonaikai.downloads import CSV_MEDIA_TYPE, code_text, csv_response
from chonaikai.files import xlsx

from .common import CSVRenderer

# The dataset itself (title, licence, credit line, notes, CSV headings, level names) is the city's
# Japanese publication: the same bytes for every caller whatever language they chose, so that it can
# be cached publicly and compared between downloads. Only the API documentation is translated.
LICENSE_ID = "CC-BY-4.0"
LICENSE_NAME = "クリエイティブ・コモンズ 表示 4.0 国際 ライセンス（CC BY 4.0）"  # i18n: data
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"
DATASET_TITLE = "町内会・自治会 加入状況（%(area)s別・全市）"  # i18n: data (the city's area_label fills it)
SAMPLE_PREFIX = "【サンプルデータ・架空の数値】"  # i18n: data
SAMPLE_ATTRIBUTION = (
    "サンプルデータ（manage.py seed_demo が作った架空の数値）。実在の町内会・自治会の加入状況ではなく、"  # i18n: data
    "どの自治体の公表値でもありません。"  # i18n: data
)
SAMPLE_NOTE = (
    "この環境にはサンプルデータがあります。sample（CSV の「サンプル」）が true / 1 の行は、サンプルの"  # i18n: data
    "町内会の世帯数を合計した架空の数値です。出典やライセンスを付けて公表しないでください。"  # i18n: data
)
DENOMINATOR = "区域内世帯数"  # i18n: data
TAGS = [_("オープンデータ")]
# Public data for any web page to fetch: no credentials are involved.
OPEN_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}

CSV_HEADINGS = [  # i18n: data
    "調査基準日",
    "年度",
    "区分",
    "コード",
    "名称",
    "町内会数",
    "区域内世帯数",
    "加入世帯数",
    "加入率（%）",
    "非公表",
    "サンプル",
    "コード（文字列）",
    "加入率の分母",
]
CITY_LEVEL_LABEL = "全市"  # i18n: data


def level_label(level) -> str:
    """全市, or the city's own word for its areas (区, 市 …) as the profile writes it (data, in Japanese)."""
    return CITY_LEVEL_LABEL if level == Level.CITY else city().area_label


def title(*, synthetic: bool) -> str:
    text = DATASET_TITLE % {"area": city().area_label}
    return f"{SAMPLE_PREFIX}{text}" if synthetic else text


def attribution() -> str:
    return f"出典：{city().name}「町内会・自治会 加入状況」（{LICENSE_ID}）"  # i18n: data


def records() -> list:
    """Every survey date, oldest first; per date the city (its code sorts first), then the wards."""
    return publication.published_series(min_households=publication.min_households())


def notes(minimum: int, *, synthetic: bool) -> str:
    month, day = survey.survey_month_day()
    text = (
        "加入率（%）= 加入世帯数 ÷ 区域内世帯数（町内会・自治会の区域内の世帯数）×100、小数第3位を四捨五入。"  # i18n: data
        f"年度は4月1日から翌年3月31日まで（{month}月{day}日の調査はその日を含む年度）。区域内世帯数が"  # i18n: data
        f"{minimum}世帯未満の区域は数値を公表しません（suppressed。ページや地図では「{withheld()}」）。"  # i18n: data
    )
    return f"{SAMPLE_NOTE}{text}" if synthetic else text


def withheld() -> str:
    """The one wording of a withheld figure, in Japanese whatever the caller's language (data)."""
    with translation.override("ja"):
        return str(publication.WITHHELD)


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


class OpenDataJSONView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []  # the same answer for everyone: never personal, never per user

    @extend_schema(
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
        tags=TAGS,
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
    def get(self, request):
        minimum = publication.min_households()
        synthetic = publication.sample_data_present()
        body = {
            "title": title(synthetic=synthetic),
            "synthetic": synthetic,
            "publisher": None if synthetic else city().name,
            "license": None if synthetic else {"id": LICENSE_ID, "name": LICENSE_NAME, "url": LICENSE_URL},
            "attribution": SAMPLE_ATTRIBUTION if synthetic else attribution(),
            "notes": notes(minimum, synthetic=synthetic),
            "suppression_min_households": minimum,
            "records": records(),
        }
        return Response(OpenDataSerializer(body).data, headers=OPEN_HEADERS)


class OpenDataCSVView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    renderer_classes = [CSVRenderer, JSONRenderer]

    @extend_schema(
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
        tags=TAGS,
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
    def get(self, request):
        rows = [
            [
                r.survey_date.isoformat(),
                r.fiscal_year,
                level_label(r.level),
                r.code,
                xlsx.excel_safe(r.name),
                _blank(r.associations),
                _blank(r.households),
                _blank(r.member_households),
                _blank(r.rate),
                int(r.suppressed),
                int(r.sample),
                code_text(r.code),
                DENOMINATOR,
            ]
            for r in records()
        ]
        synthetic = publication.sample_data_present()
        response = csv_response(CSV_HEADINGS, rows, filename="chonaikai-membership.csv")
        json_url = request.build_absolute_uri(reverse("api:opendata-membership-json"))
        if synthetic:
            response["Link"] = f'<{json_url}>; rel="describedby"'
        else:
            response["Link"] = f'<{LICENSE_URL}>; rel="license", <{json_url}>; rel="describedby"'
            response["X-License"] = LICENSE_ID
        response["X-Synthetic-Data"] = "true" if synthetic else "false"
        response["X-Attribution"] = quote(SAMPLE_ATTRIBUTION if synthetic else attribution())
        for name, value in OPEN_HEADERS.items():
            response[name] = value
        return response


def _blank(value):
    return "" if value is None else value
