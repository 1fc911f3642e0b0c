"""2c. Rows: every sheet parsed row by row (RowStream), subtotal rows skipped (no database).

Part of the importer package (see its docstring); every name is re-exported there."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from chonaikai import codes

from ...code_format import DEFAULT_NUMBER_DIGITS
from .base import (
    HEADER_SEARCH_ROWS,
    NOTE_MAX_LENGTH,
    REQUIRED_COLUMNS,
    ZERO_MARKS,
    Col,
    HeaderCandidates,
    Issue,
    ParsedFile,
    ParsedRow,
    Table,
    _error,
    _parsed_row,
    _warning,
)
from .cells import (
    _CONTROL_CHARACTERS,
    _both,
    _count_cell,
    _fold,
    _is_total,
    _quoted,
    _row_list,
    _text,
    normalize_code,
)
from .layout import (
    MISSING_COLUMNS,
    _find_header,
    _likeliest_header,
    _mapped_header,
    _title_date,
    mapping_issues,
)


def _has_content(table: Table) -> bool:
    return any(_fold(c) for cells in table.rows for c in cells)


def parse_tables(
    tables: list[Table],
    *,
    survey_date: dt.date | None = None,
    columns: dict[str, str] | None = None,
    code_digits: int = DEFAULT_NUMBER_DIGITS,
) -> ParsedFile:
    """The rows of every sheet that has a header row. No database. See RowStream for the arguments."""
    stream = RowStream(
        ((table.sheet, table.rows) for table in tables),
        survey_date=survey_date,
        columns=columns,
        code_digits=code_digits,
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
    rows (計, 小計, 合計, 「〇〇区　計」, 「（○○連合町内会　小計）」) skipped with one warning per
    sheet; "-", "－", "―" in a count read as 0 with one warning per sheet.

    `survey_date`: a title row stating another date (令和８年１月１日現在) is an error naming both.
    `code_digits`: the width of the association number (code_format.number_digits(), the city's).

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
        code_digits: int = DEFAULT_NUMBER_DIGITS,
    ):
        self._tables = tables
        self._code_digits = code_digits
        self._survey_date = survey_date
        self._columns = columns or None
        self.issues: list[Issue] = []
        self.candidates: list[HeaderCandidates] = []

    def __iter__(self) -> Iterator[ParsedRow]:
        found_header = False
        read = 0  # data rows yielded, in every sheet
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
            read += yield from self._sheet(
                sheet, itertools.chain(head.rows[start:], sheet_rows), start, header.columns
            )
        if found_header and not read and not any(i.is_error for i in self.issues):
            # Only a heading, a template nobody filled in, or only total rows: an error, so that an
            # upload of the wrong file is not shown as ready with nothing in it.
            self.issues.insert(
                0,
                _error(
                    _(
                        "取り込む行がありません。見出し行の下に、町内会ごとの区域内世帯数と"
                        "加入世帯数を入力してください。"
                    ),
                    sheet=first_sheet or "",
                ),
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
        """The data rows of one sheet; `first_index` is the 0-based index of the first of `rows`.

        Returns (as the generator's value) how many rows it yielded."""
        issues = self.issues
        read = 0
        blank_count_rows = []
        total_rows = []
        dash_cells = []  # the row of each count cell read as 0 from a dash
        positions = list(columns.values())
        code_at, name_at = columns[Col.CODE], columns[Col.NAME]
        households_at, members_at = columns[Col.HOUSEHOLDS], columns[Col.MEMBERS]
        note_at = columns.get(Col.NOTE)

        digits = self._code_digits
        fullmatch = codes.association_code_re(digits).fullmatch
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
            code = raw_code if well_formed else normalize_code(raw_code, digits)
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
                                "（「5桁のコード-%(digits)s桁の番号」、例: %(example)s）。"
                            )
                            % {
                                "code": _quoted(_text(raw_code)),
                                "digits": digits,
                                "example": codes.association_code_example(digits),
                            },
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
            read += 1
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
        return read
