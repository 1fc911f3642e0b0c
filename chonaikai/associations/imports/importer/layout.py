"""2b. Layout: heading rows (synonyms, two-row headings, a column mapping) and the survey date of a title row.

Part of the importer package (see its docstring); every name is re-exported there."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from chonaikai import codes
from chonaikai.calendar import ERAS

from .base import (
    HEADER_SEARCH_ROWS,
    KNOWN_COLUMNS,
    REQUIRED_COLUMNS,
    ZERO_MARKS,
    Col,
    HeaderCandidates,
    Issue,
    Table,
    _error,
)
from .cells import _CellError, _fold, _header_key, _quoted, _text, parse_count

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
    return type(value) is str and codes.looks_like_association_code(_text(value))


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
    (作成日, 前回（令和7年1月1日）の値) are not taken for it. Eras through ERAS; 元年 is year 1.
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
