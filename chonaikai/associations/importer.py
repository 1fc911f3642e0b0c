"""Household-count files (町内会別世帯数) → a Preview: read, parse, check. Nothing here writes.

Three steps, each usable on its own:

1. `read_tables(data, filename)`: the cells of every sheet. .xlsx/.xlsm through python-calamine
   (about 10× faster than openpyxl and it never evaluates anything), after spreadsheet.check_workbook
   has bounded what it will allocate (no file can take the process down); .csv in UTF-8, UTF-8 with
   BOM or Shift_JIS (CP932), detected here, with csv's own errors as row messages.
2. `parse_tables(tables)`: find the header row (in the first 10 rows of each sheet, columns in any
   order) and turn each row into a ParsedRow: the code, name, counts and note, with problems of
   the cells themselves (not a number, negative, 12.5 …). No database.
3. `check_rows(parsed, survey_date=…, actor=…, ward=…)`: one query for the associations by code, one
   for the counts already held for the survey date, and the policy (at most one more query, for
   the user's role); gives a Preview: for every row the current value, the new one and the change.

`preview_file()` does all three. `services.counts_import_commit()` runs step 3 again inside its
transaction, so a preview can be shown, kept and committed later without being trusted.

The fast import on PostgreSQL (services.counts_fast) never holds a file's rows: it reads with
`iter_tables`, parses with `RowStream` (what `parse_tables` uses) and checks with `RowChecker` and
`duplicate_issue` (what `check_rows` uses), so both paths give the same rows and the same issues.

Rows are numbered as the spreadsheet shows them (the first row is 1), so every message can say
which sheet, row and column to fix. Messages are in Japanese (the people who read them are the
ward offices' staff) and translated (gettext) in the language active when the file is checked;
column names in them are the import format's headings, which stay Japanese in every language.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import PurePath
from typing import NamedTuple

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from chonaikai.accounts import policy
from chonaikai.codes import ASSOCIATION_CODE_RE, normalize_association_code
from wards.models import Ward

from . import flags, rules, spreadsheet
from .models import Association, HouseholdCount, WardProgress
from .rules import ERAS, CountCheck, japanese_date, normalize_for_search
from .templatetags.japanese import jdate  # 和暦 in messages, as the pages write dates


class Col:
    """Column headings the importer recognises (after width and space folding)."""

    CODE = "町内会コード"  # i18n: data
    NAME = "町内会名"  # i18n: data
    HOUSEHOLDS = "区域内世帯数"  # i18n: data
    MEMBERS = "加入世帯数"  # i18n: data
    NOTE = "備考"  # i18n: data


REQUIRED_COLUMNS = (Col.CODE, Col.NAME, Col.HOUSEHOLDS, Col.MEMBERS)
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, Col.NOTE)
# What a column mapping may name (services.columns): the required columns, then 備考 (optional).
MAPPABLE_COLUMNS = KNOWN_COLUMNS
HEADER_SEARCH_ROWS = 10
# Only Office Open XML workbooks: spreadsheet.check_workbook can bound what a reader of them
# allocates; .xls and .ods are refused as formats (save them as .xlsx).
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv",)
# Excel's own limit (XFD); a CSV row with more fields is not a counts table.
CSV_MAX_COLUMNS = 16_384
NOTE_MAX_LENGTH = HouseholdCount._meta.get_field("note").max_length
# PositiveIntegerField's ceiling on every database Django supports.
COUNT_MAX = 2_147_483_647
# Longer count text is not read as a number at all (2,147,483,647 with separators and a sign is 14).
_COUNT_TEXT_MAX = 40
# A row whose code or name cell says one of these is the sheet's total: skipped, with a warning.
TOTAL_LABELS = frozenset({"合計", "計", "小計", "総計", "区計"})  # i18n: data
_TOTAL_MARK = "計"  # i18n: data
_BRACKETS = "()[]{}<>（）［］｛｝〈〉《》「」『』【】〔〕"  # i18n: data
# A count cell holding only a dash is 0 in published tables ("-", "－", "―" …; after NFKC).
ZERO_MARKS = frozenset("-‐‑‒–—―−ー")  # i18n: data
# Text starting with these would be a formula in Excel, LibreOffice or Google Sheets (CSV/DDE
# injection). Exports prefix such text with an apostrophe (exporter.excel_safe); reading a text
# cell drops that apostrophe again, so an exported sheet reads back unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_START = tuple("'" + s for s in FORMULA_STARTS)
_CODE_RE = ASSOCIATION_CODE_RE
_INTEGER_RE = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")


ERROR = "error"
WARNING = "warning"
# Issue.code of the issue that a ward's counts for the survey date are approved (survey rounds):
# an error for ward staff without a reason, which the import page answers with a reason field.
APPROVED = "approved"
# Issue.code of a change over rules.LARGE_CHANGE against the previous survey: an error until the
# row's note or the import's reason explains it (as the grid asks for a note), then a warning.
LARGE_CHANGE = rules.LARGE_CHANGE_CODE
# Issue.code of a row that would change the counts of a ward that has submitted them.
SUBMITTED = "submitted"


@dataclass(frozen=True)
class Issue:
    """One problem, where it is and how bad: errors stop the import, warnings do not."""

    level: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    code: str = ""  # what kind of issue, where a caller must tell (APPROVED); mostly blank

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    @property
    def location(self) -> str:
        parts = []
        if self.sheet:
            parts.append(_("シート「%(sheet)s」") % {"sheet": self.sheet})
        if self.row:
            parts.append(_("%(row)s行目") % {"row": self.row})
        if self.column:
            parts.append(_("「%(column)s」列") % {"column": self.column})
        return " ".join(parts)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def as_dict(self) -> dict:
        return asdict(self)


def _error(message: str, **where) -> Issue:
    return Issue(ERROR, message, **where)


def _warning(message: str, **where) -> Issue:
    return Issue(WARNING, message, **where)


class ImportFileError(Exception):
    """The file cannot be read at all (format, encoding, damage, a reader's limits), or not past a
    row (`row`: the row as numbered in messages, when known)."""

    def __init__(self, message: str, **where):
        super().__init__(message)
        self.issue = _error(message, **where)

    def __str__(self) -> str:
        return str(self.issue)


@dataclass(frozen=True)
class Table:
    """The cells of one sheet (or of a CSV file, whose sheet name is empty), row 1 first."""

    sheet: str
    rows: list[list]


@dataclass(frozen=True)
class ParsedRow:
    """One data row as read. Counts are None where the cell could not be read (see issues).

    `note` None means "keep the note already recorded": the file has no 備考 column, or the cell
    is blank. A note cannot be cleared by import (it can on the entry screen).
    """

    code: str
    households: int | None
    member_households: int | None
    name: str = ""
    note: str | None = None
    sheet: str = ""
    row: int | None = None
    issues: tuple[Issue, ...] = ()

    def where(self, column: str = "") -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": column}


_new = object.__new__


def _parsed_row(code, name, households, members, note, sheet, row, issues) -> ParsedRow:
    """ParsedRow(...) for the parser's loop, three times as fast: a frozen dataclass's __init__ sets
    each field through object.__setattr__ (0.4–0.9 s of a 300,000-row import). The same object —
    equal, hashed and frozen alike — with every field set."""
    r = _new(ParsedRow)
    r.__dict__.update(
        code=code,
        households=households,
        member_households=members,
        name=name,
        note=note,
        sheet=sheet,
        row=row,
        issues=issues,
    )
    return r


@dataclass(frozen=True)
class ParsedFile:
    rows: tuple[ParsedRow, ...]
    # About the file or a sheet as a whole, and about rows that were skipped.
    issues: tuple[Issue, ...] = ()
    # Each sheet's heading row, for a column mapping where required columns were not found (the
    # issues with code MISSING_COLUMNS); see RowStream.
    header_candidates: tuple[HeaderCandidates, ...] = ()


class RowStatus:
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class PreviewRow:
    """A row as it would be imported: current value (if any), new value and the change."""

    source: ParsedRow
    status: str
    issues: tuple[Issue, ...] = ()  # the row's own (parse) issues and those found by check_rows
    association_id: int | None = None
    association_name: str = ""
    ward_code: str = ""
    count_id: int | None = None
    current_households: int | None = None
    current_member_households: int | None = None
    current_note: str | None = None
    current_version: int | None = None  # the count's version, for the write's version + 1
    previous_households: int | None = None  # the previous survey's count (前回), if any
    previous_member_households: int | None = None
    check: CountCheck | None = None  # rules.check_count of the file's figures (None: no association)

    @property
    def code(self) -> str:
        return self.source.code

    @property
    def households(self) -> int | None:
        return self.source.households

    @property
    def member_households(self) -> int | None:
        return self.source.member_households

    @property
    def note(self) -> str:
        """The note that will be stored: the file's, or the current one if the file has none."""
        if self.source.note is not None:
            return self.source.note
        return self.current_note or ""

    @property
    def households_change(self) -> int | None:
        """Against the count held for the survey date (None without one); 増減 against the previous
        survey is `check.households.difference`."""
        return _difference(self.households, self.current_households)

    @property
    def member_households_change(self) -> int | None:
        return _difference(self.member_households, self.current_member_households)

    @property
    def flag_labels(self) -> list[str]:
        """The plausibility flags' short names, as the grid and the approval view show them."""
        return [flags.flag_label(f.code) for f in self.check.flags] if self.check else []


def _difference(new: int | None, current: int | None) -> int | None:
    return None if new is None or current is None else new - current


@dataclass(frozen=True)
class Summary:
    rows: int
    new: int
    changed: int
    unchanged: int
    errors: int
    warnings: int


@dataclass(frozen=True)
class Preview:
    """What an import would do. Built by check_rows(); committed by services.counts_import_commit().

    The fast import (services.counts_fast) keeps no rows: its Preview has `rows=()`, every issue,
    and the figures in `totals`.
    """

    survey_date: dt.date
    rows: tuple[PreviewRow, ...]
    issues: tuple[Issue, ...]
    parsed: ParsedFile
    ward: Ward | None = None
    filename: str = ""
    totals: Summary | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)

    @property
    def summary(self) -> Summary:
        if self.totals is not None:
            return self.totals
        by_status = defaultdict(int)
        for row in self.rows:
            by_status[row.status] += 1
        errors = len(self.errors)
        return Summary(
            rows=len(self.rows),
            new=by_status[RowStatus.NEW],
            changed=by_status[RowStatus.CHANGED],
            unchanged=by_status[RowStatus.UNCHANGED],
            errors=errors,
            warnings=len(self.issues) - errors,
        )

    @property
    def has_large_changes(self) -> bool:
        """Some row changes by more than rules.LARGE_CHANGE with no note (the import's reason is asked)."""
        return any(i.code == LARGE_CHANGE for i in self.issues)

    @property
    def changes_approved_ward(self) -> bool:
        return any(i.code == APPROVED for i in self.issues)

    @property
    def errors_need_only_a_reason(self) -> bool:
        """Every error is an approved ward's (the file is fine: a reason lets it through)."""
        errors = self.errors
        return bool(errors) and all(i.code == APPROVED for i in errors)

    def with_issue(self, issue: Issue) -> Preview:
        return replace(self, issues=(*self.issues, issue))


