"""Open data: ward and city membership for every survey date, as JSON and as CSV (the dataset and
why it is shaped so: api.opendata.dataset)."""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chonaikai.associations.stats import publication
from chonaikai.cities.current import city
from chonaikai.downloads import code_text, csv_response
from chonaikai.files import xlsx

from ..common import CSVRenderer
from . import schema
from .dataset import (
    CSV_HEADINGS,
    DENOMINATOR,
    LICENSE_ID,
    LICENSE_NAME,
    LICENSE_URL,
    OPEN_HEADERS,
    SAMPLE_ATTRIBUTION,
    attribution,
    level_label,
    notes,
    records,
    title,
)
from .serializers import OpenDataSerializer


class OpenDataJSONView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes = []  # the same answer for everyone: never personal, never per user

    @schema.JSON
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

    @schema.CSV
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
