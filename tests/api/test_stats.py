"""/api/v1/stats/…: membership per level (JSON, CSV, xlsx), target progress, survey dates.

The city fixture on 2025-01-01: 中央区 225 households / 157 members (a 210/147, b 15/10), 北区 100/75;
on 2024-01-01: 中央区 200/150 (a), 北区 100/80.
"""

import csv
import io

import pytest
from openpyxl import load_workbook

from chonaikai.associations.models import Target
from tests.api.conftest import error, is_japanese

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/membership/"


def rows(response) -> dict:
    assert response.status_code == 200, response.content
    return {r["code"]: r for r in response.json()["results"]}


def test_city_membership_on_the_latest_survey_by_default(anon, city):
    body = anon.get(URL).json()
    assert body["survey_date"] == "2025-01-01" and body["level"] == "city"
    [row] = body["results"]
    assert (row["code"], row["households"], row["member_households"]) == ("01100", 325, 232)
    assert (row["rate"], row["change"], row["previous_rate"]) == (71.38, -5.29, 76.67)
    assert row["suppressed"] is False and row["fiscal_year"] == 2024


def test_ward_membership_with_the_change_against_the_previous_survey(anon, city):
    by_code = rows(anon.get(URL, {"level": "ward", "survey_date": "2025-01-01"}))
    assert set(by_code) == {"01101", "01102"}
    assert (by_code["01101"]["rate"], by_code["01101"]["change"]) == (69.78, -5.22)
    assert (by_code["01102"]["rate"], by_code["01102"]["change"]) == (75.0, -5.0)


def test_district_and_federation_levels_within_a_ward(anon, city):
    federations = rows(anon.get(URL, {"level": "federation", "ward": "01101"}))
    assert federations["01101-F001"]["households"] == 210
    # Association b belongs to no federation; 15 households is below the publication threshold (20).
    assert federations["-"]["suppressed"] is True and federations["-"]["households"] is None
    districts = rows(anon.get(URL, {"level": "district"}))
    assert districts["01101-D01"]["member_households"] == 147


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "association"}, "level"),
        ({"level": "prefecture"}, "level"),
        ({"survey_date": "2025-1-1x"}, "survey_date"),
        ({"level": "ward", "ward": "09999"}, "ward"),
        ({"ward": "01101"}, "ward"),  # not with level=city
    ],
)
def test_bad_parameters_name_the_field_in_japanese(anon, city, params, field):
    body = error(anon.get(URL, params), 400)
    assert field in body["extra"]["fields"] and is_japanese(body["message"])


def test_a_survey_date_without_counts_is_not_found_and_lists_the_dates(anon, city):
    body = error(anon.get(URL, {"survey_date": "2020-01-01"}), 404)
    assert body["extra"]["survey_dates"] == ["2025-01-01", "2024-01-01"]


def test_anonymous_callers_get_small_areas_withheld(anon, client_for, city, viewer, city_row):
    city_row(publication_min_households=150)
    public = anon.get(URL, {"level": "ward"}).json()
    assert public["suppression_min_households"] == 150
    kita = {r["code"]: r for r in public["results"]}["01102"]
    assert kita["suppressed"] is True
    assert all(kita[f] is None for f in ("households", "member_households", "rate", "change", "associations"))
    staff = rows(client_for(viewer).get(URL, {"level": "ward"}))
    assert staff["01102"]["households"] == 100 and staff["01102"]["suppressed"] is False


def test_the_city_total_is_withheld_when_it_would_give_a_small_ward_away(anon, city, city_row):
    city_row(publication_min_households=150)  # 北区 (100) is withheld; city − 中央区 = 北区
    [row] = anon.get(URL).json()["results"]
    assert row["suppressed"] is True and row["rate"] is None


def test_the_change_is_withheld_when_the_previous_survey_was_small(anon, city, city_row):
    city_row(publication_min_households=210)  # 中央区: 225 now, 200 before
    chuo = rows(anon.get(URL, {"level": "ward"}))["01101"]
    assert chuo["suppressed"] is False and chuo["rate"] == 69.78
    assert chuo["change"] is None and chuo["previous_rate"] is None


def test_membership_as_csv_with_the_command_lines_columns(anon, city):
    response = anon.get("/api/v1/stats/membership.csv", {"level": "ward"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="membership-2025-01-01-ward.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    assert [r["code"] for r in records] == ["01101", "01102"]
    assert records[0]["rate"] == "69.78" and records[0]["name"] == "中央区"


def test_membership_as_xlsx_with_japanese_headings(anon, city):
    response = anon.get("/api/v1/stats/membership.xlsx", {"level": "ward"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("単位", "コード", "名称")
    assert values[1][1:3] == ("01101", "中央区") and values[1][8] == pytest.approx(69.78)


def test_export_errors_are_json_in_the_one_shape(anon, city):
    error(anon.get("/api/v1/stats/membership.csv", {"level": "nope"}), 400)
    error(anon.get("/api/v1/stats/membership.xlsx", {"survey_date": "2019-01-01"}), 404)


def test_the_city_summary_workbook_is_for_signed_in_users(anon, client_for, city, viewer):
    error(anon.get("/api/v1/stats/city-summary.xlsx"), 401)
    response = client_for(viewer).get("/api/v1/stats/city-summary.xlsx", {"survey_date": "2025-01-01"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert any(row[0] == "01101" for row in sheet.iter_rows(values_only=True))


def test_target_progress(anon, city):
    # The plan's figures come with a data migration; replaced here by round numbers for the city fixture.
    Target.objects.filter(metric="member_households").delete()
    Target.objects.create(metric="member_households", kind="baseline", fiscal_year=2022, value=200)
    Target.objects.create(metric="member_households", kind="target", fiscal_year=2028, value=264)
    body = anon.get("/api/v1/stats/target/").json()
    assert body["survey_date"] == "2025-01-01"
    assert body["baseline"]["value"] == 200 and body["target"]["fiscal_year"] == 2028
    assert body["progress"] == {"baseline": 200, "target": 264, "current": 232, "gap": 32, "share_done": 50.0}


def test_target_without_counts_has_the_plan_but_no_progress(anon):
    body = anon.get("/api/v1/stats/target/").json()
    assert (body["survey_date"], body["city"], body["progress"]) == (None, None, None)
    assert body["target"]["fiscal_year"] == 2028  # the plan's figures, loaded by a migration


def test_survey_dates_newest_first(anon, city):
    assert anon.get("/api/v1/survey-dates/").json() == [
        {"survey_date": "2025-01-01", "fiscal_year": 2024},
        {"survey_date": "2024-01-01", "fiscal_year": 2023},
    ]
