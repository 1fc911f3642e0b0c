"""Reading the account CSV: encodings, headers and cells. No database."""

import codecs

import pytest

from chonaikai.accounts.imports import CsvFileError, format_error, parse_rows
from chonaikai.accounts.services import AccountRow, RowError

JAPANESE = (
    "ユーザー名,役割,区コード,町内会コード,メールアドレス\r\nsato,町内会役員,,01101-0001,sato@example.jp\r\n"
)


@pytest.mark.parametrize(
    "data, encoding",
    [
        (JAPANESE.encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF8 + JAPANESE.encode("utf-8"), "UTF-8（BOM付き）"),
        (JAPANESE.encode("cp932"), "CP932（Shift_JIS）"),
    ],
    ids=["utf8", "utf8-bom", "cp932"],
)
def test_japanese_headers_are_read_in_every_supported_encoding(data, encoding):
    rows, errors, detected = parse_rows(data)
    assert detected == encoding
    assert errors == []
    assert rows == [AccountRow(2, "sato", "association_leader", "", "01101-0001", "sato@example.jp")]


def test_english_headers_in_any_case_and_order():
    data = b"Email,ROLE,username\nx@example.jp,viewer,x\n"
    rows, errors, _ = parse_rows(data)
    assert errors == []
    assert rows == [AccountRow(2, "x", "viewer", email="x@example.jp")]


def test_cells_are_folded_to_half_width_and_trimmed():
    data = "username,role,ward\n　ｋｉｔａ０１ ,区役所職員,０１１０２\n".encode()
    rows, _, _ = parse_rows(data)
    assert rows == [AccountRow(2, "kita01", "ward_staff", ward="01102")]


def test_blank_lines_are_skipped_but_row_numbers_follow_the_file():
    data = b"username,role\n\n,\nx,viewer\n"
    rows, _, _ = parse_rows(data)
    assert [row.line for row in rows] == [4]


def test_a_row_with_too_many_cells_is_an_error_with_its_row_number():
    rows, errors, _ = parse_rows(b"username,role\nx,viewer,extra\ny,viewer\n")
    assert [row.username for row in rows] == ["y"]
    assert errors == [RowError(2, None, "列が多すぎます（見出しは2列、この行は3列）。")]


def test_an_empty_trailing_heading_is_allowed_while_its_column_is_empty():
    rows, errors, _ = parse_rows(b"username,role,\nx,viewer,\ny,viewer,oops\n")
    assert [row.username for row in rows] == ["x"]
    assert errors == [RowError(3, None, "見出しのない列に値があります。")]


@pytest.mark.parametrize(
    "header, message",
    [
        (b"username,role,password", "パスワードの列は取り込みません"),
        (b"username,role,phone", "3列目の見出し「phone」は使えません"),
        (b"username,ward", "見出し「role」（役割）の列がありません"),
        (b"username,role,role", "見出し「役割」が2回あります"),
    ],
)
def test_a_wrong_header_rejects_the_whole_file(header, message):
    with pytest.raises(CsvFileError) as excinfo:
        parse_rows(header + b"\nx,viewer,1\n")
    assert message in str(excinfo.value)
    assert str(excinfo.value).startswith("1行目（見出し）")


def test_an_empty_file_is_rejected():
    with pytest.raises(CsvFileError, match="ファイルが空です"):
        parse_rows(b"")


def test_utf16_is_rejected_with_advice():
    with pytest.raises(CsvFileError, match="CSV UTF-8"):
        parse_rows("username,role\n".encode("utf-16"))


def test_bytes_that_are_neither_utf8_nor_cp932_are_rejected():
    with pytest.raises(CsvFileError, match="文字コードを判別できません"):
        parse_rows(b"username,role\n\x81\x7f\xff,viewer\n")


def test_errors_name_the_row_and_the_column_in_japanese():
    assert (
        format_error(RowError(7, "association", "見つかりません。"))
        == "7行目「町内会コード」: 見つかりません。"
    )
    assert format_error(RowError(3, None, "列が多すぎます。")) == "3行目: 列が多すぎます。"
