"""Files for spreadsheets: codes that keep their leading zero in pandas (and LibreOffice, which reads
a column of digits the same way), workbooks with Japanese labels, real zeros and text code cells,
and the open data's denominator in the file itself."""

import io

import openpyxl
import pandas as pd
import pytest

pytestmark = pytest.mark.django_db


def frame(response) -> pd.DataFrame:
    """The CSV as pandas reads it with no options (what a new user types)."""
    return pd.read_csv(io.BytesIO(response.content), encoding="utf-8-sig")


def test_pandas_drops_the_zero_of_a_plain_code_column_which_is_why_the_text_form_exists(anon, city):
    df = frame(anon.get("/api/v1/opendata/membership.csv"))
    assert 1101 in set(df["コード"])  # the 5-digit column read as numbers, as the issue saw


def test_open_data_code_text_survives_pandas_and_gives_the_code_back(anon, city):
    df = frame(anon.get("/api/v1/opendata/membership.csv"))
    assert set(df["コード（文字列）"]) == {"C01100", "C01101", "C01102"}
    assert set(df["コード（文字列）"].str.removeprefix("C")) == {"01100", "01101", "01102"}


def test_open_data_csv_carries_its_denominator_in_a_column(anon, city):
    df = frame(anon.get("/api/v1/opendata/membership.csv"))
    assert set(df["加入率の分母"]) == {"区域内世帯数"}


def test_stats_csv_code_text_survives_pandas(anon, city):
    df = frame(anon.get("/api/v1/stats/membership.csv", {"level": "ward"}))
    assert list(df["code_text"]) == ["C01101", "C01102"]


def test_stats_workbook_holds_japanese_labels_real_zeros_and_text_codes(client_for, city_admin, city):
    content = client_for(city_admin).get("/api/v1/stats/membership.xlsx", {"level": "ward"}).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    heading = [cell.value for cell in sheet[1]]
    chuo = {h: cell for h, cell in zip(heading, sheet[2], strict=True)}
    assert chuo["単位"].value == "区" and chuo["分母"].value == "区域内世帯数"
    assert chuo["非公表"].value == 0 and chuo["サンプルデータ"].value == 0
    assert chuo["コード"].value == "01101" and chuo["コード"].data_type == "s"
    assert chuo["コード"].number_format == "@"
    assert chuo["コード（文字列）"].value == "C01101"


def test_stats_workbook_marks_a_withheld_row_with_1(anon, city, city_row):
    city_row(publication_min_households=150)  # 北区 has 100 households
    sheet = openpyxl.load_workbook(
        io.BytesIO(anon.get("/api/v1/stats/membership.xlsx", {"level": "ward"}).content)
    ).active
    heading = [cell.value for cell in sheet[1]]
    kita = dict(zip(heading, [cell.value for cell in sheet[3]], strict=True))
    assert kita["コード"] == "01102" and kita["非公表"] == 1 and kita["区域内世帯数"] is None
