"""Household-count files (町内会別世帯数) → a Preview: read, parse, check. Nothing here writes.

Three steps, each usable on its own:

1. `read_tables(data, filename)`: the cells of every sheet. .xlsx/.xlsm/.xls/.ods through
   python-calamine (about 10× faster than openpyxl and it never evaluates anything); .csv in UTF-8,
   UTF-8 with BOM or Shift_JIS (CP932), detected here.
2. `parse_tables(tables)`: find the header row (in the first 10 rows of each sheet, columns in any
   order) and turn each row into a ParsedRow: the code, name, counts and note, with problems of
   the cells themselves (not a number, negative, 12.5 …). No database.
3. `check_rows(parsed, survey_date=…, actor=…, ward=…)`: one query for the associations by code, one
   for the counts already held for the survey date, and the policy (at most one more query, for
   the user's role); gives a Preview: for every row the current value, the new one and the change.

`preview_file()` does all three. `services.counts_import_commit()` runs step 3 again inside its
transaction, so a preview can be shown, kept and committed later without being trusted.

Rows are numbered as the spreadsheet shows them (the first row is 1), so every message can say
which sheet, row and column to fix. Messages are in Japanese: the people who read them are the
ward offices' staff.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from pathlib import PurePath

from chonaikai.accounts import policy
from wards.models import Ward

from .models import Association, HouseholdCount
from .rules import normalize_for_search


class Col:
    """Column headings the importer recognises (after width and space folding)."""

    CODE = "町内会コード"
    NAME = "町内会名"
    HOUSEHOLDS = "区域内世帯数"
    MEMBERS = "加入世帯数"
    NOTE = "備考"


REQUIRED_COLUMNS = (Col.CODE, Col.NAME, Col.HOUSEHOLDS, Col.MEMBERS)
KNOWN_COLUMNS = (*REQUIRED_COLUMNS, Col.NOTE)
HEADER_SEARCH_ROWS = 10
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_SUFFIXES = (".csv",)
NOTE_MAX_LENGTH = HouseholdCount._meta.get_field("note").max_length
# PositiveIntegerField's ceiling on every database Django supports.
COUNT_MAX = 2_147_483_647
# A row whose code or name cell says one of these is the sheet's total: skipped, with a warning.
TOTAL_LABELS = frozenset({"合計", "計", "小計", "総計", "区計"})
# Text starting with these would be a formula in Excel, LibreOffice or Google Sheets (CSV/DDE
# injection). Exports prefix such text with an apostrophe (exporter.excel_safe); reading a text
# cell drops that apostrophe again, so an exported sheet reads back unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED_START = tuple("'" + s for s in FORMULA_STARTS)
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー－ｰ", "-"))
# [0-9], not \d: \d would also take Arabic-Indic and other digits that NFKC leaves alone.
_CODE_RE = re.compile(r"[0-9]{5}-[0-9]{4}")
_INTEGER_RE = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One problem, where it is and how bad: errors stop the import, warnings do not."""

    level: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    @property
    def location(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"シート「{self.sheet}」")
        if self.row:
            parts.append(f"{self.row}行目")
        if self.column:
            parts.append(f"「{self.column}」列")
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
    """The file cannot be read at all (format, encoding, damage)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.issue = _error(message)


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


@dataclass(frozen=True)
class ParsedFile:
    rows: tuple[ParsedRow, ...]
    # About the file or a sheet as a whole, and about rows that were skipped.
    issues: tuple[Issue, ...] = ()


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
        return _difference(self.households, self.current_households)

    @property
    def member_households_change(self) -> int | None:
        return _difference(self.member_households, self.current_member_households)


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
    """What an import would do. Built by check_rows(); committed by services.counts_import_commit()."""

    survey_date: dt.date
    rows: tuple[PreviewRow, ...]
    issues: tuple[Issue, ...]
    parsed: ParsedFile
    ward: Ward | None = None
    filename: str = ""

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

    def with_issue(self, issue: Issue) -> Preview:
        return replace(self, issues=(*self.issues, issue))


# ---------------------------------------------------------------------------------------------
# 1. Reading
# ---------------------------------------------------------------------------------------------


def read_tables(data: bytes, filename: str) -> list[Table]:
    """Every sheet's cells. Raises ImportFileError for a format or encoding it cannot read."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        return _read_spreadsheet(data)
    if suffix in CSV_SUFFIXES:
        return [Table(sheet="", rows=list(csv.reader(io.StringIO(decode_text(data)))))]
    raise ImportFileError(
        f"「{PurePath(filename).name}」は読み込めない形式です。Excel（.xlsx）か CSV（.csv）のファイルを選んでください。"
    )


