"""The loaded city's association code format (町内会コード): <area code, 5 digits>-<number>, the
number city().association_number_digits digits wide (the profile's association_code.number_digits).

chonaikai.codes holds the format itself (the width passed in, so that it imports no app); this
module binds it to the loaded city for the importer, the API, the registry and the model.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from chonaikai import codes
from chonaikai.cities.current import city, labels
from chonaikai.cities.models import City

# The longest code a city's profile allows: 5 digits, the dash, a number of at most 9 digits.
CODE_MAX_LENGTH = codes.AREA_CODE_DIGITS + 1 + 9

# The width when no city is at hand (parsing a file without the database: RowStream's default);
# the model's default, not any city's.
DEFAULT_NUMBER_DIGITS = City._meta.get_field("association_number_digits").default


def number_digits() -> int:
    return city().association_number_digits


def code_re() -> re.Pattern:
    """The compiled format, for fullmatch (cached per width in chonaikai.codes)."""
    return codes.association_code_re(number_digits())


def is_association_code(text: str) -> bool:
    return codes.is_association_code(text, number_digits())


def normalize(text: str) -> str:
    """A code as typed or read from a file → its written form (chonaikai.codes)."""
    return codes.normalize_association_code(text, number_digits())


def code_for(area_code: str, number: int) -> str | None:
    """The code of association `number` of an area; None when the number does not fit."""
    return codes.format_association_code(area_code, number, number_digits())


def example() -> str:
    """The first code of the city's first area (12345-0001 while it has none)."""
    from wards.models import Ward

    area_code = Ward.objects.order_by("code").values_list("code", flat=True).first()
    if area_code is None:
        return codes.association_code_example(number_digits())
    return codes.association_code_example(number_digits(), area_code)


def format_message() -> str:
    """The format, for a refusal: 町内会コードは「区コード5桁-番号4桁」の形式です（例: …）。"""
    return _("町内会コードは「%(area)sコード5桁-番号%(digits)s桁」の形式です（例: %(example)s）。") % {
        "area": labels().area,
        "digits": number_digits(),
        "example": example(),
    }


@deconstructible
class AssociationCodeValidator:
    """The model's validator: the format of the city loaded when the value is checked."""

    def __call__(self, value) -> None:
        if not isinstance(value, str) or not is_association_code(value):
            raise ValidationError(format_message(), code="invalid")

    def __eq__(self, other) -> bool:
        return isinstance(other, AssociationCodeValidator)

    def __hash__(self) -> int:
        return hash(AssociationCodeValidator)
