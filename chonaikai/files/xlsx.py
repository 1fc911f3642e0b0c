"""The one xlsx writer: every workbook the project hands out (household counts, plan indicators,
subsidies' accounting, the API's statistics) writes its cells and headings through this module.

Every value goes into a cell through excel_safe(), so that no text typed by a user (a name, a
note, a purpose) can start a formula (CSV/DDE injection). Lazy translations are written as text.
"""

from __future__ import annotations

from django.utils.functional import Promise
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# Text starting with these would be a formula in Excel, LibreOffice or Google Sheets. Exports
# prefix such text with an apostrophe (excel_safe); the counts importer drops that apostrophe
# again when it reads a text cell, so an exported sheet reads back unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def excel_safe(value):
    """The value to write in a cell: text that would start a formula gets a leading apostrophe.

    (openpyxl itself stores any string starting with "=" as a formula.) A lazy translation is
    written as the text of the active language.
    """
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def append_row(ws, values) -> int:
    """Append one row of values (each through excel_safe); return its row number."""
    ws.append([excel_safe(v) for v in values])
    return ws.max_row


def header_row(ws, columns, widths, *, frozen_columns: str = "A") -> int:
    """Append a bold, centred heading row, set the columns' widths and freeze the rows above the
    data (and the columns before `frozen_columns`); return the heading's row number."""
    row = append_row(ws, columns)
    style_header(ws, row)
    set_widths(ws, widths)
    # A coordinate: ws.cell() would create a cell and shift later appends.
    ws.freeze_panes = f"{frozen_columns}{row + 1}"
    return row


def style_header(ws, row: int) -> None:
    for cell in ws[row]:
        cell.font = BOLD
        cell.alignment = Alignment(horizontal="center", wrap_text=True)


def set_widths(ws, widths) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
