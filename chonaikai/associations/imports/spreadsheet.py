"""Is a workbook safe to hand to a reader? Checked on the raw bytes before any reader allocates.

A spreadsheet reader (python-calamine here, openpyxl elsewhere) trusts the file: an .xlsx of 1.6 KB
holding one cell at A1 and one at XFD1048576 makes calamine allocate its dense grid of 17 billion
cells and the process dies (a Rust allocation failure aborts; no Python exception to catch). A zip
of 835 KB may unpack to 300 MB of XML. So before reading, `check_workbook` streams every member of
the archive through zlib with a running total (the sizes the archive declares can lie), and scans
each worksheet's XML for the cells it holds: the grid the reader will build is (last row) × (last
column) from A1, and that is capped.

What calamine was seen to do (tests/imports/test_hostile_files.py keeps each case): it sizes its
grid by the cells that have a value, not by the sheet's declared `<dimension ref=…>` nor by empty
styled cells (`<c r="XFD1048576" s="1"/>`). The declared dimension is not trusted either way (it
can claim less than the sheet holds): the cells themselves are scanned. A quick pass at C speed
bounds the grid for sheets written the usual way (`<c r="B12" …>`, as Excel, LibreOffice and
openpyxl write them; about 0.5 s for 300,000 rows); a sheet written otherwise, or whose bound is
past the limit, is read again tag by tag, counting only cells with content.

Only the Office Open XML formats (.xlsx, .xlsm) are read by the importer: for .xls (BIFF) and .ods
(whose rows and columns repeat by attribute) there is no such check, so they are refused by name.

Raises FileRefused with a Japanese message; importer turns it into an ImportFileError, so the page,
the API, the command and the background task all give the same message.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zipfile
import zlib

from django.conf import settings
from django.utils.translation import gettext as _

# Unpacked bytes of all the archive's members together (settings override both defaults). A ward's
# file is under 1 MB unpacked; the 300,000-row benchmark workbook about 70 MB.
DEFAULT_MAX_UNPACKED_BYTES = 128 * 1024 * 1024
# Cells of the grid a reader builds for one sheet: (last row) × (last column), from A1. 300,000 rows
# of 6 columns is 1.8 million; calamine holds about 32 bytes a cell.
DEFAULT_MAX_SHEET_CELLS = 4_000_000
MAX_MEMBERS = 10_000
_CHUNK = 1 << 20
# <row …> and <c …> start tags (any namespace prefix), and whether the cell tag closes itself.
_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR_RE = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]*)([0-9]*)["']""")
_WORKSHEET_RE = re.compile(r"(?:^|/)(?:worksheets|chartsheets|dialogsheets|macrosheets)/[^/]+\.xml$", re.I)


class FileRefused(ValueError):
    """The file is refused before reading; str() is the Japanese message."""