# ---------------------------------------------------------------------------------------------
# 1. Reading
# ---------------------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    """The one size limit of an uploaded counts file, for the page and the API alike."""
    return settings.COUNTS_IMPORT_MAX_UPLOAD_BYTES


def check_upload_size(size: int) -> None:
    """ImportFileError if an upload of `size` bytes is over COUNTS_IMPORT_MAX_UPLOAD_BYTES."""
    limit = max_upload_bytes()
    if size > limit:
        raise ImportFileError(
            _("ファイルが大きすぎます（%(size)s）。%(limit)s 以下のファイルにしてください。")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_file(data: bytes, filename: str) -> None:
    """What reading checks before any reader allocates, on its own: the format by name, a workbook's
    archive and sheet extents (spreadsheet.check_workbook), a CSV's encoding. (NUL and other
    control characters in a CSV are the cells' problems: row and column messages when parsed.)

    iter_tables (so read_tables, preview_file, count_rows and the fast import) always does this
    first; the upload form calls it to refuse a file at once. Raises ImportFileError.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        try:
            spreadsheet.check_workbook(data)
        except spreadsheet.FileRefused as e:
            raise ImportFileError(str(e)) from e
    elif suffix in CSV_SUFFIXES:
        decode_text(data)
    else:
        raise ImportFileError(
            _("「%(name)s」は読み込めない形式です。Excel（.xlsx）か CSV（.csv）のファイルを選んでください。")
            % {"name": PurePath(filename).name}
        )


def read_tables(data: bytes, filename: str) -> list[Table]:
    """Every sheet's cells. Raises ImportFileError for a format or encoding it cannot read."""
    return [Table(sheet=sheet, rows=list(rows)) for sheet, rows in iter_tables(data, filename)]


def iter_tables(data: bytes, filename: str) -> Iterator[tuple[str, Iterator[list]]]:
    """(sheet name, its rows) for every sheet, the rows read lazily: what read_tables holds, streamed.

    The fast import (services.counts_fast) reads 300,000-row files this way without ever holding
    their cells as Python lists. ImportFileError may be raised while iterating. Nothing is handed
    to a reader before check_file has passed.
    """
    suffix = PurePath(filename).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        check_file(data, filename)
        yield from _iter_spreadsheet(data)
    elif suffix in CSV_SUFFIXES:
        yield "", _csv_rows(decode_text(data))
    else:
        check_file(data, filename)


def _csv_rows(text: str) -> Iterator[list]:
    """csv.reader's rows; its errors (a field over csv.field_size_limit() …) as ImportFileError
    naming the row, numbered as the rows are everywhere else (records, from 1)."""
    reader = csv.reader(io.StringIO(text))
    number = 0
    budget = spreadsheet.max_sheet_cells()  # the cells a workbook's sheet may hold, for a CSV too
    try:
        for number, cells in enumerate(reader, 1):
            if len(cells) > CSV_MAX_COLUMNS:
                raise ImportFileError(
                    _("列が多すぎます（%(n)s列。%(max)s列まで）。区切りの「,」を確かめてください。")
                    % {"n": f"{len(cells):,}", "max": f"{CSV_MAX_COLUMNS:,}"},
                    row=number,
                )
            budget -= len(cells)
            if budget < 0:
                raise ImportFileError(
                    _("セルが多すぎるため読み込めません（%(max)s セルまで）。")
                    % {"max": f"{spreadsheet.max_sheet_cells():,}"},
                    row=number,
                )
            yield cells
    except csv.Error as e:
        limit = csv.field_size_limit()
        if "field limit" in str(e):
            message = _(
                "1つのセルの文字数が多すぎます（%(limit)s文字まで）。セルの内容を確かめてください。"
            ) % {"limit": f"{limit:,}"}
        else:
            message = _("CSV として読めない行があります（%(error)s）。") % {"error": e}
        raise ImportFileError(message, row=number + 1) from e


def _iter_spreadsheet(data: bytes) -> Iterator[tuple[str, Iterator[list]]]:
    # Imported here: the web process needs python-calamine only when someone uploads a workbook.
    from python_calamine import CalamineError, CalamineWorkbook

    def unreadable(e: Exception) -> ImportFileError:
        return ImportFileError(
            _(
                "Excel ファイルとして読み込めませんでした（%(error)s）。ファイルが壊れていないか確かめてください。"
            )
            % {"error": e}
        )

    def rows(sheet) -> Iterator[list]:
        # iter_rows() starts at row 1 but at the sheet's first used column: pad the columns to its
        # left, so that cells sit where to_python(skip_empty_area=False) puts them (A1 first).
        left = [""] * sheet.start[1] if sheet.start else []
        try:
            for cells in sheet.iter_rows():
                yield left + cells if left else cells
        except (CalamineError, ValueError, OSError) as e:
            raise unreadable(e) from e

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
    except (CalamineError, ValueError, OSError) as e:
        raise unreadable(e) from e
    for name in names:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except (CalamineError, ValueError, OSError) as e:
            raise unreadable(e) from e
        yield name, rows(sheet)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932, the encodings Excel and Japanese offices write.

    UTF-8 is tried first: CP932 text is almost never valid UTF-8, while the reverse is often
    "valid" CP932 mojibake. CP932 is Microsoft's superset of Shift_JIS (①, ㈱, NEC extensions).
    A file that is neither is refused naming the line where the better of the two failed.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8_failed_at = e.start
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as e:
        # The encoding that read further is the one the file was meant to be in: name its bad line.
        at = max(utf8_failed_at, e.start)
        raise ImportFileError(
            _("CSV ファイルの文字コードを判別できませんでした。UTF-8 か Shift_JIS で保存してください。"),
            row=data.count(b"\n", 0, at) + 1,
        ) from e


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


def normalize_code(value) -> str:
    """A code cell → 01101-0001 (chonaikai.codes, shared with boundary files): 「０１１０１－０００１」,
    「 01101ー0001 」, 011010001 …; a number cell 11010001.0 is read as 11010001."""
    return normalize_association_code(_text(value))


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


# Headings as ward offices write them (folded by _header_key: width, spaces) → the column. 世帯数
# alone is households only where it is unambiguous (see _Header); two-row headings are combined
# (世帯数 over 区域内 / 加入 → 区域内世帯数 / 加入世帯数).
_SYNONYMS = {
    Col.CODE: "町内会コード 町内会・自治会コード 町内会自治会コード 自治会コード 団体コード 町内会番号 団体番号 コード",  # i18n: data
    Col.NAME: "町内会名 町内会・自治会名 町内会自治会名 自治会名 団体名 名称 町内会名称 町内会 町内会・自治会 町内会等名 単位町内会名",  # i18n: data
    Col.HOUSEHOLDS: "区域内世帯数 区域内世帯 区域世帯数 区域内総世帯数 総世帯数 全世帯数 区域内の世帯数",  # i18n: data
    Col.MEMBERS: "加入世帯数 加入世帯 加入数 会員世帯数 会員数",  # i18n: data
    Col.NOTE: "備考 摘要 備考欄",  # i18n: data
}
HEADER_SYNONYMS: dict[str, str] = {key: column for column, keys in _SYNONYMS.items() for key in keys.split()}
_HOUSEHOLDS_ALONE = "世帯数"  # i18n: data


@dataclass(frozen=True)
class HeaderCandidates:
    """A sheet's heading row as found, for a column-mapping screen (see parse_tables).

    `row`: the row number (from 1) of the heading row, the lower one of a two-row heading; data rows
    follow it. `headers`: (0-based column index, heading text as written) of each non-blank
    heading, a two-row heading's texts joined by a space. `found`: the columns recognised
    (Col.* → 0-based index).
    """

    sheet: str
    row: int
    headers: tuple[tuple[int, str], ...]
    found: dict[str, int]


# Issue.code of the errors that required columns were not found (or a given mapping is wrong): a
# caller may offer a column mapping built from ParsedFile.header_candidates instead.
MISSING_COLUMNS = "missing_columns"


@dataclass
class _Header:
    index: int  # 0-based index of the (last) heading row
    columns: dict[str, int]
    issues: list[Issue]
    candidates: HeaderCandidates


def _match_keys(keys: list[str]) -> tuple[dict[str, list[int]], list[int]]:
    """Column → the positions whose heading names it; and the positions headed 世帯数 alone."""
    found: dict[str, list[int]] = {}
    alone = []
    for position, key in enumerate(keys):
        column = HEADER_SYNONYMS.get(key)
        if column is not None:
            found.setdefault(column, []).append(position)
        elif key == _HOUSEHOLDS_ALONE:
            alone.append(position)
    return found, alone


def _two_row_keys(upper: list, lower: list) -> tuple[list[str], list[str]]:
    """Keys of a two-row heading, and its texts as written. A merged upper cell (世帯数 over two
    columns) is read only in its first column, so a lower heading takes the nearest upper one to its
    left; each lower heading is tried alone, then with the upper one after and before it."""
    width = max(len(upper), len(lower))
    keys, texts = [], []
    parent = parent_text = ""
    for position in range(width):
        top = upper[position] if position < len(upper) else None
        bottom = lower[position] if position < len(lower) else None
        top_key, bottom_key = _header_key(top), _header_key(bottom)
        if top_key:
            parent, parent_text = top_key, _text(top)
        if not bottom_key:
            keys.append(top_key)
            texts.append(_text(top))
            parent = parent if top_key else ""  # a blank under a blank ends the merged heading
            continue
        for key in (bottom_key, bottom_key + parent, parent + bottom_key, parent):
            if key in HEADER_SYNONYMS:
                break
        else:
            key = bottom_key
        keys.append(key)
        texts.append(" ".join(t for t in (parent_text, _text(bottom)) if t))
    return keys, texts


def _find_header(table: Table) -> _Header | None:
    """The first heading row (or pair of rows) of the table's first HEADER_SEARCH_ROWS rows: a row
    naming the code column, or any two known columns. None if there is none."""
    rows = table.rows[:HEADER_SEARCH_ROWS]
    for index, cells in enumerate(rows):
        keys = [_header_key(c) for c in cells]
        found, alone = _match_keys(keys)
        if Col.CODE not in found and len(found) + bool(alone) < 2:
            continue
        texts = [_text(c) for c in cells]
        last = index
        if index + 1 < len(rows) and not (Col.HOUSEHOLDS in found and Col.MEMBERS in found):
            # A two-row heading, if the next row's headings complete this one.
            lower = rows[index + 1]
            keys2, texts2 = _two_row_keys(cells, lower)
            found2, alone2 = _match_keys(keys2)
            if any(_header_key(c) for c in lower) and len(found2) > len(found):
                keys, texts, found, alone, last = keys2, texts2, found2, alone2, index + 1
        if Col.HOUSEHOLDS not in found and Col.MEMBERS in found and len(alone) == 1:
            found[Col.HOUSEHOLDS] = alone  # 世帯数 next to 加入世帯数: the area's households
        return _header(table.sheet, last, found, texts)
    return None


def _header(sheet: str, index: int, found: dict[str, list[int]], texts: list[str]) -> _Header:
    issues = []
    for column, positions in found.items():
        if len(positions) > 1:
            issues.append(
                _error(
                    _("「%(column)s」列が2つあります。どちらを読むか決められないため、1つにしてください。")
                    % {"column": column},
                    sheet=sheet,
                    row=index + 1,
                    column=column,
                )
            )
    columns = {column: positions[0] for column, positions in found.items()}
    candidates = HeaderCandidates(
        sheet=sheet,
        row=index + 1,
        headers=tuple((position, text) for position, text in enumerate(texts) if text),
        found=dict(columns),
    )
    issues.extend(_missing_columns(sheet, index + 1, columns))
    return _Header(index, columns, issues, candidates)


def _missing_columns(sheet: str, row: int, columns: dict[str, int]) -> list[Issue]:
    return [
        _error(
            _(
                "必須の列「%(column)s」が見つかりません。見出しの名前を「%(column)s」にするか、"
                "どの列が「%(column)s」かを指定してください。"
            )
            % {"column": missing},
            sheet=sheet,
            row=row,
            column=missing,
            code=MISSING_COLUMNS,
        )
        for missing in REQUIRED_COLUMNS
        if missing not in columns
    ]


def _likeliest_header(table: Table) -> HeaderCandidates | None:
    """Where no heading is recognised: the row of the most text cells, as candidates for a mapping.

    With the row under it, as a two-row heading (texts joined as _two_row_keys joins them), when
    that row holds text and nothing a data row would: no number, no association code.
    """
    rows = table.rows[:HEADER_SEARCH_ROWS]
    best = None
    for index, cells in enumerate(rows):
        if any(_is_code_cell(c) for c in cells):
            continue  # a data row: no heading holds an association code
        texts = [(position, _text(c)) for position, c in enumerate(cells) if _is_heading_text(c)]
        if texts and (best is None or len(texts) > len(best[1])):
            best = (index, texts)
    if best is None:
        return None
    index, headers = best
    if index + 1 < len(rows) and _is_lower_heading(rows[index + 1]):
        _keys, texts = _two_row_keys(rows[index], rows[index + 1])
        index += 1
        headers = [(position, text) for position, text in enumerate(texts) if text]
    return HeaderCandidates(sheet=table.sheet, row=index + 1, headers=tuple(headers), found={})


def _is_lower_heading(cells: list) -> bool:
    texts = [c for c in cells if _fold(c)]
    return bool(texts) and all(_is_heading_text(c) and not _is_code_cell(c) for c in texts)


def _is_code_cell(value) -> bool:
    return type(value) is str and bool(_CODE_RE.fullmatch(normalize_code(value)))


def _is_heading_text(value) -> bool:
    """Text that could be a heading: not blank, not a count ("1,050", "－")."""
    if type(value) is not str or not _fold(value):
        return False
    if _fold(value) in ZERO_MARKS:
        return False
    try:
        parse_count(value)
    except _CellError:
        return True
    return False


def heading_key(text) -> str:
    """A heading as a column mapping compares it: width folded (NFKC), no spaces at all."""
    return _header_key(text)


def mapping_issues(columns: dict[str, str]) -> list[Issue]:
    """What is wrong with a column mapping itself (Issue.code MISSING_COLUMNS): a column the import
    does not know, a blank heading, or one heading given for two columns."""
    issues = []
    for column, text in columns.items():
        if column not in KNOWN_COLUMNS or not isinstance(text, str) or not _header_key(text):
            issues.append(
                _error(
                    _("列の指定「%(column)s」→「%(heading)s」は使えません。")
                    % {"column": _quoted(column), "heading": _quoted(text)},
                    code=MISSING_COLUMNS,
                )
            )
    keys = [_header_key(text) for text in columns.values() if isinstance(text, str)]
    if len(set(keys)) < len(keys):
        issues.append(
            _error(_("列の指定で、同じ見出しが2つの項目に割り当てられています。"), code=MISSING_COLUMNS)
        )
    return issues


def _mapped_header(table: Table, columns: dict[str, str]) -> _Header | None:
    """The heading of a sheet read through a column mapping (Col.* → a heading's text as in
    HeaderCandidates.headers), or None when no row of the sheet's first HEADER_SEARCH_ROWS holds
    every mapped heading (the sheet is then read by its recognised headings, if any).

    A heading is looked for in one row, then in two rows as _two_row_keys joins them (世帯数 over
    区域内 → 「世帯数 区域内」), so that a mapping chosen from a two-row heading's joined texts reads
    it. Headings the importer recognises in that row (備考 …) are read too, where not mapped.
    """
    wanted = {column: _header_key(text) for column, text in columns.items()}
    needed = set(wanted.values())
    rows = table.rows[:HEADER_SEARCH_ROWS]
    for index, cells in enumerate(rows):
        layouts = [(index, [_header_key(c) for c in cells], [_text(c) for c in cells])]
        if index + 1 < len(rows):
            keys2, texts2 = _two_row_keys(cells, rows[index + 1])
            layouts.append((index + 1, keys2, texts2))
        for last, keys, texts in layouts:
            text_keys = [_header_key(t) for t in texts]
            if not needed <= set(text_keys):
                continue
            mapped_at = {p for p, k in enumerate(text_keys) if k in needed}
            recognised, _alone = _match_keys(keys)
            found = {
                column: kept
                for column, positions in recognised.items()
                if column not in wanted and (kept := [p for p in positions if p not in mapped_at])
            }
            for column, key in wanted.items():
                found[column] = [p for p, k in enumerate(text_keys) if k == key]
            return _header(table.sheet, last, found, texts)
    return None


# A date in a title row: 令和８年１月１日現在, 2026年1月1日現在, R8.1.1現在 (after NFKC). Only in a
# cell that says 現在, 基準 or 時点, so that 作成日 and the like are not taken for the survey date.
_ERA_DATE_RE = re.compile(r"(令和|平成|昭和)\s*(元|[0-9]{1,2})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日")  # i18n: data  # fmt: skip
_ERA_SHORT_RE = re.compile(r"(?<![A-Za-z])([RHSrhs])\s*(元|[0-9]{1,2})[./年]([0-9]{1,2})[./月]([0-9]{1,2})")  # i18n: data  # fmt: skip
_WESTERN_DATE_RE = re.compile(r"([0-9]{4})\s*(?:年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日|[./-]([0-9]{1,2})[./-]([0-9]{1,2}))")  # i18n: data  # fmt: skip
_FIRST_YEAR = "元"  # i18n: data (元年: the first year of an era)
_AS_OF_WORDS = ("現在", "基準", "時点")  # i18n: data
_ERA_NAMES = {"R": "令和", "H": "平成", "S": "昭和"}  # i18n: data
_ERA_STARTS = {era.name: era.start.year for era in ERAS}
# 現在 / 時点 right after the date (a closing bracket or spaces between), or 基準日 right before it.
_AS_OF_AFTER_RE = re.compile(r"[\s)）]*(?:現在|時点)")  # i18n: data
_AS_OF_BEFORE_RE = re.compile(r"基準日\s*[:：は]?\s*[(（]?\s*$")  # i18n: data


def date_in_text(text: str) -> dt.date | None:
    """The survey date a title cell states (令和８年１月１日現在 → 2026-01-01), or None.

    A date counts only where the text says it is the date of the figures: followed by 現在 or 時点
    (令和8年1月1日現在, 2026年1月1日 時点), or after 基準日 (調査基準日: 令和8年1月1日). Other dates
    (作成日, 前回（令和7年1月1日）の値) are not taken for it. Eras through rules.ERAS; 元年 is year 1.
    """
    text = unicodedata.normalize("NFKC", text)
    if not any(word in text for word in _AS_OF_WORDS):
        return None
    found = [
        (m.start(), m.end(), _ERA_NAMES.get(m.group(1).upper(), m.group(1)), *m.groups()[1:])
        for pattern in (_ERA_DATE_RE, _ERA_SHORT_RE)
        for m in pattern.finditer(text)
    ]
    found += [
        (m.start(), m.end(), "", m.group(1), m.group(2) or m.group(4), m.group(3) or m.group(5))
        for m in _WESTERN_DATE_RE.finditer(text)
    ]
    for start, end, era, year, month, day in sorted(found):
        if not (_AS_OF_AFTER_RE.match(text, end) or _AS_OF_BEFORE_RE.search(text[:start])):
            continue
        number = 1 if year == _FIRST_YEAR else int(year)
        try:
            return dt.date(_ERA_STARTS[era] + number - 1 if era else number, int(month), int(day))
        except (ValueError, KeyError):  # 2月30日, an era before 昭和
            return None
    return None


def _title_date(rows: list[list]) -> tuple[int, dt.date] | None:
    """(row number, date) of the first title row above the heading that states the survey date."""
    for index, cells in enumerate(rows):
        for c in cells:
            if isinstance(c, str) and c:
                day = date_in_text(c)
                if day is not None:
                    return index + 1, day
        # A date cell beside a text saying 現在 / 基準 / 時点 (「調査基準日」|2026-01-01).
        if any(isinstance(c, str) and any(w in c for w in _AS_OF_WORDS) for c in cells):
            for c in cells:
                if isinstance(c, dt.datetime):
                    return index + 1, c.date()
                if isinstance(c, dt.date):
                    return index + 1, c
    return None


def _has_content(table: Table) -> bool:
    return any(_fold(c) for cells in table.rows for c in cells)


def parse_tables(
    tables: list[Table],
    *,
    survey_date: dt.date | None = None,
    columns: dict[str, str] | None = None,
) -> ParsedFile:
    """The rows of every sheet that has a header row. No database. See RowStream for the arguments."""
    stream = RowStream(
        ((table.sheet, table.rows) for table in tables), survey_date=survey_date, columns=columns
    )
    rows = tuple(stream)
    return ParsedFile(rows=rows, issues=tuple(stream.issues), header_candidates=tuple(stream.candidates))


class RowStream:
    """Parse sheets row by row: iterating gives the ParsedRows; file and sheet issues gather in `issues`.

    `issues` (and `candidates`) are complete once the iteration has ended. parse_tables (every row in
    memory, for the preview) and the fast import (services.counts_fast, which never holds the rows)
    both parse with this, so a file gets the same rows and the same messages on either path.

    Layouts read: title rows above the heading; a heading in one row or two (a merged 世帯数 over
    区域内世帯数 / 加入世帯数); headings by their usual names (HEADER_SYNONYMS); total and subtotal
    rows (計, 小計, 合計, 「厚別区　計」, 「（○○連合町内会　小計）」) skipped with one warning per
    sheet; "-", "－", "―" in a count read as 0 with one warning per sheet.

    `survey_date`: a title row stating another date (令和８年１月１日現在) is an error naming both.

    A sheet whose required columns are not found gets errors with Issue.code MISSING_COLUMNS, and
    `candidates` holds each sheet's heading row (HeaderCandidates) so that a caller can offer a
    column mapping and parse again with it: `columns` (Col.* → a heading's text, as in
    HeaderCandidates.headers; a two-row heading's joined text too). In each sheet, the heading row
    holding every mapped heading is read through the mapping, wherever those columns are; a sheet
    without them is read by its recognised headings (a ward's remembered mapping must not stop the
    template's own file). The one mapping of the page, the API, the command and the fast import
    (services.columns remembers it per ward).
    """

    def __init__(
        self,
        tables: Iterable[tuple[str, Iterable[list]]],
        *,
        survey_date: dt.date | None = None,
        columns: dict[str, str] | None = None,
    ):
        self._tables = tables
        self._survey_date = survey_date
        self._columns = columns or None
        self.issues: list[Issue] = []
        self.candidates: list[HeaderCandidates] = []

    def __iter__(self) -> Iterator[ParsedRow]:
        found_header = False
        headless = []
        first_sheet = None
        mapping = self._columns
        if mapping is not None:
            wrong = mapping_issues(mapping)
            if wrong:
                self.issues.extend(wrong)
                mapping = None
        for sheet, sheet_rows in self._tables:
            if first_sheet is None:
                first_sheet = sheet
            sheet_rows = iter(sheet_rows)
            head = Table(sheet=sheet, rows=list(itertools.islice(sheet_rows, HEADER_SEARCH_ROWS)))
            header = _mapped_header(head, mapping) if mapping is not None else None
            if header is None:
                header = _find_header(head)
            if header is None:
                likeliest = _likeliest_header(head)
                if likeliest is not None:
                    self.candidates.append(likeliest)
                if _has_content(head) or any(_fold(c) for cells in sheet_rows for c in cells):
                    headless.append(sheet)
                continue
            found_header = True
            self.candidates.append(header.candidates)
            self.issues.extend(header.issues)
            self._check_title_date(sheet, head.rows[: max(header.index, 0)])
            if header.issues:
                continue
            start = header.index + 1
            yield from self._sheet(
                sheet, itertools.chain(head.rows[start:], sheet_rows), start, header.columns
            )
        if not found_header:
            names = "・".join(REQUIRED_COLUMNS)  # i18n: data
            self.issues.insert(
                0,
                _error(
                    _(
                        "見出し行が見つかりません。先頭%(rows)s行以内に「%(names)s」の見出しを置くか、"
                        "どの列が何かを指定してください。"
                    )
                    % {"rows": HEADER_SEARCH_ROWS, "names": names},
                    sheet=first_sheet or "",
                    column=Col.CODE,
                    code=MISSING_COLUMNS,
                ),
            )
        else:
            self.issues.extend(
                _warning(
                    _("見出し行（町内会コード）がないため、このシートは読み込みませんでした。"), sheet=name
                )
                for name in headless
            )

    def _check_title_date(self, sheet: str, title_rows: list[list]) -> None:
        found = _title_date(title_rows)
        if found is None or self._survey_date is None:
            return
        row, day = found
        if day != self._survey_date:
            self.issues.append(
                _error(
                    _(
                        "表題の日付（%(title)s）が調査基準日（%(survey)s）と違います。"
                        "ファイルか調査基準日を確かめてください。"
                    )
                    % {"title": _both(day), "survey": _both(self._survey_date)},
                    sheet=sheet,
                    row=row,
                )
            )

    def _sheet(self, sheet: str, rows: Iterable[list], first_index: int, columns: dict[str, int]):
        """The data rows of one sheet; `first_index` is the 0-based index of the first of `rows`."""
        issues = self.issues
        blank_count_rows = []
        total_rows = []
        dash_cells = []  # the row of each count cell read as 0 from a dash
        positions = list(columns.values())
        code_at, name_at = columns[Col.CODE], columns[Col.NAME]
        households_at, members_at = columns[Col.HOUSEHOLDS], columns[Col.MEMBERS]
        note_at = columns.get(Col.NOTE)

        fullmatch = _CODE_RE.fullmatch
        for index, cells in enumerate(rows, first_index):
            size = len(cells)
            raw_code = cells[code_at] if code_at < size else None
            # A code already in its normal form (most rows of a large file) is its own normalize_code,
            # and makes the row not empty.
            well_formed = type(raw_code) is str and fullmatch(raw_code) is not None
            if not well_formed:
                for position in positions:  # cells past the end of a short row are blank
                    if position < size and _fold(cells[position]):
                        break
                else:
                    continue  # an empty row
            number = index + 1
            where = {"sheet": sheet, "row": number}
            code = raw_code if well_formed else normalize_code(raw_code)
            name = _text(cells[name_at] if name_at < size else None)
            if _is_total(code, name):
                total_rows.append(number)
                continue
            raw_households = cells[households_at] if households_at < size else None
            raw_members = cells[members_at] if members_at < size else None
            folded_households, folded_members = _fold(raw_households), _fold(raw_members)
            if not folded_households and not folded_members:
                blank_count_rows.append(number)  # a template row nobody filled in
                continue
            if type(raw_households) is str and folded_households in ZERO_MARKS:
                raw_households = 0
                dash_cells.append(number)
            if type(raw_members) is str and folded_members in ZERO_MARKS:
                raw_members = 0
                dash_cells.append(number)

            row_issues = []
            if not well_formed:
                if not code:
                    row_issues.append(_error(_("町内会コードが空欄です。"), **where, column=Col.CODE))
                elif not fullmatch(code):
                    row_issues.append(
                        _error(
                            _(
                                "町内会コード「%(code)s」の形式が正しくありません"
                                "（「区コード5桁-番号4桁」、例: 01101-0001）。"
                            )
                            % {"code": _quoted(_text(raw_code))},
                            **where,
                            column=Col.CODE,
                        )
                    )
            # Plain digits (every count of a CSV file) are read here as parse_count reads them.
            if type(raw_households) is str and raw_households.isdigit() and raw_households.isascii() and len(raw_households) < 10:  # fmt: skip
                households = int(raw_households)
            else:
                households = _count_cell(raw_households, Col.HOUSEHOLDS, row_issues, where)
            if type(raw_members) is str and raw_members.isdigit() and raw_members.isascii() and len(raw_members) < 10:  # fmt: skip
                members = int(raw_members)
            else:
                members = _count_cell(raw_members, Col.MEMBERS, row_issues, where)
            note = None
            if note_at is not None:
                note = _text(cells[note_at] if note_at < size else None) or None
                if note is not None and len(note) > NOTE_MAX_LENGTH:
                    row_issues.append(
                        _error(
                            _("備考は%(max)s文字以内にしてください（%(length)s文字）。")
                            % {"max": NOTE_MAX_LENGTH, "length": len(note)},
                            **where,
                            column=Col.NOTE,
                        )
                    )
                elif note is not None and _CONTROL_CHARACTERS.search(note):
                    # NUL and other control characters: PostgreSQL refuses NUL, SQLite's JSON
                    # functions cut the text at it; neither belongs in a note.
                    row_issues.append(
                        _error(_("備考に使えない制御文字が含まれています。"), **where, column=Col.NOTE)
                    )
            yield _parsed_row(code, name, households, members, note, sheet, number, tuple(row_issues))
        if total_rows:
            issues.append(
                _warning(
                    _("合計・小計の%(n)s行は取り込みません（%(rows)s行目）。")
                    % {"n": len(total_rows), "rows": _row_list(total_rows)},
                    sheet=sheet,
                )
            )
        if dash_cells:
            issues.append(
                _warning(
                    _("「-」の%(n)sか所を 0 として読みました（%(rows)s行目）。0 でよいか確かめてください。")
                    % {"n": len(dash_cells), "rows": _row_list(sorted(set(dash_cells)))},
                    sheet=sheet,
                )
            )
        if blank_count_rows:
            shown = _row_list(blank_count_rows)
            issues.append(
                _warning(
                    _("区域内世帯数と加入世帯数がどちらも空欄の%(n)s行は取り込みません（%(rows)s行目）。")
                    % {"n": len(blank_count_rows), "rows": shown},
                    sheet=sheet,
                )
            )


# ---------------------------------------------------------------------------------------------
# 3. Checking against the register and the policy
# ---------------------------------------------------------------------------------------------


def check_rows(
    parsed: ParsedFile,
    *,
    survey_date: dt.date,
    actor,
    ward: Ward | None = None,
    lock: bool = False,
    filename: str = "",
    reason: str = "",
) -> Preview:
    """Compare parsed rows with the register and the counts held for `survey_date`.

    `actor` None is a system import (the command line without --user): every ward is in scope.
    Otherwise a row is accepted only if policy.can_edit_counts(actor, its association's ward).
    `ward` restricts the import to one ward's associations. `lock` (inside the commit's
    transaction) takes row locks on the existing counts so that the values compared are the ones
    overwritten.

    A row that would change a count of a ward whose counts for `survey_date` are approved (survey
    rounds) is an error unless the actor is a city administrator (or the system) or gives a
    `reason`; then it is a warning, and the change is a new revision in the row history.

    Every row is also held to rules.check_count against the previous survey's count (as on the
    grid): members above households are an error, a change over rules.LARGE_CHANGE is an error
    unless the row's note (the file's, or the one held) or `reason` explains it, zero values are a
    warning. As on the grid, only figures that change are held to it; the others get warnings.

    Queries: one for the associations, one for the existing counts, two for the previous survey's
    date and counts, plus whatever the policy needs for the actor (its role, cached on the user
    object) — never one per row.
    """
    # Only well-formed codes can be registered ones (a malformed one is already its row's error).
    codes = {r.code for r in parsed.rows if r.code and _CODE_RE.fullmatch(r.code)}
    associations = load_register(codes=codes, survey_date=survey_date)
    existing_qs = HouseholdCount.objects.filter(
        survey_date=survey_date, association_id__in=[a.id for a in associations.values()]
    ).values_list("association_id", "id", "households", "member_households", "note", "version")
    if lock:
        existing_qs = existing_qs.select_for_update()
    existing = {association_id: rest for association_id, *rest in existing_qs} if associations else {}
    previous = previous_counts(associations.values(), survey_date=survey_date)

    # Duplicate codes in linear time: one error per code, on its first row (its first places and
    # the total); each later row of the code gets a short issue of its own, kept off the file's list.
    positions: dict[str, list[ParsedRow]] = {}
    for r in parsed.rows:
        if r.code:
            positions.setdefault(r.code, []).append(r)

    checker = RowChecker(survey_date=survey_date, actor=actor, ward=ward, reason=reason)
    preview_rows = []
    issues = list(parsed.issues)
    for r in parsed.rows:
        row_issues = list(r.issues)
        repeat = None
        association = associations.get(r.code)
        duplicates = positions.get(r.code, ())
        if len(duplicates) > 1:
            if duplicates[0] is r:
                row_issues.append(duplicate_issue(r, duplicates))
            else:
                repeat = duplicate_repeat_issue(r, duplicates[0])
        current = existing.get(association.id) if association is not None else None
        before = previous.get(association.id) if association is not None else None
        check = checker.row_check(r, current, before) if association is not None else None
        checked = checker.issues(r, association, current, previous=before, check=check)
        if repeat is None:
            row_issues.extend(checked)
            issues.extend(row_issues)
        else:
            # A later row of a duplicated code: the code's one error (on its first row) refuses the
            # file; this row's own findings stay on its preview line, off the file's list, so that
            # 4,000 copies of a row give one error, not 4,000.
            issues.extend(row_issues)
            row_issues = [*r.issues, repeat, *checked]
        preview_rows.append(_preview_row(r, association, current, row_issues, previous=before, check=check))
    return Preview(
        survey_date=survey_date,
        rows=tuple(preview_rows),
        issues=tuple(issues),
        parsed=parsed,
        ward=ward,
        filename=filename,
    )


class Registered(NamedTuple):
    """An association as the checks need it: plain values (the fast import reads 300,000 at once)."""

    id: int
    code: str
    name: str
    status: str
    ended_on: dt.date | None
    ward: Ward  # with id, code and name only; one object per ward
    ward_locked: bool  # the ward's counts for the survey date are approved (survey rounds)
    ward_submitted: bool = False  # the ward has submitted its counts for the survey date (read-only)


def load_register(*, codes, survey_date: dt.date) -> dict[str, Registered]:
    """The associations with these codes, by code (one query)."""
    # Whether the association's ward is approved for this survey date: a subquery, not a query.
    progress = WardProgress.objects.filter(ward=OuterRef("ward"), survey_round__survey_date=survey_date)
    rows = (
        Association.objects.filter(code__in=codes)
        .annotate(
            ward_locked=Exists(progress.filter(status=WardProgress.Status.APPROVED)),
            ward_submitted=Exists(progress.filter(status=WardProgress.Status.SUBMITTED)),
        )
        .values_list(
            "id",
            "code",
            "name",
            "status",
            "ended_on",
            "ward_id",
            "ward__code",
            "ward__name",
            "ward_locked",
            "ward_submitted",
        )
    )
    wards: dict[int, Ward] = {}
    register = {}
    for pk, code, name, status, ended_on, ward_id, ward_code, ward_name, locked, submitted in rows:
        ward = wards.get(ward_id)
        if ward is None:
            ward = wards[ward_id] = Ward(id=ward_id, code=ward_code, name=ward_name)
        register[code] = Registered(pk, code, name, status, ended_on, ward, locked, submitted)
    return register


def previous_counts(associations, *, survey_date: dt.date) -> dict[int, tuple[int, int]]:
    """(households, members) of the previous survey (selectors.previous_survey_date), by association id."""
    from .selectors import previous_survey_date

    ids = [a.id for a in associations]
    day = previous_survey_date(survey_date) if ids else None
    if day is None:
        return {}
    return {
        aid: (h, m)
        for aid, h, m in HouseholdCount.objects.filter(survey_date=day, association_id__in=ids).values_list(
            "association_id", "households", "member_households"
        )
    }


# Places a duplicate code's error lists; the rest are counted.
DUPLICATES_LISTED = 5


def duplicate_issue(r: ParsedRow, duplicates: Sequence[ParsedRow], total: int | None = None) -> Issue:
    """The one error of a code that is on several rows, on its first row `r`.

    `duplicates`: the code's rows in order (at least the first DUPLICATES_LISTED); `total`: how many
    there are (default len(duplicates)). The message lists the first DUPLICATES_LISTED places and
    the total, so it stays a line long however often the code repeats.
    """
    total = len(duplicates) if total is None else total
    places = _list_separator().join(_place(d) for d in duplicates[:DUPLICATES_LISTED])
    if total > DUPLICATES_LISTED:
        places += _("ほか%(more)s行") % {"more": f"{total - DUPLICATES_LISTED:,}"}
    return _error(
        _("町内会コード %(code)s が%(total)s行にあります（%(places)s）。1行にまとめてください。")
        % {"code": r.code, "total": f"{total:,}", "places": places},
        **r.where(Col.CODE),
    )


def duplicate_repeat_issue(r: ParsedRow, first: ParsedRow) -> Issue:
    """A later row of a duplicate code: its own short error (the preview row's), naming the first."""
    return _error(
        _("町内会コード %(code)s は%(first)sと重複しています。") % {"code": r.code, "first": _place(first)},
        **r.where(Col.CODE),
    )


class RowChecker:
    """The checks of one row against its association, the actor's scope and approved wards.

    check_rows and the fast import (services.counts_fast) both ask it, so that a file gets the same
    issues, in the same words, whichever path imports it. Duplicate codes are the callers' (only
    they see the whole file); so are the row's own parse issues.
    """

    def __init__(self, *, survey_date: dt.date, actor, ward: Ward | None = None, reason: str = ""):
        self.survey_date = survey_date
        self.actor = actor
        self.ward = ward
        self.reason = reason
        self._editable: dict[int, bool] = {}  # ward id → may the actor edit its counts (asked once per ward)

    def may_edit(self, w: Ward) -> bool:
        if w.pk not in self._editable:
            self._editable[w.pk] = self.actor is None or policy.can_edit_counts(self.actor, w)
        return self._editable[w.pk]

    def issues(
        self, r: ParsedRow, association: Registered | None, current, previous=None, *, check=None
    ) -> list[Issue]:
        """`current`: the count held (id, households, members, note, version), or None.

        `previous`: the previous survey's (households, members), or None; only check_rows passes it
        (the fast import does not compare with the previous survey yet).
        """
        if association is None:
            if r.code and _CODE_RE.fullmatch(r.code):
                return [
                    _error(
                        _("町内会コード %(code)s は登録されていません。") % {"code": r.code},
                        **r.where(Col.CODE),
                    )
                ]
            return []
        issues = _check_association(r, association, ward=self.ward, may_edit=self.may_edit)
        if association.ward_submitted and self.actor is not None and _would_change(r, current):
            issues.append(_submitted_issue(r, association, survey_date=self.survey_date))
        issues.extend(self.plausibility_issues(r, current, previous, check=check))
        if association.ward_locked and _would_change(r, current):
            issues.append(
                _locked_issue(
                    r, association, survey_date=self.survey_date, actor=self.actor, reason=self.reason
                )
            )
        return issues

    def row_check(self, r: ParsedRow, current, previous) -> CountCheck | None:
        """rules.check_count of the row's figures; the row's note (or the one held) or the reason explains."""
        if r.households is None or r.member_households is None:
            return None  # a cell that could not be read is the row's own error already
        note = r.note if r.note is not None else (current[3] if current is not None else "")
        return rules.check_count(
            r.households,
            r.member_households,
            previous_households=previous[0] if previous else None,
            previous_member_households=previous[1] if previous else None,
            reason=note or self.reason,
        )

    def plausibility_issues(self, r: ParsedRow, current, previous, *, check=None) -> list[Issue]:
        """The rule's flags as issues; `check`: the row's row_check, if the caller has it already."""
        check = check or self.row_check(r, current, previous)
        if check is None:
            return []
        # As on the grid: only figures that change are held to the rule; the others are told.
        changes = current is None or (r.households, r.member_households) != (current[1], current[2])
        noted = bool(r.note if r.note is not None else (current[3] if current is not None else ""))
        issues = []
        for flag in check.flags:
            column = Col.HOUSEHOLDS if rules.HOUSEHOLDS in flag.fields else Col.MEMBERS
            message = flags.flag_message(flag, check)
            if flag.code == rules.MEMBERS_OVER:
                make = _error if changes else _warning
                issues.append(make(message, **r.where(Col.MEMBERS)))
            elif flag.code == rules.LARGE_CHANGE_CODE:
                if flag.blocks and changes:
                    issues.append(
                        _error(
                            flags.join_sentences(
                                message, _("理由を備考欄に書くか、この取込の変更理由を入力してください。")
                            ),
                            **r.where(column),
                            code=LARGE_CHANGE,
                        )
                    )
                elif flag.explained:
                    issues.append(
                        _warning(
                            flags.join_sentences(message, _("理由: %(reason)s") % {"reason": check.reason}),
                            **r.where(column),
                            code="" if noted else LARGE_CHANGE,
                        )
                    )
                else:
                    issues.append(_warning(message, **r.where(column)))
            elif flag.code == rules.ZERO:
                issues.append(_warning(message, **r.where(column)))
        return issues


def asks_for_reason(preview: Preview, *, city_admin: bool) -> bool:
    """Whether the preview page asks for the import's reason (変更理由).

    For a change over rules.LARGE_CHANGE that no note explains (anyone), and for an approved
    ward's counts (ward staff; a city administrator needs none).
    """
    return preview.has_large_changes or (not city_admin and preview.changes_approved_ward)


def _submitted_issue(r: ParsedRow, association: Registered, *, survey_date: dt.date) -> Issue:
    return _error(
        _(
            "%(ward)sの%(date)s調査の世帯数は提出済みのため変更できません。"
            "変更するには提出を取り下げてください（市が承認・差し戻しをする前に限ります）。"
        )
        % {"ward": association.ward.name, "date": jdate(survey_date)},
        **r.where(Col.CODE),
        code=SUBMITTED,
    )


def _would_change(r: ParsedRow, current) -> bool:
    if current is None:
        return True
    _id, households, members, note, _version = current
    return (r.households, r.member_households) != (households, members) or (
        r.note is not None and r.note != note
    )


def _locked_issue(
    r: ParsedRow, association: Registered, *, survey_date: dt.date, actor, reason: str
) -> Issue:
    what = {"ward": association.ward.name, "date": jdate(survey_date)}
    if actor is None or policy.is_city_admin(actor) or reason.strip():
        return _warning(
            _("%(ward)sの%(date)s調査の世帯数は承認済みです。変更は新しい版として記録されます。") % what,
            **r.where(Col.CODE),
            code=APPROVED,
        )
    return _error(
        _(
            "%(ward)sの%(date)s調査の世帯数は承認済みのため、変更できません。"
            "変更が必要な場合は変更理由を入力するか、市の管理者に依頼してください。"
        )
        % what,
        **r.where(Col.CODE),
        code=APPROVED,
    )


def _place(row: ParsedRow) -> str:
    if row.sheet:
        return _("シート「%(sheet)s」%(row)s行目") % {"sheet": row.sheet, "row": row.row}
    return _("%(row)s行目") % {"row": row.row}


def _row_list(numbers: list[int], limit: int = 10) -> str:
    return _list_separator().join(str(n) for n in numbers[:limit]) + ("…" if len(numbers) > limit else "")


def _both(day: dt.date) -> str:
    """令和8年1月1日（2026-01-01）: as a title writes it and as the survey date is chosen."""
    return f"{japanese_date(day)}（{day:%Y-%m-%d}）"  # i18n: data


def _is_total(code: str, name: str) -> bool:
    """A total or subtotal row: its code or name is a total label (合計, 計, 小計 …), or it has no code
    (or a code cell saying so) and its label ends in 計: 「厚別区　計」, 「（○○連合町内会　小計）」."""
    if _TOTAL_MARK not in code and _TOTAL_MARK not in name:
        # Every total label has 計, the only character whose NFKC form holds 計 (a test checks
        # this over all of Unicode): a row without it is not a total, and need not be folded.
        return False
    if code and _CODE_RE.fullmatch(code):
        return False
    code_label = _header_key(code).strip(_BRACKETS)
    name_label = _header_key(name).strip(_BRACKETS)
    if code_label in TOTAL_LABELS or name_label in TOTAL_LABELS:
        return True
    return code_label.endswith(_TOTAL_MARK) or (not code and name_label.endswith(_TOTAL_MARK))


def _list_separator() -> str:
    return pgettext("list separator", "、")


def _check_association(r: ParsedRow, association: Registered, *, ward, may_edit) -> list[Issue]:
    issues = []
    label = _("%(name)s（%(code)s）") % {"name": association.name, "code": association.code}
    if association.status != Association.Status.ACTIVE:
        status = Association.Status(association.status).label
        if association.ended_on:
            message = _(
                "%(association)sは「%(status)s」です（%(ended)s）。活動中でない町内会の世帯数は取り込めません。"
            ) % {"association": label, "status": status, "ended": jdate(association.ended_on)}
        else:
            message = _(
                "%(association)sは「%(status)s」です。活動中でない町内会の世帯数は取り込めません。"
            ) % {
                "association": label,
                "status": status,
            }
        issues.append(_error(message, **r.where(Col.CODE)))
    if ward is not None and association.ward.pk != ward.pk:
        issues.append(
            _error(
                _("%(association)sは%(ward)sの町内会です。この取込は%(only)sの町内会だけが対象です。")
                % {"association": label, "ward": association.ward.name, "only": ward.name},
                **r.where(Col.CODE),
            )
        )
    elif not may_edit(association.ward):
        issues.append(
            _error(
                _("%(association)sは%(ward)sの町内会です。%(ward)sの世帯数を取り込む権限がありません。")
                % {"association": label, "ward": association.ward.name},
                **r.where(Col.CODE),
            )
        )
    # Equal as written is equal once folded: fold only names that differ (most rows do not).
    if r.name != association.name and normalize_for_search(r.name) != normalize_for_search(association.name):
        issues.append(
            _warning(
                _(
                    "町内会名「%(name)s」が登録されている名前「%(registered)s」と一致しません。"
                    "町内会コードで取り込みます。"
                )
                % {"name": _quoted(r.name), "registered": association.name},
                **r.where(Col.NAME),
            )
        )
    return issues


def _preview_row(r: ParsedRow, association, current, row_issues, *, previous=None, check=None) -> PreviewRow:
    if association is None:
        return PreviewRow(source=r, status=RowStatus.ERROR, issues=tuple(row_issues))
    count_id = households = members = note = version = None
    if current is not None:
        count_id, households, members, note, version = current
    row = PreviewRow(
        source=r,
        status=RowStatus.ERROR,
        issues=tuple(row_issues),
        association_id=association.id,
        association_name=association.name,
        ward_code=association.ward.code,
        count_id=count_id,
        current_households=households,
        current_member_households=members,
        current_note=note,
        current_version=version,
        previous_households=previous[0] if previous else None,
        previous_member_households=previous[1] if previous else None,
        check=check,
    )
    if any(i.is_error for i in row_issues):
        status = RowStatus.ERROR
    elif count_id is None:
        status = RowStatus.NEW
    elif (r.households, r.member_households, row.note) == (households, members, note):
        status = RowStatus.UNCHANGED
    else:
        status = RowStatus.CHANGED
    return replace(row, status=status)


# ---------------------------------------------------------------------------------------------
# All three
# ---------------------------------------------------------------------------------------------


def preview_file(
    data: bytes,
    *,
    filename: str,
    survey_date: dt.date,
    actor,
    ward: Ward | None = None,
    reason: str = "",
    columns: dict[str, str] | None = None,
) -> Preview:
    """Read, parse and check a file. A file that cannot be read gives a Preview with one error.

    `reason` (for changing an approved ward's counts) as in check_rows. `columns` (a column mapping
    chosen by the user) as in RowStream; a title row's date is checked against
    `survey_date`.
    """
    try:
        tables = read_tables(data, filename)
    except ImportFileError as e:
        parsed = ParsedFile(rows=(), issues=(e.issue,))
    else:
        parsed = parse_tables(tables, survey_date=survey_date, columns=columns)
    return check_rows(
        parsed,
        survey_date=survey_date,
        actor=actor,
        ward=ward,
        filename=PurePath(filename).name,
        reason=reason,
    )


def count_rows(data: bytes, filename: str) -> int:
    """Rows in the file (all sheets, header and blank rows included): to decide whether to defer.

    Counted as they stream by: a 300,000-row upload is never held as Python lists for this.
    """
    try:
        return sum(sum(1 for _ in rows) for _sheet, rows in iter_tables(data, filename))
    except ImportFileError:
        return 0
