"""The import's data: columns, issues, parsed rows, the preview and its summary.

Part of the importer package (see its docstring); every name is re-exported there."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, replace

from django.utils.translation import gettext as _

from chonaikai.files.xlsx import FORMULA_STARTS
from wards.models import Ward

from ... import rules
from ...counts import flags
from ...models import HouseholdCount
from ...rules import CountCheck


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
# Exports prefix text that would start a formula with an apostrophe (chonaikai.files.xlsx); reading
# a text cell drops that apostrophe again, so an exported sheet reads back unchanged.
_ESCAPED_START = tuple("'" + s for s in FORMULA_STARTS)
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