def max_unpacked_bytes() -> int:
    return getattr(settings, "COUNTS_IMPORT_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)


def max_sheet_cells() -> int:
    return getattr(settings, "COUNTS_IMPORT_MAX_SHEET_CELLS", DEFAULT_MAX_SHEET_CELLS)


def column_letters(number: int) -> str:
    """1 → A, 16384 → XFD."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ch - 64
    return number


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


def check_workbook(data: bytes) -> None:
    """Refuse (FileRefused) an .xlsx/.xlsm that is not a zip, unpacks past the limit, or holds a
    sheet whose grid passes the cell limit. Reads the archive once, a megabyte at a time.

    An upload is read several times on its way (the form, the row count, the preview, the commit):
    a file that passed is remembered by its digest and the limits, so the check runs once.
    """
    key = (hashlib.blake2b(data, digest_size=16).digest(), max_unpacked_bytes(), max_sheet_cells())
    with _passed_lock:
        if key in _passed:
            return
    _check_workbook(data)
    with _passed_lock:
        _passed[key] = None
        while len(_passed) > _PASSED_KEPT:
            _passed.pop(next(iter(_passed)))


_PASSED_KEPT = 16
_passed: dict[tuple, None] = {}  # insertion-ordered: the oldest is dropped first
_passed_lock = threading.Lock()


def _check_workbook(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise FileRefused(
            _(
                "Excel ファイルとして読み込めませんでした（%(error)s）。ファイルが壊れていないか確かめてください。"
            )
            % {"error": e}
        ) from e
    if len(members) > MAX_MEMBERS:
        raise FileRefused(_("Excel ファイルの中身が多すぎるため読み込めません。"))
    budget = max_unpacked_bytes()
    cell_limit = max_sheet_cells()
    total = 0
    with archive:
        for member in members:
            if member.is_dir():
                continue
            if not _WORKSHEET_RE.search(member.filename):
                for chunk in _chunks(archive, member):
                    total += len(chunk)
                    if total > budget:
                        raise _too_large(budget)
                continue
            quick = _QuickScan()
            for chunk in _chunks(archive, member):
                total += len(chunk)
                if total > budget:
                    raise _too_large(budget)
                quick.feed(chunk)
            quick.finish()
            if quick.exact_needed or quick.cells > cell_limit:
                # A layout the quick scan does not read exactly, or a grid past the limit counting
                # empty styled cells too: read the sheet's XML again, tag by tag.
                scan = _SheetScan()
                for chunk in _chunks(archive, member):
                    scan.feed(chunk)
                    if scan.cells > cell_limit:
                        raise scan.refusal(cell_limit)
                scan.finish()
                if scan.cells > cell_limit:
                    raise scan.refusal(cell_limit)


def _too_large(budget: int) -> FileRefused:
    return FileRefused(
        _(
            "このファイルは展開すると%(limit)sを超えるため読み込めません。"
            "不要なシートや書式を削除するか、CSV で保存し直してください。"
        )
        % {"limit": _megabytes(budget)}
    )


def _chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo):
    """The member's unpacked bytes a megabyte at a time; FileRefused if it cannot be unpacked."""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError) as e:
        raise FileRefused(
            _(
                "Excel ファイルとして読み込めませんでした（%(error)s）。ファイルが壊れていないか確かめてください。"
            )
            % {"error": e}
        ) from e


class _Chunked:
    """Chunks cut at the last complete tag: an unfinished tag waits for the next chunk."""

    def __init__(self):
        self._tail = b""

    def _whole(self, chunk: bytes) -> bytes:
        text = self._tail + chunk
        cut = text.rfind(b"<")
        if cut != -1 and text.find(b">", cut) == -1:
            text, self._tail = text[:cut], text[cut:]
            if len(self._tail) > 65536:  # no real tag is that long
                raise FileRefused(_("Excel ファイルのシートの形式が正しくありません。"))
        else:
            self._tail = b""
        return text

    def finish(self) -> None:
        if self._tail:
            tail, self._tail = self._tail, b""
            self._scan(tail)

    def feed(self, chunk: bytes) -> None:
        self._scan(self._whole(chunk))

    def _scan(self, text: bytes) -> None:
        raise NotImplementedError


# Excel, LibreOffice and openpyxl write every cell as <c r="B12" …> and every row as <row r="12" …>.
_QUICK_LETTERS_RE = re.compile(rb'<c r="([A-Z]+)')
_QUICK_ROWS_RE = re.compile(rb'<c r="[A-Z]+([0-9]+)"')
# A cell tag written otherwise: with a namespace prefix, without attributes, or not starting r="…".
_UNUSUAL_CELL_RE = re.compile(rb'<c(?! r="[A-Z]+[0-9]+")[\s/>]')
_PREFIXED_CELL_RE = re.compile(rb":c[\s/>]")


class _QuickScan(_Chunked):
    """An upper bound of the grid, at C speed, for sheets written the usual way (every cell tag
    starting `<c r="…"`); anything else sets `exact_needed`. Counts empty styled cells too."""

    def __init__(self):
        super().__init__()
        self.exact_needed = False
        self.max_row = 0
        self.max_column = 0

    @property
    def cells(self) -> int:
        return self.max_row * self.max_column

    def _scan(self, text: bytes) -> None:
        if self.exact_needed:
            return
        if _UNUSUAL_CELL_RE.search(text) or _PREFIXED_CELL_RE.search(text):
            self.exact_needed = True
            return
        columns = set(_QUICK_LETTERS_RE.findall(text))
        if not columns:
            return
        letters = max(columns, key=lambda b: (len(b), b))
        self.max_column = max(self.max_column, _column_number(letters))
        self.max_row = max(self.max_row, max(map(int, _QUICK_ROWS_RE.findall(text))))


class _SheetScan(_Chunked):
    """The last row and column of a worksheet's cells that have content, from its XML in chunks.

    Rows and cells without an `r` attribute follow the one before (as readers place them).
    """

    def __init__(self):
        super().__init__()
        self.row = 0  # the current row's number
        self.column = 0  # the last cell's column in the current row
        self.max_row = 0
        self.max_column = 0

    @property
    def cells(self) -> int:
        return self.max_row * self.max_column

    def _scan(self, text: bytes) -> None:
        for match in _TAG_RE.finditer(text):
            tag, attributes = match.groups()
            r = _R_ATTR_RE.search(attributes)
            if tag == b"row":
                self.row = int(r.group(2)) if r and r.group(2) else self.row + 1
                self.column = 0
                continue
            self.column = _column_number(r.group(1)) if r and r.group(1) else self.column + 1
            if attributes.endswith(b"/"):
                continue  # <c …/>: no value (a styled empty cell); readers skip it
            row = int(r.group(2)) if r and r.group(2) else self.row
            if row > self.max_row:
                self.max_row = row
            if self.column > self.max_column:
                self.max_column = self.column

    def refusal(self, limit: int) -> FileRefused:
        where = f"{column_letters(self.max_column)}{self.max_row}"
        return FileRefused(
            _(
                "シートの範囲が広すぎるため読み込めません（%(where)s までデータがあり、"
                "%(cells)s セル分になります。上限は %(limit)s セル）。"
                "表の外にある不要なセルを削除してから保存し直してください。"
            )
            % {"where": where, "cells": f"{self.cells:,}", "limit": f"{limit:,}"}
        )
