"""1. Reading: a file's size and format checked, then the cells of every sheet (.xlsx/.xlsm, .csv).

Part of the importer package (see its docstring); every name is re-exported there."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from chonaikai.files import text as csv_text

from .. import spreadsheet
from .base import CSV_MAX_COLUMNS, CSV_SUFFIXES, SPREADSHEET_SUFFIXES, ImportFileError, Table

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
    """The CSV's text (chonaikai.files.text: UTF-8 with or without BOM, or CP932); a file in
    neither is refused naming the line where reading failed."""
    try:
        return csv_text.decode_text(data).text
    except csv_text.UndecodableText as e:
        raise ImportFileError(
            _("CSV ファイルの文字コードを判別できませんでした。UTF-8 か Shift_JIS で保存してください。"),
            row=e.line,
        ) from e
