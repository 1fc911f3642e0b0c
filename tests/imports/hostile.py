"""Hostile counts files, built by the tests (none is committed): each once took the service down or
answered with a 500, a traceback or a quadratic wait (issue 13)."""

from __future__ import annotations

import io
import zipfile

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b"</Types>"
)
_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="counts" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_START = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
HEADER_CELLS = ("町内会コード", "町内会名", "区域内世帯数", "加入世帯数")


def _text_cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _header_row() -> bytes:
    cells = b"".join(
        _text_cell(f"{letter}1", text) for letter, text in zip("ABCD", HEADER_CELLS, strict=True)
    )
    return b'<row r="1">' + cells + b"</row>"


def workbook(sheet_data: bytes, *, dimension: str = "", padding: int = 0) -> bytes:
    """A minimal valid .xlsx whose one sheet holds `sheet_data` (the <row>s after the header).

    `padding`: bytes of spaces after the sheet's XML, deflated to about a thousandth of their size.
    """
    sheet = _SHEET_START
    if dimension:
        sheet += f'<dimension ref="{dimension}"/>'.encode()
    sheet += b"<sheetData>" + _header_row() + sheet_data + b"</sheetData></worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        if padding:
            with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                f.write(sheet)
                block = b" " * (1 << 20)
                for _ in range(padding // len(block)):
                    f.write(block)
        else:
            archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def far_cell_xlsx() -> bytes:
    """About 1.6 KB: the header, one row, and a value at XFD1048576 (the last cell of a sheet)."""
    return workbook(
        b'<row r="2">'
        + _text_cell("A2", "01101-0001")
        + _text_cell("B2", "大通町内会")
        + b'<c r="C2"><v>10</v></c><c r="D2"><v>5</v></c></row>'
        + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        dimension="A1:XFD1048576",
    )


def far_cell_xlsx_without_references() -> bytes:
    """The far cell again, written without r attributes (readers place such cells one after another):
    16,384 cells in one row, after a row numbered 1,048,576."""
    return workbook(b'<row r="1048576">' + b"<c><v>1</v></c>" * 16_384 + b"</row>")


def declared_only_xlsx() -> bytes:
    """Claims A1:XFD1048576 in <dimension> and holds an empty styled cell there: readers ignore
    both, so this file is read (its one data row imported)."""
    return workbook(
        b'<row r="2">'
        + _text_cell("A2", "01101-0002")
        + _text_cell("B2", "円山町内会")
        + b'<c r="C2"><v>20</v></c><c r="D2"><v>10</v></c></row>'
        + b'<row r="1048576"><c r="XFD1048576" s="0"/></row>',
        dimension="A1:XFD1048576",
    )


def zip_bomb_xlsx(unpacked_mb: int = 300) -> bytes:
    """About 300 KB that unpack to `unpacked_mb` MB of sheet XML (the issue's was 835 KB → 300 MB)."""
    return workbook(b"", padding=unpacked_mb * 1024 * 1024)


def csv_text(*rows: str) -> bytes:
    return (
        "町内会コード,町内会名,区域内世帯数,加入世帯数,備考\r\n" + "".join(r + "\r\n" for r in rows)
    ).encode()


def long_field_csv() -> bytes:
    """A note of 200,000 characters: past Python csv's field limit (131,072), in row 3."""
    return csv_text("01101-0001,大通町内会,10,5,", '01101-0002,円山町内会,20,10,"' + "長" * 200_000 + '"')


def broken_encoding_csv() -> bytes:
    """Row 3 holds bytes that are neither UTF-8 nor Shift_JIS (CP932)."""
    return csv_text("01101-0001,大通町内会,10,5,") + b"01101-0002,\x82\xff\x80,20,10,\r\n"


def huge_cells_csv() -> bytes:
    """Cells just under csv's limit in the code and count columns: messages must not echo them."""
    return csv_text("X" * 100_000 + ",大通町内会," + "9" * 100_000 + ",5,")


def duplicates_csv(copies: int = 4_000) -> bytes:
    """One row `copies` times: about 72 KB for 4,000. Its figures are close to the fixtures' count of
    大通町内会 (500 / 400), so that the duplicate is the row's only finding."""
    return csv_text(*["01101-0001,大通町内会,510,405,"] * copies)


def wide_csv() -> bytes:
    """2 MB of one row with a million fields: the heading search would fold every one of them."""
    return csv_text("01101-0001,大通町内会,10,5," + "1," * 1_000_000)
