"""Small helpers shared by the API views: path patterns, query-parameter parsing and renderers (files:
chonaikai.downloads)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.renderers import BaseRenderer

from chonaikai.downloads import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE

from .fields import OUT_OF_RANGE, in_survey_range

# Path segments of the routes (api.urls, the viewsets' lookups, the schema's path parameters).
WARD_CODE_REGEX = r"[0-9]{5}"
DATE_REGEX = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


class BinaryRenderer(BaseRenderer):
    """Lets content negotiation accept `Accept: <xlsx>`; the views return the bytes themselves."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVRenderer(BaseRenderer):
    """Lets content negotiation accept `Accept: text/csv`; the views return the text themselves."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def parse_date(value: str, name: str) -> dt.date:
    """A survey date from the URL: YYYY-MM-DD within the supported range, else a 400 naming `name`."""
    try:
        day = dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise exceptions.ValidationError(
            {name: [_("日付は YYYY-MM-DD の形で指定してください（例: 2024-01-01）。")]}
        )
    if not in_survey_range(day):
        raise exceptions.ValidationError({name: [str(OUT_OF_RANGE)]})
    return day


def path_date_or_404(value: str) -> dt.date:
    """A date in a resource's URL: one that cannot exist names no resource (404, not 400)."""
    try:
        return parse_date(value, "survey_date")
    except exceptions.ValidationError:
        raise exceptions.NotFound() from None


def optional_date(request, name: str) -> dt.date | None:
    """A date query parameter: absent is None; present, it must be a supported date ("" included)."""
    value = request.query_params.get(name)
    return None if value is None else parse_date(value, name)


def optional_code(request, name: str, pattern: str) -> str | None:
    """A code query parameter: absent is None; present, it must match `pattern` ("" included)."""
    value = request.query_params.get(name)
    if value is None:
        return None
    if not re.fullmatch(pattern, value):
        raise exceptions.ValidationError(
            {name: [_("「%(value)s」はコードの形式ではありません。") % {"value": value}]}
        )
    return value


def choice(request, name: str, choices, default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in choices:
        raise exceptions.ValidationError(
            {
                name: [
                    _("「%(value)s」は選べません。次のいずれかです: %(choices)s")
                    % {"value": value, "choices": ", ".join(choices)}
                ]
            }
        )
    return value
