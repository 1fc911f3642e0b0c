"""Statistics: the membership table (JSON, CSV, Excel), the city's published table, the plan's
target and the survey dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.associations import selectors
from chonaikai.associations.selectors import Level
from chonaikai.associations.stats import exporter, membership_export, publication
from chonaikai.calendar import fiscal_year_of
from chonaikai.cities.texts import words
from chonaikai.downloads import csv_response, workbook_response
from chonaikai.files import xlsx
from wards.models import Ward

from ..common import BinaryRenderer, CSVRenderer, choice, optional_code, optional_date
from ..errors import ApiError
from . import schema
from .schema import LEVELS
from .serializers import MembershipStatsSerializer, TargetSerializer


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


class MembershipStatsView(APIView):
    permission_classes = [permissions.AllowAny]

    @schema.MEMBERSHIP
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


def _cell(row, column):
    value = membership_export.value(row, column)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return "" if value is None else value


class MembershipStatsCSVView(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [CSVRenderer, JSONRenderer]

    @schema.MEMBERSHIP_CSV
    def get(self, request):
        table = membership_table(request)
        rows = [[xlsx.excel_safe(_cell(r, c)) for c in membership_export.COLUMNS] for r in table.results]
        return csv_response(membership_export.COLUMNS, rows, filename=_filename(table, "csv"))


class MembershipStatsXLSXView(APIView):
    permission_classes = [permissions.AllowAny]
    renderer_classes = [BinaryRenderer, JSONRenderer]

    @schema.MEMBERSHIP_XLSX
    def get(self, request):
        table = membership_table(request)
        workbook = membership_export.workbook(table.results, survey_date=table.survey_date)
        return workbook_response(workbook, filename=_filename(table, "xlsx"))


def _filename(table: MembershipTable, suffix: str) -> str:
    ward = f"-{table.ward.code}" if table.ward else ""
    return f"membership-{table.survey_date.isoformat()}-{table.level}{ward}.{suffix}"


class CitySummaryXLSXView(APIView):
    """The city's published table, as chonaikai.associations.stats.exporter writes it."""

    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [BinaryRenderer, JSONRenderer]

    @schema.CITY_SUMMARY
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

    @schema.TARGET
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

    @schema.SURVEY_DATES
    def get(self, request):
        return Response(
            [
                {"survey_date": d.isoformat(), "fiscal_year": fiscal_year_of(d)}
                for d in selectors.survey_dates()
            ]
        )
