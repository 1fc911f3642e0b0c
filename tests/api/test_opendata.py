"""/api/v1/opendata/membership.{json,csv}: anonymous, aggregated, licensed, small areas withheld."""

import csv
import io
from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.django_db

JSON_URL = "/api/v1/opendata/membership.json"
CSV_URL = "/api/v1/opendata/membership.csv"


def test_ward_and_city_membership_per_survey_date_with_licence_and_attribution(anon, city):
    response = anon.get(JSON_URL)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["license"]["id"] == "CC-BY-4.0"
    assert body["license"]["url"].startswith("https://creativecommons.org/licenses/by/4.0/")
    assert "札幌市" in body["attribution"] and body["publisher"] == "札幌市"
    assert body["suppression_min_households"] == 20
    keys = [(r["survey_date"], r["level"], r["code"]) for r in body["records"]]
    assert keys == [
        ("2024-01-01", "city", "01100"),
        ("2024-01-01", "ward", "01101"),
        ("2024-01-01", "ward", "01102"),
        ("2025-01-01", "city", "01100"),
        ("2025-01-01", "ward", "01101"),
        ("2025-01-01", "ward", "01102"),
    ]
    city_2025 = body["records"][3]
    assert (city_2025["households"], city_2025["member_households"], city_2025["rate"]) == (325, 232, 71.38)


def test_nothing_below_the_ward_and_nothing_personal(anon, city):
    text = anon.get(JSON_URL).content.decode()
    for secret in (city.a.code, city.a.name, "札幌 太郎", "a@example.jp", "a の備考", "大通"):
        assert secret not in text
    fields = set(anon.get(JSON_URL).json()["records"][0])
    assert fields == {
        "survey_date",
        "fiscal_year",
        "level",
        "code",
        "name",
        "associations",
        "households",
        "member_households",
        "rate",
        "suppressed",
        "sample",
    }


def test_small_wards_and_the_city_total_that_would_reveal_them_are_withheld(anon, city, city_row):
    city_row(publication_min_households=150)  # 北区 has 100 households
    records = {(r["survey_date"], r["code"]): r for r in anon.get(JSON_URL).json()["records"]}
    kita = records[("2025-01-01", "01102")]
    assert kita["suppressed"] and kita["households"] is None and kita["rate"] is None
    assert records[("2025-01-01", "01100")]["suppressed"]  # 325 − 225 would give 北区 back
    assert not records[("2025-01-01", "01101")]["suppressed"]


def test_the_same_for_signed_in_users_and_a_bad_token_is_ignored(client_for, anon, city, city_admin):
    assert client_for(city_admin).get(JSON_URL).json() == anon.get(JSON_URL).json()
    anon.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert anon.get(JSON_URL).status_code == 200


def test_csv_with_japanese_headings_and_the_licence_in_headers(anon, city):
    response = anon.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'rel="license"' in response["Link"] and "creativecommons.org/licenses/by/4.0" in response["Link"]
    assert 'rel="describedby"' in response["Link"] and JSON_URL in response["Link"]
    assert response["X-License"] == "CC-BY-4.0"
    assert "札幌市" in unquote(response["X-Attribution"])
    records = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert records[0][:5] == ["調査基準日", "年度", "区分", "コード", "名称"]
    assert records[4][:5] == ["2025-01-01", "2024", "全市", "01100", "札幌市"]
    assert records[4][8] == "71.38"


def test_csv_leaves_withheld_figures_blank(anon, city, city_row):
    city_row(publication_min_households=150)
    records = list(csv.reader(io.StringIO(anon.get(CSV_URL).content.decode("utf-8-sig"))))
    kita = next(r for r in records if r[0] == "2025-01-01" and r[3] == "01102")
    assert kita[5:9] == ["", "", "", ""] and kita[9] == "1"
