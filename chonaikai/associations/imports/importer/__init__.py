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

`parse_file()` does steps 1 and 2, `preview_file()` all three. `services.counts_import_commit()` runs step 3 again inside its
transaction, so a preview can be shown, kept and committed later without being trusted.

The fast import on PostgreSQL (services.counts_fast) never holds a file's rows: it reads with
`iter_tables`, parses with `RowStream` (what `parse_tables` uses) and checks with `RowChecker` and
`duplicate_issue` (what `check_rows` uses), so both paths give the same rows and the same issues.

Rows are numbered as the spreadsheet shows them (the first row is 1), so every message can say
which sheet, row and column to fix. Messages are in Japanese (the people who read them are the
ward offices' staff) and translated (gettext) in the language active when the file is checked;
column names in them are the import format's headings, which stay Japanese in every language.

Package layout: `base` (the data), `reading` (formats), `cells`, `layout` (headings, title
dates), `rows` (RowStream), `checks`, `preview` (all three steps). Every name is re-exported here:
callers use `importer.X` as before.
"""

from .base import (
    APPROVED,
    COUNT_MAX,
    CSV_MAX_COLUMNS,
    CSV_SUFFIXES,
    ERROR,
    HEADER_SEARCH_ROWS,
    KNOWN_COLUMNS,
    LARGE_CHANGE,
    MAPPABLE_COLUMNS,
    NOTE_MAX_LENGTH,
    REQUIRED_COLUMNS,
    SPREADSHEET_SUFFIXES,
    SUBMITTED,
    TOTAL_LABELS,
    WARNING,
    ZERO_MARKS,
    Col,
    HeaderCandidates,
    ImportFileError,
    Issue,
    ParsedFile,
    ParsedRow,
    Preview,
    PreviewRow,
    RowStatus,
    Summary,
    Table,
    _parsed_row,
)
from .cells import normalize_code, parse_count
from .checks import (
    DUPLICATES_LISTED,
    Registered,
    RowChecker,
    asks_for_reason,
    check_rows,
    duplicate_issue,
    duplicate_repeat_issue,
    load_register,
    previous_counts,
    survey_date_issues,
)
from .layout import HEADER_SYNONYMS, MISSING_COLUMNS, date_in_text, heading_key, mapping_issues
from .preview import count_rows, parse_file, preview_file
from .reading import check_file, check_upload_size, decode_text, iter_tables, max_upload_bytes, read_tables
from .rows import RowStream, parse_tables

__all__ = [
    "APPROVED",
    "COUNT_MAX",
    "CSV_MAX_COLUMNS",
    "CSV_SUFFIXES",
    "DUPLICATES_LISTED",
    "ERROR",
    "HEADER_SEARCH_ROWS",
    "HEADER_SYNONYMS",
    "KNOWN_COLUMNS",
    "LARGE_CHANGE",
    "MAPPABLE_COLUMNS",
    "MISSING_COLUMNS",
    "NOTE_MAX_LENGTH",
    "REQUIRED_COLUMNS",
    "SPREADSHEET_SUFFIXES",
    "SUBMITTED",
    "TOTAL_LABELS",
    "WARNING",
    "ZERO_MARKS",
    "Col",
    "HeaderCandidates",
    "ImportFileError",
    "Issue",
    "ParsedFile",
    "ParsedRow",
    "Preview",
    "PreviewRow",
    "Registered",
    "RowChecker",
    "RowStatus",
    "RowStream",
    "Summary",
    "Table",
    "_parsed_row",
    "asks_for_reason",
    "check_file",
    "check_rows",
    "check_upload_size",
    "count_rows",
    "date_in_text",
    "decode_text",
    "duplicate_issue",
    "duplicate_repeat_issue",
    "heading_key",
    "iter_tables",
    "load_register",
    "mapping_issues",
    "max_upload_bytes",
    "normalize_code",
    "parse_count",
    "parse_file",
    "parse_tables",
    "preview_file",
    "previous_counts",
    "read_tables",
    "survey_date_issues",
]
