"""Codes as people and files write them → one written form: association codes (町内会コード,
<area code, 5 digits>-<number>, the number's width set by the city profile) and 5-digit
local-government codes (全国地方公共団体コード).

One normaliser for every file that carries association codes: the counts importer
(associations.imports.importer.normalize_code) and boundary files (wards.boundaries.normalise_area_code);
and one for municipality and ward codes (boundary files, and the city profile to come).
It lives here, outside both apps, so that wards need not import associations; it imports no app:
callers pass the number's width (city().association_number_digits).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Hyphens, dashes and the long-vowel marks people type between the two parts (after NFKC, which
# turns the half-width ｰ into ー and the full-width － into -).
DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー－ｰ", "-"))  # i18n: data
AREA_CODE_DIGITS = 5


@cache
def association_code_re(digits: int) -> re.Pattern:
    """<5-digit area code>-<number of `digits` digits>, for fullmatch.

    [0-9], not \\d: \\d would also take Arabic-Indic and other digits that NFKC leaves alone.
    """
    if not 1 <= digits <= 9:
        raise ValueError(f"an association number has 1 to 9 digits, not {digits}")
    return re.compile(rf"[0-9]{{{AREA_CODE_DIGITS}}}-[0-9]{{{digits}}}")


def association_code_pattern(digits: int) -> str:
    """The same format as a regular expression anchored at both ends (schemas, form fields)."""
    return f"^{association_code_re(digits).pattern}$"


def association_code_example(digits: int, area_code: str = "12345") -> str:
    """A code to show in a message: 12345-0001 (digits=4); the area code fictional unless given."""
    return format_association_code(area_code, 1, digits)


def is_association_code(text: str, digits: int) -> bool:
    return association_code_re(digits).fullmatch(text) is not None


def format_association_code(area_code: str, number: int, digits: int) -> str | None:
    """12345, 1, 4 → 12345-0001; None when `number` does not fit in `digits` digits."""
    if not 1 <= number < 10**digits:
        return None
    return f"{area_code}-{number:0{digits}d}"


def normalize_association_code(text: str, digits: int) -> str:
    """「１２３４５－０００１」, 「 12345ー0001 」, 「12345 - 0001」, 「123450001」 → 12345-0001 (digits=4).

    Width folded (NFKC), every dash made "-", spaces (also 　) removed, and 5 + `digits` digits
    without a dash split after the area code. Text that is not a code comes back folded in the
    same way, for the caller to refuse.
    """
    text = _folded(text)
    if len(text) == AREA_CODE_DIGITS + digits and text.isdigit() and text.isascii():
        text = f"{text[:AREA_CODE_DIGITS]}-{text[AREA_CODE_DIGITS:]}"
    return text


def _folded(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.translate(DASHES).split())


_ANY_WIDTH_RE = re.compile(rf"[0-9]{{{AREA_CODE_DIGITS}}}-?[0-9]{{1,9}}")


def looks_like_association_code(text: str) -> bool:
    """Whether `text` has the shape of an association code of any width (5 digits, a dash, 1 to 9
    digits; or those digits without the dash): for telling a data row from a heading, not for
    accepting a code."""
    return _ANY_WIDTH_RE.fullmatch(_folded(text)) is not None


def normalize_municipality_code(value) -> str | None:
    """A 5-digit local-government code from a file value: 4101 → 04101; 041017 (check digit) → 04101.

    Numbers read from spreadsheets (4101.0) and full-width digits are accepted; anything else is None.
    """
    text = cell_text(value)
    if text is None or not text.isdigit() or not text.isascii():
        return None
    if len(text) < 5:
        text = text.zfill(5)
    if len(text) == 6 and check_digit(text[:5]) == int(text[5]):
        text = text[:5]
    return text if len(text) == 5 else None


def check_digit(code5: str) -> int:
    """全国地方公共団体コードの検査数字: weights 6-2, modulus 11 (04101 → 7, 13101 → 6)."""
    total = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def cell_text(value) -> str | None:
    """A file value as code text: None for missing values, 4101.0 → "4101", full-width → half-width."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()
