"""2a. Cells: text, codes and counts as written in a file (no database).

Part of the importer package (see its docstring); every name is re-exported there."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from chonaikai import codes
from chonaikai.calendar import japanese_date

from ...code_format import DEFAULT_NUMBER_DIGITS
from .base import (
    _BRACKETS,
    _COUNT_TEXT_MAX,
    _ESCAPED_START,
    _INTEGER_RE,
    _TOTAL_MARK,
    COUNT_MAX,
    TOTAL_LABELS,
    Issue,
    _error,
)

# ---------------------------------------------------------------------------------------------
# 2. Parsing (no database)
# ---------------------------------------------------------------------------------------------


class _CellError(ValueError):
    pass


def _fold(value) -> str:
    """A cell as text with width folded (NFKC) and surrounding space (incl. 　) removed."""
    if value is None:
        return ""
    if type(value) is str:
        # NFKC leaves ASCII as it is; skipping it for ASCII cells halves the parse of a large file.
        return value.strip() if value.isascii() else unicodedata.normalize("NFKC", value).strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


# C0 controls but tab, line feed and carriage return (a note typed in a cell may hold a line break).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value) -> str:
    """A text cell as written (only surrounding space removed, and our export escape undone)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith(_ESCAPED_START):
        text = text[1:]
    return text


def _header_key(value) -> str:
    return "".join(_fold(value).split())


def normalize_code(value, digits: int = DEFAULT_NUMBER_DIGITS) -> str:
    """A code cell → 12345-0001 (chonaikai.codes, shared with boundary files; `digits` the number's
    width, the city's: RowStream's code_digits): 「１２３４５－０００１」, 「 12345ー0001 」, 123450001 …;
    a number cell 123450001.0 is read as 123450001."""
    return codes.normalize_association_code(_text(value), digits)


def parse_count(value) -> int | None:
    """A household count from a cell: None when blank; _CellError with a Japanese message if not a count.

    Accepts integers, whole floats (Excel stores every number as a float), and text with
    full-width digits, thousands separators (1,234 / １，２３４) and surrounding spaces.
    """
    if value is None:
        return None
    if type(value) is str and value.isdigit() and value.isascii() and len(value) < 10:
        return int(value)  # plain digits, as every branch below would read them (and below COUNT_MAX)
    if isinstance(value, bool):  # before int: True is an int
        raise _CellError(_("数値ではありません（「%(value)s」）。") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _CellError(_("数値ではありません。"))
        if not value.is_integer():
            raise _CellError(_("世帯数は整数で入力してください（%(value)s）。") % {"value": f"{value:g}"})
        number = int(value)
    elif isinstance(value, str):
        text = _fold(value)
        if not text:
            return None
        number = _parse_count_text(text, original=value.strip())
    else:  # dates, times
        raise _CellError(_("数値ではありません（「%(value)s」）。") % {"value": value})
    if number < 0:
        raise _CellError(_("負の数は入力できません（%(number)s）。") % {"number": f"{number:,}"})
    if number > COUNT_MAX:
        raise _CellError(_("数が大きすぎます（%(number)s）。") % {"number": f"{number:,}"})
    return number


def _parse_count_text(text: str, *, original: str) -> int:
    if len(text) > _COUNT_TEXT_MAX:  # int() refuses 4,300 digits and more; no count is this long
        if _INTEGER_RE.fullmatch(text.lstrip("-−△▲").strip()):  # i18n: data
            raise _CellError(_("数が大きすぎます（%(value)s）。") % {"value": _quoted(original)})
        raise _CellError(_("数値ではありません（「%(value)s」）。") % {"value": _quoted(original)})
    if text.isdigit() and text.isascii():  # the common case, as the pattern below would read it
        return int(text)
    sign = ""
    if text[0] in "-−△▲":  # △ and ▲ are how Japanese tables write a minus  # i18n: data
        sign, text = "-", text[1:].strip()
    match = _INTEGER_RE.fullmatch(text)
    if not match:
        raise _CellError(_("数値ではありません（「%(value)s」）。") % {"value": _quoted(original)})
    whole, fraction = match.groups()
    if fraction and fraction.strip("0"):
        raise _CellError(_("世帯数は整数で入力してください（%(value)s）。") % {"value": _quoted(original)})
    return int(sign + whole.replace(",", ""))


def _quoted(text: str, limit: int = 40) -> str:
    """A cell's text as quoted in a message: at most `limit` characters, so that a 100,000-character
    cell gives a message of a line, not of 100 KB."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _count_cell(raw, column: str, row_issues: list[Issue], where: dict) -> int | None:
    """parse_count of a count cell; its problem (not a number, blank …) added to `row_issues`."""
    try:
        number = parse_count(raw)
    except _CellError as e:
        row_issues.append(_error(str(e), **where, column=column))
        return None
    if number is None:
        row_issues.append(_error(_("%(column)sが空欄です。") % {"column": column}, **where, column=column))
    return number


def _row_list(numbers: list[int], limit: int = 10) -> str:
    return _list_separator().join(str(n) for n in numbers[:limit]) + ("…" if len(numbers) > limit else "")


def _both(day: dt.date) -> str:
    """令和8年1月1日（2026-01-01）: as a title writes it and as the survey date is chosen."""
    return f"{japanese_date(day)}（{day:%Y-%m-%d}）"  # i18n: data


def _is_total(code: str, name: str) -> bool:
    """A total or subtotal row: its code or name is a total label (合計, 計, 小計 …), or it has no code
    (or a code cell saying so) and its label ends in 計: 「〇〇区　計」, 「（○○連合町内会　小計）」."""
    if _TOTAL_MARK not in code and _TOTAL_MARK not in name:
        # Every total label has 計, the only character whose NFKC form holds 計 (a test checks
        # this over all of Unicode): a row without it is not a total, and need not be folded.
        return False
    if code and codes.looks_like_association_code(code):
        return False
    code_label = _header_key(code).strip(_BRACKETS)
    name_label = _header_key(name).strip(_BRACKETS)
    if code_label in TOTAL_LABELS or name_label in TOTAL_LABELS:
        return True
    return code_label.endswith(_TOTAL_MARK) or (not code and name_label.endswith(_TOTAL_MARK))


def _list_separator() -> str:
    return pgettext("list separator", "、")
