"""All three steps for one file.

Part of the importer package (see its docstring); every name is re-exported there."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from wards.models import Ward

from ... import code_format
from .base import ImportFileError, ParsedFile, Preview
from .checks import check_rows
from .reading import iter_tables, read_tables
from .rows import parse_tables

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
    return check_rows(
        parse_file(data, filename=filename, survey_date=survey_date, columns=columns),
        survey_date=survey_date,
        actor=actor,
        ward=ward,
        filename=PurePath(filename).name,
        reason=reason,
    )


def parse_file(
    data: bytes, *, filename: str, survey_date: dt.date, columns: dict[str, str] | None = None
) -> ParsedFile:
    """Steps 1 and 2 (no database): the file's rows and its own issues. A file that cannot be read
    gives no rows and one issue. `survey_date` and `columns` as in RowStream."""
    try:
        tables = read_tables(data, filename)
    except ImportFileError as e:
        return ParsedFile(rows=(), issues=(e.issue,))
    return parse_tables(
        tables, survey_date=survey_date, columns=columns, code_digits=code_format.number_digits()
    )


def count_rows(data: bytes, filename: str) -> int:
    """Rows in the file (all sheets, header and blank rows included): to decide whether to defer.

    Counted as they stream by: a 300,000-row upload is never held as Python lists for this.
    """
    try:
        return sum(sum(1 for _ in rows) for _sheet, rows in iter_tables(data, filename))
    except ImportFileError:
        return 0
