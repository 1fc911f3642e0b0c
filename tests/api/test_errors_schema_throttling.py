"""The one error shape, the OpenAPI schema and its local docs, and rate limiting."""

import pytest
import yaml
from drf_spectacular.validation import validate_schema

from tests.api.conftest import error, is_japanese

pytestmark = pytest.mark.django_db


# Errors


def test_an_unknown_api_url_is_a_json_404(anon):
    body = error(anon.get("/api/v1/nothing-here/"), 404)
    assert is_japanese(body["message"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/subsidy-applications/1%0A2/approve/",
        "/api/v1/nothing%0Ahere/",
        "/api/v1/a%0D%0Ab/attachments/",
    ],
)
def test_an_unknown_api_url_holding_a_newline_is_a_json_404_too(anon, path):
    """schemathesis found these: the catch-all's "." stopped at the newline and Django answered in HTML."""
    body = error(anon.post(path, {}, format="json"), 404)
    assert is_japanese(body["message"])


def test_a_missing_final_slash_gets_a_hint(anon):
    body = error(anon.get("/api/v1/wards"), 404)
    assert body["extra"]["hint"].endswith("/api/v1/wards/")


def test_a_method_not_allowed_is_405_in_the_shape(anon):
    response = anon.delete("/api/v1/wards/")
    body = error(response, 405)
    assert is_japanese(body["message"]) and "GET" in response["Allow"]


def test_malformed_json_is_a_parse_error(client_for, city_admin):
    response = client_for(city_admin).post("/api/v1/counts/", "{not json", content_type="application/json")
    body = error(response, 400)
    assert is_japanese(body["message"]) and body["extra"]["detail"]


def test_validation_messages_stay_japanese_whatever_the_browser_asks(anon):
    body = error(anon.post("/api/v1/auth/token/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"), 400)
    assert is_japanese(body["message"]) and is_japanese(body["extra"]["fields"]["username"][0])


# The schema and its docs


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_every_operation_has_a_japanese_summary_and_the_error_responses(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert is_japanese(operation.get("summary", "")), where
            assert {"401", "429"} <= set(operation["responses"]), where
            assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }


def test_the_schema_covers_every_resource(schema):
    paths = set(schema["paths"])
    for expected in (
        "/api/v1/wards/",
        "/api/v1/wards.geojson",
        "/api/v1/districts/",
        "/api/v1/federations/",
        "/api/v1/associations/",
        "/api/v1/associations/{code}/counts/",
        "/api/v1/counts/",
        "/api/v1/counts/import/",
        "/api/v1/rounds/",
        "/api/v1/rounds/{survey_date}/",
        "/api/v1/wards/{code}/counts/{survey_date}/",
        "/api/v1/stats/membership/",
        "/api/v1/stats/membership.csv",
        "/api/v1/stats/membership.xlsx",
        "/api/v1/stats/target/",
        "/api/v1/opendata/membership.json",
        "/api/v1/opendata/membership.csv",
        "/api/v1/auth/token/",
    ):
        assert expected in paths, expected


def test_the_token_scheme_is_described(schema):
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")


def test_swagger_ui_is_served_from_local_static_files_with_no_inline_script(anon):
    import re

    response = anon.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn.jsdelivr.net" not in page and "googleapis" not in page
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attributes for attributes in scripts)  # CSP: no inline script
    setup = anon.get("/api/v1/docs/", {"script": ""})
    assert setup.status_code == 200 and "SwaggerUIBundle" in setup.content.decode()


def test_redoc_is_served_from_local_static_files(anon):
    page = anon.get("/api/v1/redoc/").content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/" in page and "googleapis" not in page


# Rate limiting


def test_anonymous_clients_are_rate_limited_per_address(anon, api_settings):
    api_settings.REST_FRAMEWORK = {
        **api_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": None, "login": None},
    }
    assert anon.get("/api/v1/wards/").status_code == 200
    assert anon.get("/api/v1/wards/").status_code == 200
    response = anon.get("/api/v1/wards/")
    body = error(response, 429)
    assert is_japanese(body["message"]) and int(response["Retry-After"]) == body["extra"]["wait"]


def test_token_clients_have_a_budget_per_token(client_for, api_settings, viewer, ward_staff_chuo):
    api_settings.REST_FRAMEWORK = {
        **api_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": "1/minute", "login": None},
    }
    first, second = client_for(viewer), client_for(viewer)
    assert first.get("/api/v1/wards/").status_code == 200
    error(first.get("/api/v1/wards/"), 429)
    assert second.get("/api/v1/wards/").status_code == 200  # another token of the same user


# JSON bodies are typed as the schema says; query parameters, when present, must be valid.


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"households": "212"}, "households"),
        ({"households": 212.5}, "households"),
        ({"households": True}, "households"),
        ({"confirm_members_over": "yes"}, "confirm_members_over"),
        ({"note": 12}, "note"),
        ({"survey_date": "1900-01-01"}, "survey_date"),
    ],
)
def test_json_bodies_are_strictly_typed(client_for, city_admin, association_a, payload, field):
    body = {
        "association": association_a.code,
        "survey_date": "2026-01-01",
        "households": 1,
        "member_households": 1,
    }
    response = client_for(city_admin).post("/api/v1/counts/", {**body, **payload}, format="json")
    assert field in error(response, 400)["extra"]["fields"]


def test_form_bodies_are_for_the_import_only(client_for, city_admin):
    error(client_for(city_admin).post("/api/v1/rounds/", {"deadline": "2026-02-27"}, format="multipart"), 415)


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/counts/?survey_date=", "survey_date"),
        ("/api/v1/wards/?page=", "page"),
        ("/api/v1/wards/?page=abc", "page"),
        ("/api/v1/stats/membership/?level=ward&ward=", "ward"),
        ("/api/v1/stats/membership/?survey_date=", "survey_date"),
    ],
)
def test_a_query_parameter_given_empty_or_malformed_is_an_error(anon, url, field):
    assert field in error(anon.get(url), 400)["extra"]["fields"]


def test_the_entry_sheet_refuses_a_date_it_cannot_name(client_for, ward_staff_chuo):
    response = client_for(ward_staff_chuo).get(
        "/api/v1/wards/01101/entry-sheet.xlsx", {"survey_date": "1900-01-01"}
    )
    assert "survey_date" in error(response, 400)["extra"]["fields"]


def test_a_post_to_an_unknown_url_is_a_json_404_even_with_a_session(client_for, city_admin):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(city_admin)
    error(client.post("/api/v1/associations/%C2%84/dissolve/", {}, format="json"), 404)


@pytest.mark.parametrize("param", ["status", "ordering"])
def test_an_empty_choice_is_an_error_not_all(anon, param):
    assert param in error(anon.get("/api/v1/associations/", {param: ""}), 400)["extra"]["fields"]


def test_an_empty_ward_in_the_import_form_is_an_error(client_for, ward_staff_chuo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("counts.csv", b"a,b\n")
    response = client_for(ward_staff_chuo).post(
        "/api/v1/counts/import/", {"file": file, "survey_date": "2026-01-01", "ward": ""}, format="multipart"
    )
    assert "ward" in error(response, 400)["extra"]["fields"]
