"""Membership statistics (JSON, CSV, xlsx), the plan target's progress and the survey dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from openpyxl import Workbook
from openpyxl.styles import Font
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.associations import rules, selectors
from chonaikai.associations.selectors import Level
from chonaikai.associations.stats import exporter, publication
from chonaikai.calendar import fiscal_year_of
from chonaikai.cities.texts import labelled, words
from chonaikai.downloads import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, code_text, csv_response, workbook_response
from chonaikai.files import xlsx
from wards.models import Ward

from ..errors import ApiError
from ..fields import SURVEY_DATE_SCHEMA
from ..serializers import MembershipStatsSerializer, TargetSerializer
from .common import BinaryRenderer, CSVRenderer, choice, optional_code, optional_date

LEVELS = (Level.CITY, Level.WARD, Level.DISTRICT, Level.FEDERATION)
TAGS = [gettext_lazy("統計")]

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

# The command line's CSV columns (manage.py membership_stats --format csv), so scripts can switch.
CSV_COLUMNS = [
    "level",
    "code",
    "name",
    "survey_date",
    "fiscal_year",
    "associations",
    "households",
    "member_households",
    "rate",
    "denominator",
    "previous_survey_date",
    "change",
    "registry_households",
    "registry_rate",
    "suppressed",
    "sample",
    "code_text",
]
XLSX_HEADINGS = {  # the Excel file is for people: headings in the chosen language
    "level": gettext_lazy("単位"),
    "code": gettext_lazy("コード"),
    "name": gettext_lazy("名称"),
    "survey_date": gettext_lazy("調査基準日"),
    "fiscal_year": gettext_lazy("年度"),
    "associations": gettext_lazy("町内会数"),
    "households": gettext_lazy("区域内世帯数"),
    "member_households": gettext_lazy("加入世帯数"),
    "rate": gettext_lazy("加入率（%）"),
    "denominator": gettext_lazy("分母"),
    "previous_survey_date": gettext_lazy("前回調査基準日"),
    "change": gettext_lazy("前回比（ポイント）"),
    "registry_households": gettext_lazy("住民基本台帳世帯数"),
    "registry_rate": gettext_lazy("住民基本台帳による加入率（%）"),
    "suppressed": gettext_lazy("非公表"),
    "sample": gettext_lazy("サンプルデータ"),
    "code_text": gettext_lazy("コード（文字列）"),
}
# The workbook is for people: levels and denominators as words, not the API's codes.
LEVEL_LABELS = {
    Level.CITY: gettext_lazy("全市"),
    Level.WARD: labelled("%(area)s"),
    Level.DISTRICT: labelled(gettext_lazy("%(district)s地区")),
    Level.FEDERATION: labelled("%(federation)s"),
}
DENOMINATOR_LABELS = {
    rules.Denominator.AREA: gettext_lazy("区域内世帯数"),
    rules.Denominator.REGISTRY: gettext_lazy("住民基本台帳世帯数"),
}
TEXT_COLUMNS = ("code", "code_text")  # stored as text cells (format "@"): a code keeps its leading 0
XLSX_FORMATS = {
    "associations": exporter.COUNT_FORMAT,
    "households": exporter.COUNT_FORMAT,
    "member_households": exporter.COUNT_FORMAT,
    "registry_households": exporter.COUNT_FORMAT,
    "rate": exporter.RATE_FORMAT,
    "registry_rate": exporter.RATE_FORMAT,
    "change": exporter.CHANGE_FORMAT,
}


@dataclass(frozen=True)
class MembershipTable:
    survey_date: dt.date
    level: str
    ward: Ward | None
    suppression_min_households: int | None
    results: list


def _no_counts(day: dt.date) -> ApiError:
    return ApiError(
        _("%(date)s の世帯数は登録されていません。") % {"date": day.isoformat()},
        extra={"survey_dates": [d.isoformat() for d in selectors.survey_dates()[:10]]},
        status_code=404,
    )


def membership_table(request) -> MembershipTable:
    """Parse survey_date, level and ward; read the figures; withhold small areas from the public."""
    level = choice(request, "level", LEVELS, Level.CITY)
    ward = None
    ward_code = optional_code(request, "ward", r"[0-9]{5}")
    if ward_code is not None:
        if level == Level.CITY:
            raise ApiError(
                _("ward は level が ward / district / federation のときに指定してください。"),
                extra={"fields": {"ward": [_("level=city とは一緒に指定できません。")]}},
            )
        ward = Ward.objects.filter(code=ward_code).first()
        if ward is None:
            raise ApiError(
                _("入力内容に誤りがあります。"),
                extra={
                    "fields": {
                        "ward": [
                            _("%(area)sコード「%(code)s」の%(area)sはありません。")
                            % {**words(), "code": ward_code}
                        ]
                    }
                },
            )
    survey_date = optional_date(request, "survey_date") or selectors.latest_survey_date()
    if survey_date is None:
        raise ApiError(_("世帯数がまだ登録されていません。"), status_code=404)
    rows = selectors.membership_stats(survey_date=survey_date, level=level, ward=ward)
    if not rows and (ward is None or survey_date not in selectors.survey_dates()):
        raise _no_counts(survey_date)
    results, minimum = publication.stats_for(request.user, rows, level=level, ward=ward)
    return MembershipTable(
        survey_date=survey_date, level=level, ward=ward, suppression_min_households=minimum, results=results
    )


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


class MembershipStatsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
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
        tags=TAGS,
        parameters=STATS_PARAMETERS,
        responses=MembershipStatsSerializer,
        examples=[MEMBERSHIP_EXAMPLE],
    )
    def get(self, request):
        table = membership_table(request)
        return Response(
            MembershipStatsSerializer(
                {
                    "survey_date": table.survey_date,
                    "level": table.level,
                    "ward": table.ward.code if table.ward else None,
                    "suppression_min_households": table.suppression_min_households,
                    "results": table.results,
                }
            ).data
        )


def _value(row, column):
    if column == "code_text":
        return code_text(row.code)
    return getattr(row, column)


def _cell(row, column):
    value = _value(row, column)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return "" if value is None else value


class MembershipStatsCSVView(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [CSVRenderer, JSONRenderer]

    @extend_schema(
        summary=gettext_lazy("加入状況の集計（CSV）"),
        operation_id="stats_membership_csv",
        description=gettext_lazy(
            "加入状況の集計と同じ内容の CSV（UTF-8、BOM 付き）。列名は英語で、manage.py membership_stats"
            " --format csv と同じ名前の列は同じ内容です。sample はサンプルの町内会の世帯数を含む行（1）、"
            "code_text はコードの先頭に C を付けた形（C01234: 表計算ソフトや pandas でも先頭の 0 が"
            "消えない）です。"
        ),
        tags=TAGS,
        parameters=STATS_PARAMETERS,
        responses={(200, CSV_MEDIA_TYPE): OpenApiTypes.STR},
    )
    def get(self, request):
        table = membership_table(request)
        rows = [[xlsx.excel_safe(_cell(r, c)) for c in CSV_COLUMNS] for r in table.results]
        return csv_response(CSV_COLUMNS, rows, filename=_filename(table, "csv"))


class MembershipStatsXLSXView(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [BinaryRenderer, JSONRenderer]

    @extend_schema(
        summary=gettext_lazy("加入状況の集計（Excel）"),
        operation_id="stats_membership_xlsx",
        description=gettext_lazy(
            "加入状況の集計と同じ内容の Excel ファイル（見出しは選んだ言語、既定は日本語）。"
        ),
        tags=TAGS,
        parameters=STATS_PARAMETERS,
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request):
        table = membership_table(request)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = table.survey_date.strftime("%Y%m%d")
        sheet.append([xlsx.excel_safe(str(XLSX_HEADINGS[c])) for c in CSV_COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for row in table.results:
            sheet.append([xlsx.excel_safe(_xlsx_value(row, column)) for column in CSV_COLUMNS])
            for index, column in enumerate(CSV_COLUMNS, start=1):
                if column in XLSX_FORMATS:
                    sheet.cell(row=sheet.max_row, column=index).number_format = XLSX_FORMATS[column]
                elif column in TEXT_COLUMNS:
                    sheet.cell(row=sheet.max_row, column=index).number_format = "@"
        return workbook_response(workbook, filename=_filename(table, "xlsx"))


def _xlsx_value(row, column):
    """A workbook cell: flags as 0/1 like the CSV, levels and denominators as Japanese labels."""
    value = _value(row, column)
    if isinstance(value, bool):
        return int(value)
    if column == "level":
        return str(LEVEL_LABELS.get(value, value))
    if column == "denominator":
        return str(DENOMINATOR_LABELS.get(value, value))
    return value


def _filename(table: MembershipTable, suffix: str) -> str:
    ward = f"-{table.ward.code}" if table.ward else ""
    return f"membership-{table.survey_date.isoformat()}-{table.level}{ward}.{suffix}"


class CitySummaryXLSXView(APIView):
    """The city's published table, as chonaikai.associations.stats.exporter writes it."""

    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [BinaryRenderer, JSONRenderer]

    @extend_schema(
        summary=labelled(gettext_lazy("%(area)s別加入状況の公表様式（Excel）")),
        operation_id="stats_city_summary_xlsx",
        description=labelled(
            gettext_lazy(
                "%(area)sごとの町内会数・区域内世帯数・加入世帯数・加入率・前回比と全市の合計行を、市が公表する"
                "様式の Excel で返します（ログインした利用者のみ）。"
            )
        ),
        tags=TAGS,
        parameters=[STATS_PARAMETERS[0]],
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request):
        survey_date = optional_date(request, "survey_date") or selectors.latest_survey_date()
        if survey_date is None:
            raise ApiError(_("世帯数がまだ登録されていません。"), status_code=404)
        try:
            workbook = exporter.city_summary(survey_date=survey_date)
        except exporter.NoCounts:
            raise _no_counts(survey_date) from None
        return workbook_response(workbook, filename=f"membership-{survey_date.isoformat()}-city-summary.xlsx")


