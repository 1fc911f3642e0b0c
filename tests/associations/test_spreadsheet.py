"""spreadsheet.check_workbook: what a reader would allocate, bounded from the XML (no reader runs)."""

import pytest

from chonaikai.associations.imports import spreadsheet
from chonaikai.associations.imports.spreadsheet import FileRefused, check_workbook, column_letters
from tests.imports import hostile

FAR_CELL = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def test_column_letters():
    assert [column_letters(n) for n in (1, 26, 27, 702, 703, 16_384)] == ["A", "Z", "AA", "ZZ", "AAA", "XFD"]


def test_a_far_cell_is_found_wherever_a_chunk_ends():
    before = len(hostile._SHEET_START + b"<sheetData>" + hostile._header_row() + b'<row r="1048576">')
    for cut in range(0, 26):  # the first 1 MB chunk ends `cut` bytes into <c r="XFD1048576">
        padding = b" " * (spreadsheet._CHUNK - before - cut)
        with pytest.raises(FileRefused, match="XFD1048576"):
            check_workbook(hostile.workbook(padding + FAR_CELL))


@pytest.mark.parametrize(
    "sheet_data",
    [
        b'<x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',  # a namespace prefix
        b'<row r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>',  # r not first
        b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',  # lower case
    ],
)
def test_cells_written_otherwise_are_read_exactly(sheet_data):
    with pytest.raises(FileRefused, match="XFD1048576"):
        check_workbook(hostile.workbook(sheet_data))


def test_not_a_zip_is_refused_as_unreadable():
    with pytest.raises(FileRefused, match="Excel ファイルとして読み込めませんでした"):
        check_workbook(b"PK\x03\x04 broken")


def test_a_file_that_passed_is_checked_again_under_other_limits(settings):
    data = hostile.declared_only_xlsx()
    check_workbook(data)
    check_workbook(data)  # remembered
    settings.COUNTS_IMPORT_MAX_SHEET_CELLS = 3
    with pytest.raises(FileRefused, match="上限は 3 セル"):
        check_workbook(data)
    settings.COUNTS_IMPORT_MAX_UNPACKED_BYTES = 100
    with pytest.raises(FileRefused, match="展開すると"):
        check_workbook(data)