def _read_spreadsheet(data: bytes) -> list[Table]:
    # Imported here: the web process needs python-calamine only when someone uploads a workbook.
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        # skip_empty_area=False keeps row 1 as row 1 even when the sheet starts lower down.
        return [
            Table(sheet=name, rows=workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in workbook.sheet_names
        ]
    except (CalamineError, ValueError, OSError) as e:
        raise ImportFileError(
            f"Excel ファイルとして読み込めませんでした（{e}）。ファイルが壊れていないか確かめてください。"
        ) from e


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or CP932, the encodings Excel and Japanese offices write.

    UTF-8 is tried first: CP932 text is almost never valid UTF-8, while the reverse is often
    "valid" CP932 mojibake. CP932 is Microsoft's superset of Shift_JIS (①, ㈱, NEC extensions).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as e:
        raise ImportFileError(
            "CSV ファイルの文字コードを判別できませんでした。UTF-8 か Shift_JIS で保存してください。"
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
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


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
    """「０１１０１－０００１」, 「 01101ー0001 」 → 01101-0001."""
    return "".join(_fold(_text(value)).translate(_DASHES).split())


def parse_count(value) -> int | None:
    """A household count from a cell: None when blank; _CellError with a Japanese message if not a count.

    Accepts integers, whole floats (Excel stores every number as a float), and text with
    full-width digits, thousands separators (1,234 / １，２３４) and surrounding spaces.
    """
    if value is None:
        return None
    if isinstance(value, bool):  # before int: True is an int
        raise _CellError(f"数値ではありません（「{value}」）。")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _CellError("数値ではありません。")
        if not value.is_integer():
            raise _CellError(f"世帯数は整数で入力してください（{value:g}）。")
        number = int(value)
    elif isinstance(value, str):
        text = _fold(value)
        if not text:
            return None
        number = _parse_count_text(text, original=value.strip())
    else:  # dates, times
        raise _CellError(f"数値ではありません（「{value}」）。")
    if number < 0:
        raise _CellError(f"負の数は入力できません（{number:,}）。")
    if number > COUNT_MAX:
        raise _CellError(f"数が大きすぎます（{number:,}）。")
    return number


def _parse_count_text(text: str, *, original: str) -> int:
    sign = ""
    if text[0] in "-−△▲":  # △ and ▲ are how Japanese tables write a minus
        sign, text = "-", text[1:].strip()
    match = _INTEGER_RE.fullmatch(text)
    if not match:
        raise _CellError(f"数値ではありません（「{original}」）。")
    whole, fraction = match.groups()
    if fraction and fraction.strip("0"):
        raise _CellError(f"世帯数は整数で入力してください（{original}）。")
    return int(sign + whole.replace(",", ""))


def _find_header(table: Table) -> tuple[int, dict[str, int], list[Issue]] | None:
    """(row index, column → cell index, issues) of the first row naming 町内会コード, or None."""
    for index, cells in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        keys = [_header_key(c) for c in cells]
        if Col.CODE not in keys:
            continue
        columns: dict[str, int] = {}
        issues = []
        for position, key in enumerate(keys):
            if key not in KNOWN_COLUMNS:
                continue
            if key in columns:
                issues.append(
                    _error(
                        f"「{key}」列が2つあります。どちらを読むか決められないため、1つにしてください。",
                        sheet=table.sheet,
                        row=index + 1,
                        column=key,
                    )
                )
            columns.setdefault(key, position)
        for missing in (c for c in REQUIRED_COLUMNS if c not in columns):
            issues.append(
                _error(
                    f"必須の列「{missing}」がありません。見出し行に「{missing}」の列を加えてください。",
                    sheet=table.sheet,
                    row=index + 1,
                    column=missing,
                )
            )
        return index, columns, issues
    return None


def _has_content(table: Table) -> bool:
    return any(_fold(c) for cells in table.rows for c in cells)


def parse_tables(tables: list[Table]) -> ParsedFile:
    """The rows of every sheet that has a header row. No database."""
    rows: list[ParsedRow] = []
    issues: list[Issue] = []
    found_header = False
    headless = []
    for table in tables:
        header = _find_header(table)
        if header is None:
            if _has_content(table):
                headless.append(table.sheet)
            continue
        found_header = True
        index, columns, header_issues = header
        issues.extend(header_issues)
        if header_issues:
            continue
        sheet_rows, sheet_issues = _parse_sheet(table, index, columns)
        rows.extend(sheet_rows)
        issues.extend(sheet_issues)
    if not found_header:
        sheet = tables[0].sheet if tables else ""
        names = "・".join(REQUIRED_COLUMNS)
        issues.insert(
            0,
            _error(
                f"見出し行が見つかりません。先頭{HEADER_SEARCH_ROWS}行以内に「{names}」の見出しを置いてください。",
                sheet=sheet,
                column=Col.CODE,
            ),
        )
    else:
        issues.extend(
            _warning("見出し行（町内会コード）がないため、このシートは読み込みませんでした。", sheet=name)
            for name in headless
        )
    return ParsedFile(rows=tuple(rows), issues=tuple(issues))


def _parse_sheet(
    table: Table, header_index: int, columns: dict[str, int]
) -> tuple[list[ParsedRow], list[Issue]]:
    rows = []
    issues = []
    blank_count_rows = []
    note_index = columns.get(Col.NOTE)

    def cell(cells: list, column: str):
        position = columns[column]
        return cells[position] if position < len(cells) else None

    for index in range(header_index + 1, len(table.rows)):
        cells = table.rows[index]
        number = index + 1
        known = [cell(cells, c) for c in columns]
        if not any(_fold(v) for v in known):
            continue  # an empty row
        where = {"sheet": table.sheet, "row": number}
        code = normalize_code(cell(cells, Col.CODE))
        name = _text(cell(cells, Col.NAME))
        if code in TOTAL_LABELS or _header_key(name) in TOTAL_LABELS:
            issues.append(_warning("合計の行とみなして読み飛ばしました。", **where))
            continue
        raw_households, raw_members = cell(cells, Col.HOUSEHOLDS), cell(cells, Col.MEMBERS)
        if not _fold(raw_households) and not _fold(raw_members):
            blank_count_rows.append(number)  # a template row nobody filled in
            continue

        row_issues = []
        if not code:
            row_issues.append(_error("町内会コードが空欄です。", **where, column=Col.CODE))
        elif not _CODE_RE.fullmatch(code):
            row_issues.append(
                _error(
                    f"町内会コード「{_text(cell(cells, Col.CODE))}」の形式が正しくありません"
                    "（「区コード5桁-番号4桁」、例: 01101-0001）。",
                    **where,
                    column=Col.CODE,
                )
            )
        counts = {}
        for column, raw in ((Col.HOUSEHOLDS, raw_households), (Col.MEMBERS, raw_members)):
            try:
                counts[column] = parse_count(raw)
            except _CellError as e:
                counts[column] = None
                row_issues.append(_error(str(e), **where, column=column))
            else:
                if counts[column] is None:
                    row_issues.append(_error(f"{column}が空欄です。", **where, column=column))
        households, members = counts[Col.HOUSEHOLDS], counts[Col.MEMBERS]
        if households is not None and members is not None and members > households:
            row_issues.append(
                _warning(
                    f"加入世帯数（{members:,}）が区域内世帯数（{households:,}）を上回っています。"
                    "事業所を会員に数えている場合などはそのままで構いません。",
                    **where,
                    column=Col.MEMBERS,
                )
            )
        note = None
        if note_index is not None:
            note = _text(cells[note_index] if note_index < len(cells) else None) or None
            if note is not None and len(note) > NOTE_MAX_LENGTH:
                row_issues.append(
                    _error(
                        f"備考は{NOTE_MAX_LENGTH}文字以内にしてください（{len(note)}文字）。",
                        **where,
                        column=Col.NOTE,
                    )
                )
        rows.append(
            ParsedRow(
                code=code,
                name=name,
                households=households,
                member_households=members,
                note=note,
                sheet=table.sheet,
                row=number,
                issues=tuple(row_issues),
            )
        )
    if blank_count_rows:
        shown = "、".join(str(n) for n in blank_count_rows[:10]) + ("…" if len(blank_count_rows) > 10 else "")
        issues.append(
            _warning(
                f"区域内世帯数と加入世帯数がどちらも空欄の{len(blank_count_rows)}行は取り込みません（{shown}行目）。",
                sheet=table.sheet,
            )
        )
    return rows, issues


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
) -> Preview:
    """Compare parsed rows with the register and the counts held for `survey_date`.

    `actor` None is a system import (the command line without --user): every ward is in scope.
    Otherwise a row is accepted only if policy.can_edit_counts(actor, its association's ward).
    `ward` restricts the import to one ward's associations. `lock` (inside the commit's
    transaction) takes row locks on the existing counts so that the values compared are the ones
    overwritten.

    Queries: one for the associations, one for the existing counts, plus whatever the policy
    needs for the actor (its role, cached on the user object) — never one per row.
    """
    codes = {r.code for r in parsed.rows if r.code}
    associations = {
        a.code: a
        for a in Association.objects.filter(code__in=codes)
        .select_related("ward")
        .only("id", "code", "name", "status", "ended_on", "ward__id", "ward__code", "ward__name")
    }
    existing_qs = HouseholdCount.objects.filter(
        survey_date=survey_date, association_id__in=[a.pk for a in associations.values()]
    ).values_list("association_id", "id", "households", "member_households", "note")
    if lock:
        existing_qs = existing_qs.select_for_update()
    existing = {association_id: rest for association_id, *rest in existing_qs} if associations else {}

    positions = defaultdict(list)
    for r in parsed.rows:
        if r.code:
            positions[r.code].append(r)

    editable: dict[int, bool] = {}  # ward id → may the actor edit its counts (asked once per ward)

    def may_edit(w: Ward) -> bool:
        if w.pk not in editable:
            editable[w.pk] = actor is None or policy.can_edit_counts(actor, w)
        return editable[w.pk]

    preview_rows = []
    issues = list(parsed.issues)
    for r in parsed.rows:
        row_issues = list(r.issues)
        association = associations.get(r.code)
        duplicates = positions.get(r.code, ())
        if len(duplicates) > 1:
            places = "、".join(_place(d) for d in duplicates)
            row_issues.append(
                _error(
                    f"町内会コード {r.code} が複数の行にあります（{places}）。1行にまとめてください。",
                    **r.where(Col.CODE),
                )
            )
        if r.code and association is None and _CODE_RE.fullmatch(r.code):
            row_issues.append(_error(f"町内会コード {r.code} は登録されていません。", **r.where(Col.CODE)))
        if association is not None:
            row_issues.extend(_check_association(r, association, ward=ward, may_edit=may_edit))
        current = existing.get(association.pk) if association is not None else None
        issues.extend(row_issues)
        preview_rows.append(_preview_row(r, association, current, row_issues))
    return Preview(
        survey_date=survey_date,
        rows=tuple(preview_rows),
        issues=tuple(issues),
        parsed=parsed,
        ward=ward,
        filename=filename,
    )


def _place(row: ParsedRow) -> str:
    return f"シート「{row.sheet}」{row.row}行目" if row.sheet else f"{row.row}行目"


def _check_association(r: ParsedRow, association: Association, *, ward, may_edit) -> list[Issue]:
    issues = []
    label = f"{association.name}（{association.code}）"
    if association.status != Association.Status.ACTIVE:
        ended = f"（{association.ended_on:%Y-%m-%d}）" if association.ended_on else ""
        issues.append(
            _error(
                f"{label}は「{association.get_status_display()}」です{ended}。"
                "活動中でない町内会の世帯数は取り込めません。",
                **r.where(Col.CODE),
            )
        )
    if ward is not None and association.ward_id != ward.pk:
        issues.append(
            _error(
                f"{label}は{association.ward.name}の町内会です。この取込は{ward.name}の町内会だけが対象です。",
                **r.where(Col.CODE),
            )
        )
    elif not may_edit(association.ward):
        issues.append(
            _error(
                f"{label}は{association.ward.name}の町内会です。{association.ward.name}の世帯数を取り込む権限がありません。",
                **r.where(Col.CODE),
            )
        )
    if normalize_for_search(r.name) != normalize_for_search(association.name):
        issues.append(
            _warning(
                f"町内会名「{r.name}」が登録されている名前「{association.name}」と一致しません。"
                "町内会コードで取り込みます。",
                **r.where(Col.NAME),
            )
        )
    return issues


def _preview_row(r: ParsedRow, association, current, row_issues) -> PreviewRow:
    if association is None:
        return PreviewRow(source=r, status=RowStatus.ERROR, issues=tuple(row_issues))
    count_id = households = members = note = None
    if current is not None:
        count_id, households, members, note = current
    row = PreviewRow(
        source=r,
        status=RowStatus.ERROR,
        issues=tuple(row_issues),
        association_id=association.pk,
        association_name=association.name,
        ward_code=association.ward.code,
        count_id=count_id,
        current_households=households,
        current_member_households=members,
        current_note=note,
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
    data: bytes, *, filename: str, survey_date: dt.date, actor, ward: Ward | None = None
) -> Preview:
    """Read, parse and check a file. A file that cannot be read gives a Preview with one error."""
    try:
        tables = read_tables(data, filename)
    except ImportFileError as e:
        parsed = ParsedFile(rows=(), issues=(e.issue,))
    else:
        parsed = parse_tables(tables)
    return check_rows(
        parsed, survey_date=survey_date, actor=actor, ward=ward, filename=PurePath(filename).name
    )


def count_rows(data: bytes, filename: str) -> int:
    """Rows in the file (all sheets, header and blank rows included): to decide whether to defer."""
    try:
        return sum(len(t.rows) for t in read_tables(data, filename))
    except ImportFileError:
        return 0
