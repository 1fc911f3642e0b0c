"""Samples are always marked: every published row that sums a sample association's count carries the
flag (API, open data, stats CSV and workbook), and while sample data is in the database the open
data names no publisher and no licence of the city's and says that the data are synthetic.

The city fixture's 北区 association (city.kita) is made a sample here, as seed_demo marks its rows:
北区 and the city total then sum synthetic counts, 中央区 does not.
"""

import csv
import io
from urllib.parse import unquote

import openpyxl
import pytest

pytestmark = pytest.mark.django_db

JSON_URL = "/api/v1/opendata/membership.json"
CSV_URL = "/api/v1/opendata/membership.csv"


@pytest.fixture
def sample_city(city):
    city.kita.is_sample = True
    city.kita.save(update_fields=["is_sample"])
    return city


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_open_data_json_flags_the_rows_that_sum_sample_counts(anon, sample_city):
    records = anon.get(JSON_URL).json()["records"]
    flags = {(r["survey_date"], r["code"]): r["sample"] for r in records}
    assert flags == {
        ("2024-01-01", "01100"): True,
        ("2024-01-01", "01101"): False,
        ("2024-01-01", "01102"): True,
        ("2025-01-01", "01100"): True,
        ("2025-01-01", "01101"): False,
        ("2025-01-01", "01102"): True,
    }


def test_open_data_with_sample_data_names_no_city_publisher_and_no_licence(anon, sample_city):
    body = anon.get(JSON_URL).json()
    assert body["synthetic"] is True
    assert body["publisher"] is None and body["license"] is None
    assert "札幌市" not in body["attribution"] and "サンプルデータ" in body["attribution"]
    assert "架空" in body["notes"]
    assert "サンプル" in body["title"]


def test_open_data_csv_with_sample_data_has_a_sample_column_and_no_city_credit(anon, sample_city):
    response = anon.get(CSV_URL)
    assert "X-License" not in response and 'rel="license"' not in response["Link"]
    attribution = unquote(response["X-Attribution"])
    assert "出典：札幌市" not in attribution and "サンプルデータ" in attribution
    assert response["X-Synthetic-Data"] == "true"
    flags = {(r["調査基準日"], r["コード"]): r["サンプル"] for r in rows_of(response)}
    assert flags[("2025-01-01", "01102")] == "1" and flags[("2025-01-01", "01100")] == "1"
    assert flags[("2025-01-01", "01101")] == "0"


def test_open_data_without_sample_data_is_the_citys_and_flags_nothing(anon, city):
    body = anon.get(JSON_URL).json()
    assert body["synthetic"] is False and body["publisher"] == "札幌市"
    assert body["license"]["id"] == "CC-BY-4.0"
    assert not any(r["sample"] for r in body["records"])
    response = anon.get(CSV_URL)
    assert response["X-License"] == "CC-BY-4.0" and response["X-Synthetic-Data"] == "false"
    assert {r["サンプル"] for r in rows_of(response)} == {"0"}


@pytest.mark.parametrize("level, flagged", [("city", {"01100"}), ("ward", {"01102"})])
def test_stats_json_flags_sample_rows_for_anonymous_and_signed_in_callers(
    anon, client_for, city_admin, sample_city, level, flagged
):
    for client in (anon, client_for(city_admin)):
        results = client.get("/api/v1/stats/membership/", {"level": level}).json()["results"]
        assert {r["code"] for r in results if r["sample"]} == flagged
        assert all(r["sample"] is False for r in results if r["code"] not in flagged)


def test_stats_csv_has_a_sample_column(anon, sample_city):
    rows = rows_of(anon.get("/api/v1/stats/membership.csv", {"level": "ward"}))
    assert {r["code"]: r["sample"] for r in rows} == {"01101": "0", "01102": "1"}


def test_stats_workbook_has_a_sample_column(anon, sample_city):
    content = anon.get("/api/v1/stats/membership.xlsx", {"level": "ward"}).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("サンプルデータ")
    code = rows[0].index("コード")
    assert {r[code]: r[column] for r in rows[1:]} == {"01101": 0, "01102": 1}


def test_counts_of_a_sample_association_are_flagged(anon, sample_city):
    results = anon.get("/api/v1/counts/").json()["results"]
    flags = {(r["association"], r["survey_date"]): r["is_sample"] for r in results}
    assert flags[(sample_city.kita.code, "2025-01-01")] is True
    assert flags[(sample_city.a.code, "2025-01-01")] is False
    history = anon.get(f"/api/v1/associations/{sample_city.kita.code}/counts/").json()
    assert history and all(r["is_sample"] for r in history)


def test_the_banner_says_that_ward_and_city_figures_of_sample_data_are_synthetic(anon):
    text = anon.get("/").content.decode()
    assert "サンプルの町内会の世帯数を含む合計の数値" in text and "架空" in text


def test_a_ward_is_flagged_only_on_the_dates_its_sample_association_was_counted(anon, city):
    city.b.is_sample = True  # 中央区's small association, counted on 2025-01-01 only
    city.b.save(update_fields=["is_sample"])
    flags = {(r["survey_date"], r["code"]): r["sample"] for r in anon.get(JSON_URL).json()["records"]}
    assert flags[("2025-01-01", "01101")] and flags[("2025-01-01", "01100")]
    assert not flags[("2024-01-01", "01101")] and not flags[("2024-01-01", "01100")]
    assert not flags[("2025-01-01", "01102")]


@pytest.mark.parametrize("level", ["district", "federation"])
def test_district_and_federation_rows_are_flagged_from_their_counts(client_for, city_admin, city, level):
    city.a.is_sample = True
    city.a.save(update_fields=["is_sample"])
    results = client_for(city_admin).get("/api/v1/stats/membership/", {"level": level}).json()["results"]
    assert {r["code"]: r["sample"] for r in results}[
        {"district": "01101-D01", "federation": "01101-F001"}[level]
    ]
    assert not all(r["sample"] for r in results)
