"""Three rules come from the loaded city's profile, not from the code: the survey date, the
association code format and the publication threshold. Each test changes the City row (city_row)
and checks that the rounds, the grid, the import, the API and the published figures follow it.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from chonaikai.associations import code_format, services, survey
from chonaikai.associations.counts.services.rounds import default_survey_date
from chonaikai.associations.imports import importer
from chonaikai.associations.imports.importer import Col
from chonaikai.associations.models import Association, HouseholdCount
from chonaikai.associations.registry.selectors import next_association_code
from chonaikai.associations.stats import publication
from chonaikai.calendar import fiscal_year_of
from chonaikai.codes import normalize_association_code
from tests.factories import AssociationFactory
from wards import boundaries
from wards.models import Ward

JUNE, JANUARY = dt.date(2025, 6, 1), dt.date(2025, 1, 1)
HEADER = [Col.CODE, Col.NAME, Col.HOUSEHOLDS, Col.MEMBERS]


@pytest.fixture
def june(city_row):
    """A city that counts on 1 June (as Sendai's profile says)."""
    return city_row(survey_month=6, survey_day=1)


@pytest.fixture
def area(db) -> Ward:
    return Ward.objects.order_by("code").first()


def csv_file(rows) -> bytes:
    return ("\r\n".join(",".join(str(c) for c in r) for r in [HEADER, *rows]) + "\r\n").encode()


def open_round(day: dt.date, actor):
    return services.round_open(actor=actor, survey_date=day, deadline=day + dt.timedelta(days=30))


# ---------------------------------------------------------------------------------------------
# The survey date
# ---------------------------------------------------------------------------------------------


def test_a_round_opens_on_the_citys_survey_day_and_not_on_another(june, city_admin):
    survey_round = open_round(JUNE, city_admin)
    assert survey_round.survey_date == JUNE
    with pytest.raises(services.RoundError) as refused:
        open_round(JANUARY, city_admin)
    assert "6月1日" in refused.value.message and "令和7年1月1日" in refused.value.message


def test_the_default_survey_date_is_the_citys_day_of_this_year(june):
    assert default_survey_date(dt.date(2025, 3, 3)) == JUNE
    assert survey.default_survey_date(dt.date(2025, 12, 31)) == JUNE


def test_a_city_counting_on_1_january_refuses_a_june_round(city_admin):
    with pytest.raises(services.RoundError) as refused:
        open_round(JUNE, city_admin)
    assert "1月1日" in refused.value.message


def test_the_grid_opens_for_the_citys_day_and_names_it_for_another(june, city_admin, area):
    open_round(JUNE, city_admin)
    client = APIClient()
    client.force_authenticate(city_admin)
    assert client.get(f"/api/v1/wards/{area.code}/counts/2025-06-01/").status_code == 200
    response = client.get(f"/api/v1/wards/{area.code}/counts/2025-01-01/")
    assert response.status_code == 404
    assert "6月1日" in response.json()["message"]


def test_a_count_posted_for_another_day_names_the_citys_day(june, city_admin, area):
    association = AssociationFactory(ward=area)
    open_round(JUNE, city_admin)
    client = APIClient()
    client.force_authenticate(city_admin)
    entry = {"association": association.code, "households": 100, "member_households": 60}
    response = client.post("/api/v1/counts/", {**entry, "survey_date": "2025-01-01"}, format="json")
    assert response.status_code == 400
    assert "6月1日" in response.json()["message"]
    response = client.post("/api/v1/counts/", {**entry, "survey_date": "2025-06-01"}, format="json")
    assert response.status_code == 201, response.content
    assert HouseholdCount.objects.get(association=association).survey_date == JUNE


def test_the_import_takes_the_citys_day_and_refuses_another_naming_it(june, city_admin, area):
    association = AssociationFactory(ward=area)
    data = csv_file([[association.code, association.name, 100, 60]])
    accepted = importer.preview_file(data, filename="counts.csv", survey_date=JUNE, actor=city_admin)
    assert not accepted.has_errors, [i.message for i in accepted.issues]
    refused = importer.preview_file(data, filename="counts.csv", survey_date=JANUARY, actor=city_admin)
    assert refused.has_errors
    assert any("6月1日" in i.message and "令和7年1月1日" in i.message for i in refused.issues)


def test_the_import_api_refuses_another_day_naming_the_citys(june, city_admin, area):
    association = AssociationFactory(ward=area)
    client = APIClient()
    client.force_authenticate(city_admin)
    data = csv_file([[association.code, association.name, 100, 60]])
    response = client.post(
        "/api/v1/counts/import/",
        {"file": SimpleUploadedFile("counts.csv", data), "survey_date": "2025-01-01"},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert any("6月1日" in e["message"] for e in response.json()["extra"]["errors"])
    assert not HouseholdCount.objects.exists()
    response = client.post(
        "/api/v1/counts/import/",
        {"file": SimpleUploadedFile("counts.csv", data), "survey_date": "2025-06-01"},
        format="multipart",
    )
    assert response.status_code in (200, 201), response.content
    assert HouseholdCount.objects.get(association=association).survey_date == JUNE


@pytest.mark.parametrize(
    ("month", "fiscal_year", "survey_date"),
    [
        (1, 2022, dt.date(2023, 1, 1)),  # a January survey closes the fiscal year begun the April before
        (6, 2024, dt.date(2024, 6, 1)),
        (4, 2024, dt.date(2024, 4, 1)),  # the first day of the fiscal year
        (3, 2024, dt.date(2025, 3, 1)),
    ],
)
def test_a_fiscal_years_survey_is_the_citys_survey_in_that_fiscal_year(
    city_row, month, fiscal_year, survey_date
):
    city_row(survey_month=month, survey_day=1)
    assert survey.survey_date_of_fiscal_year(fiscal_year) == survey_date
    assert fiscal_year_of(survey_date) == fiscal_year


def test_the_open_data_notes_name_the_citys_survey_day(june):
    notes = APIClient().get("/api/v1/opendata/membership.json").json()["notes"]
    assert "6月1日の調査" in notes and "1月1日の調査" not in notes


# ---------------------------------------------------------------------------------------------
# The association code format
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def three_digits(city_row):
    return city_row(association_number_digits=3)


def test_the_format_follows_the_number_of_digits(three_digits):
    assert code_format.is_association_code("01101-001")
    assert not code_format.is_association_code("01101-0001")
    assert code_format.normalize("０１１０１－００１") == "01101-001"
    assert code_format.normalize("01101001") == "01101-001"
    assert normalize_association_code("011010001", 4) == "01101-0001"  # codes.py takes the width as given
    assert boundaries.normalise_area_code("01101001", level="association") == "01101-001"


def test_the_next_code_of_an_area_has_the_citys_width(three_digits, area):
    assert next_association_code(area) == f"{area.code}-001"
    AssociationFactory(ward=area, code=f"{area.code}-998")
    assert next_association_code(area) == f"{area.code}-999"
    AssociationFactory(ward=area, code=f"{area.code}-999")
    assert next_association_code(area) is None


def test_the_import_reads_the_citys_width_and_states_it(three_digits, city_admin, area):
    association = AssociationFactory(ward=area, code=f"{area.code}-001")
    data = csv_file([[f"{area.code}001", association.name, 100, 60], [f"{area.code}-0002", "X", 10, 5]])
    preview = importer.preview_file(
        data, filename="counts.csv", survey_date=survey.default_survey_date(), actor=city_admin
    )
    assert preview.rows[0].code == association.code  # 01101001 read as 01101-001
    assert not any(i.is_error for i in preview.rows[0].issues)
    [wrong] = [i for i in preview.rows[1].issues if i.is_error]
    assert "形式が正しくありません" in wrong.message and "3桁" in wrong.message


def test_the_api_takes_the_citys_width_and_states_it(three_digits, city_admin, area):
    client = APIClient()
    client.force_authenticate(city_admin)
    entry = {"survey_date": "2025-01-01", "households": 1, "member_households": 1}
    response = client.post("/api/v1/counts/", {**entry, "association": f"{area.code}-0001"}, format="json")
    assert response.status_code == 400
    message = response.json()["extra"]["fields"]["association"][0]
    assert "3桁" in message and f"{area.code}-001" in message
    response = client.post("/api/v1/counts/", {**entry, "association": f"{area.code}-001"}, format="json")
    assert "association" not in response.json().get("extra", {}).get("fields", {})


def test_the_model_holds_a_code_to_the_citys_width(three_digits, area):
    good = Association(ward=area, code=f"{area.code}-001", name="テスト町内会")
    good.full_clean(validate_unique=False)
    bad = Association(ward=area, code=f"{area.code}-0001", name="テスト町内会")
    with pytest.raises(Exception) as refused:
        bad.full_clean(validate_unique=False)
    assert "3桁" in str(refused.value)


# ---------------------------------------------------------------------------------------------
# The publication threshold
# ---------------------------------------------------------------------------------------------


def test_the_threshold_is_the_citys(city_row):
    assert publication.min_households() == 20  # the suite's city
    city_row(publication_min_households=150)
    assert publication.min_households() == 150
    assert publication.threshold_for(AnonymousUser()) == 150
    body = APIClient().get("/api/v1/opendata/membership.json").json()
    assert body["suppression_min_households"] == 150
    assert "150世帯未満" in body["notes"]
