"""The shared file helpers: the one CSV decoder (chonaikai.files.text) and the xlsx writer's cells
and headings (chonaikai.files.xlsx)."""

import codecs

import pytest
from django.utils.translation import gettext_lazy, override
from openpyxl import Workbook

from chonaikai.files import text, xlsx


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("町内会,①\n".encode(), text.UTF8),
        (codecs.BOM_UTF8 + "町内会,①\n".encode(), text.UTF8_BOM),
        ("町内会,①\n".encode("cp932"), text.CP932),
    ],
)
def test_decode_text_names_the_encoding_it_read(data, encoding):
    decoded = text.decode_text(data)
    assert decoded.text == "町内会,①\n"
    assert decoded.encoding == encoding


def test_a_utf16_file_is_refused_as_utf16():
    with pytest.raises(text.UndecodableText) as refused:
        text.decode_text("町内会".encode("utf-16"))
    assert refused.value.kind == text.UndecodableText.UTF16


def test_a_utf8_bom_then_other_bytes_is_not_read_as_cp932():
    data = codecs.BOM_UTF8 + b"a,b\n" + "町".encode("cp932")
    with pytest.raises(text.UndecodableText) as refused:
        text.decode_text(data)
    assert refused.value.kind == text.UndecodableText.BAD_UTF8
    assert (refused.value.byte, refused.value.line) == (7, 2)


def test_bytes_in_neither_encoding_name_the_line_where_reading_failed():
    with pytest.raises(text.UndecodableText) as refused:
        text.decode_text(b"a,b\nc,d\n\x82\xff\n")
    assert refused.value.kind == text.UndecodableText.UNKNOWN
    assert refused.value.line == 3


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_would_start_a_formula_gets_an_apostrophe(start):
    assert xlsx.excel_safe(f"{start}1+1") == f"'{start}1+1"
    assert xlsx.excel_safe(5) == 5


def test_a_heading_row_is_bold_sized_and_frozen_and_lazy_text_is_written_as_text():
    ws = Workbook().active
    xlsx.append_row(ws, ["title"])
    with override("ja"):
        row = xlsx.header_row(ws, [gettext_lazy("町内会名"), "=x"], (30, 12), frozen_columns="B")
    assert row == 2
    assert [c.value for c in ws[2]] == ["町内会名", "'=x"]
    assert all(c.font.bold for c in ws[2])
    assert ws.column_dimensions["A"].width == 30
    assert ws.freeze_panes == "B3"
