"""Input fields that take JSON types as the schema states them, and the supported survey dates.

DRF's fields are lenient on purpose (they also parse HTML forms): "12" is an integer, "yes" a
boolean, 12 a string. JSON bodies here are strict, so that what the OpenAPI schema promises is
what the API accepts, and a script with a type error hears about it rather than having a value
guessed. (The counts import takes a multipart form and keeps DRF's form fields.)
"""

from __future__ import annotations

import datetime as dt
import decimal

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chonaikai.associations import code_format
from chonaikai.calendar import ERAS

# Survey dates the system can name (japanese_date knows 昭和 onwards) and plausibly needs.
SURVEY_DATE_MIN = dt.date(1930, 1, 1)
SURVEY_DATE_MAX = dt.date(2999, 12, 31)
# The same range as a pattern, so that the schema says it too.
SURVEY_DATE_PATTERN = r"^(19[3-9][0-9]|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
SURVEY_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": SURVEY_DATE_PATTERN}
assert ERAS[-1].start <= SURVEY_DATE_MIN  # every supported date has an era name

# Lazy as a whole: `lazy_string % values` would fix the language at import time.
OUT_OF_RANGE = lazy(
    lambda: (
        _("%(min)s から %(max)s までの日付を指定してください。")
        % {"min": SURVEY_DATE_MIN.isoformat(), "max": SURVEY_DATE_MAX.isoformat()}
    ),
    str,
)()


def in_survey_range(day: dt.date) -> bool:
    return SURVEY_DATE_MIN <= day <= SURVEY_DATE_MAX


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictRegexField(serializers.RegexField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# Any width in the schema (generated without a city); the field holds a value to the loaded city's.
ASSOCIATION_CODE_SCHEMA = {"type": "string", "pattern": r"^[0-9]{5}-[0-9]{1,9}$", "example": "12345-0001"}


@extend_schema_field(ASSOCIATION_CODE_SCHEMA)
class AssociationCodeField(StrictCharField):
    """An association code in the loaded city's format (code_format); a refusal states the format."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not code_format.is_association_code(value):
            raise serializers.ValidationError(code_format.format_message(), code="invalid")
        return value


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictDecimalField(serializers.DecimalField):
    """A JSON number (the schema says number, not DRF's default decimal-as-string)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce_to_string", False)
        super().__init__(*args, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | decimal.Decimal):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


@extend_schema_field(SURVEY_DATE_SCHEMA)
class SurveyDateField(StrictDateField):
    """A survey date (or a round's deadline) in the supported range."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not in_survey_range(day):
            raise serializers.ValidationError(OUT_OF_RANGE)
        return day


class FormBooleanField(serializers.BooleanField):
    """A boolean in a multipart form: "true" or "false" (as OpenAPI encodes one), nothing else."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid", input=data)


@extend_schema_field(SURVEY_DATE_SCHEMA)
class FormSurveyDateField(serializers.DateField):
    """SurveyDateField for multipart forms, where every value is a string."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not in_survey_range(day):
            raise serializers.ValidationError(OUT_OF_RANGE)
        return day


class FormCodeField(serializers.RegexField):
    """A code in a multipart form: DRF skips an empty optional form value; here, given means checked."""

    def get_value(self, dictionary):
        if self.field_name in dictionary:
            return dictionary[self.field_name]
        return super().get_value(dictionary)