class TargetView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary=gettext_lazy("計画目標の進捗"),
        operation_id="stats_target",
        description=gettext_lazy(
            "直近の調査の全市の加入状況と、市の計画の加入世帯数の基準値・目標値、基準値から目標値までの"
            "達成割合（share_done、%）と残り（gap、世帯）。計画の値が未登録なら該当項目は null。"
        ),
        tags=TAGS,
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
    def get(self, request):
        board = selectors.city_dashboard()
        city = None
        if board.city is not None:
            city = publication.stats_for(request.user, [board.city], level=Level.CITY)[0][0]
        progress = board.progress if city is not None and not city.suppressed else None
        return Response(
            TargetSerializer(
                {"city": city, "baseline": board.baseline, "target": board.target, "progress": progress}
            ).data
        )


class SurveyDatesView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary=gettext_lazy("調査基準日の一覧"),
        description=gettext_lazy("世帯数が登録されている調査基準日（新しい順）と、その年度。"),
        tags=TAGS,
        responses=inline_serializer(
            "SurveyDate",
            {"survey_date": serializers.DateField(), "fiscal_year": serializers.IntegerField()},
            many=True,
        ),
    )
    def get(self, request):
        return Response(
            [
                {"survey_date": d.isoformat(), "fiscal_year": fiscal_year_of(d)}
                for d in selectors.survey_dates()
            ]
        )
