"""The contract: the served schema passes a strict OpenAPI 3.0.3 validator, names itself and its tags
in ASCII for generated clients, and every GET answer, anonymous or signed in, conforms to it
(openapi-core validates the test client's responses against the schema as served)."""

import datetime as dt
import json
import re
import uuid

import pytest
import time_machine
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIResponse
from openapi_core.testing import MockRequest
from openapi_spec_validator import validate as validate_spec
from rest_framework.test import APIClient

from chonaikai.associations.counts.services.rounds import round_open
from chonaikai.subsidies.models import DIGITAL, Programme
from chonaikai.subsidies.workflow import Status
from tests.api.conftest import LATEST
from tests.subsidies.helpers import make_application

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def text(value: bytes, **parameters) -> str:
    """A text/* body as the string its schema describes (openapi-core leaves unknown types as bytes)."""
    return value.decode(parameters.get("charset", "utf-8"))


@pytest.fixture(scope="module")
def openapi(schema):
    return OpenAPI.from_dict(
        schema,
        config=Config(extra_media_type_deserializers={"text/csv": text, "application/geo+json": json.loads}),
    )


# The schema itself


def test_the_schema_is_served_as_json_when_asked(anon):
    for response in (
        anon.get("/api/v1/schema/", {"format": "json"}),
        anon.get("/api/v1/schema/", HTTP_ACCEPT="application/json"),
    ):
        assert response.status_code == 200
        assert re.match(r"application/(vnd\.oai\.openapi\+)?json", response["Content-Type"])
        assert json.loads(response.content)["openapi"] == "3.0.3"
    assert anon.get("/api/v1/schema/").content.startswith(b"openapi: 3.0.3")  # YAML by default


def test_the_schema_passes_a_strict_openapi_validator(schema):
    validate_spec(schema)


def test_no_nullable_reference_is_left_that_3_0_3_would_not_let_be_null(schema):
    text = json.dumps(schema)
    for match in re.finditer(r'\{"allOf": \[\{"\$ref": "[^"]+"\}\][^{}]*\}', text):
        assert '"nullable": true' not in match.group(0), match.group(0)


def test_the_title_operation_ids_and_tags_are_ascii_with_descriptions_kept(schema):
    assert schema["info"]["title"].isascii() and schema["info"]["title"]
    assert "町内会・自治会 加入状況システム API" in schema["info"]["description"]
    described = {tag["name"]: tag["description"] for tag in schema["tags"]}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert re.fullmatch(r"[a-z][a-z0-9_]*", operation["operationId"]), where
            assert operation["tags"], where
            for tag in operation["tags"]:
                assert re.fullmatch(r"[a-z][a-z0-9-]*", tag), where
                assert described.get(tag), where  # the Japanese name, as the description
    assert described["auth"] == "認証" and described["subsidy-applications"] == "補助金（申請）"


def _titles(node, found):
    if isinstance(node, dict):
        if isinstance(node.get("title"), str):
            found.append(node["title"])
        for key, value in node.items():
            if key not in ("example", "examples"):
                _titles(value, found)
    elif isinstance(node, list):
        for item in node:
            _titles(item, found)
    return found


def test_schema_titles_are_ascii_for_generated_class_names_with_the_label_kept(schema):
    """openapi-python-client names enum classes after titles: 「状態」 gave `AssociationsList状態`."""
    assert all(title.isascii() for title in _titles(schema["paths"], []))
    assert all(title.isascii() for title in _titles(schema["components"]["schemas"], []))
    operation = schema["paths"]["/api/v1/associations/"]["get"]
    status = next(p for p in operation["parameters"] if p["name"] == "status")
    assert "状態" in (status.get("description", "") + status["schema"].get("description", ""))


# Responses conform to the schema


@pytest.fixture
def dataset(city):
    """The API's city, a survey round, and subsidy applications with and without a completion report."""
    with time_machine.travel(TODAY, tick=False):
        round_open(actor=None, survey_date=LATEST, deadline=dt.date(2025, 2, 28))
        digital = Programme.objects.get(code=DIGITAL, fiscal_year=2026)
        submitted = make_application(city.a, programme=digital, status=Status.SUBMITTED)
        make_application(city.kita, programme=digital, status=Status.CONFIRMED)
    return {
        "{code}": {
            "associations": city.a.code,
            "districts": city.district.code,
            "federations": city.federation.code,
            "wards": "01101",
            "subsidy-programmes": DIGITAL,
        },
        "{fiscal_year}": "2026",
        "{survey_date}": LATEST.isoformat(),
        "{id}": {"subsidy-programmes": str(digital.pk), "subsidy-applications": str(submitted.pk)},
        "{task_id}": str(uuid.uuid4()),
    }


def get_urls(schema, values, extra=()):
    """Every GET path of the schema with its parameters filled in from the dataset."""
    urls = []
    for path in schema["paths"]:
        if "get" not in schema["paths"][path]:
            continue
        resource = path.removeprefix("/api/v1/").split("/")[0]
        url = path
        for name, value in values.items():
            if name in url:
                url = url.replace(name, value[resource] if isinstance(value, dict) else value)
        urls.append(url)
    return [*urls, *extra]


def assert_conforms(openapi, response, url):
    # The URL as sent (Django's adapter would match the route's regex, escapes and all).
    sent = response.wsgi_request
    request = MockRequest("http://testserver", "GET", sent.path, args=sent.GET.dict())
    result = openapi.unmarshal_response(request, DjangoOpenAPIResponse(response))
    assert not result.errors, (
        url,
        response.status_code,
        [str(e) for e in result.errors],
        response.content[:300],
    )


@pytest.mark.parametrize("caller", ["anonymous", "city_admin", "leader_a"])
def test_every_get_answer_conforms_to_the_schema(schema, openapi, dataset, city, client_for, caller, request):
    client = APIClient() if caller == "anonymous" else client_for(request.getfixturevalue(caller))
    extra = [
        f"/api/v1/associations/{city.b.code}/",  # the small area: figures withheld for anonymous callers
        f"/api/v1/associations/{city.b.code}/counts/",
        f"/api/v1/counts/?association={city.b.code}",
        "/api/v1/stats/membership/?level=ward",
        "/api/v1/stats/membership/?level=federation&ward=01101",
        "/api/v1/subsidy-applications/?status=submitted",
    ]
    checked = []
    with time_machine.travel(TODAY, tick=False):
        for url in get_urls(schema, dataset, extra):
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            assert_conforms(openapi, response, url)
            checked.append((url, response.status_code))
    assert len([c for c in checked if c[1] == 200]) >= 12, checked


@pytest.mark.parametrize("caller", ["anonymous", "city_admin"])
def test_answers_with_sample_data_conform_to_the_schema(
    schema, openapi, dataset, city, client_for, caller, request
):
    """With sample data the open data has no publisher and no licence (null) and rows carry `sample`."""
    city.kita.is_sample = True
    city.kita.save(update_fields=["is_sample"])
    client = APIClient() if caller == "anonymous" else client_for(request.getfixturevalue(caller))
    with time_machine.travel(TODAY, tick=False):
        body = client.get("/api/v1/opendata/membership.json").json()
        assert body["license"] is None and body["publisher"] is None
        for url in get_urls(schema, dataset, ["/api/v1/stats/membership/?level=ward"]):
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            assert_conforms(openapi, response, url)


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("post", "/api/v1/auth/token/", "{}", 400),
        ("post", "/api/v1/auth/token/", "[" * 10_000 + "]" * 10_000, 400),
        ("post", "/api/v1/auth/token/", '{"username": "' + "x" * 3_000_000 + '"}', 413),
        ("post", "/api/v1/counts/", "{}", 401),
        ("get", "/api/v1/associations/09999-9999/", None, 404),
        ("get", "/api/v1/stats/membership/?survey_date=1800-01-01", None, 400),
    ],
)
def test_error_answers_conform_to_the_schema(openapi, anon, method, url, body, status):
    if body is None:
        response = anon.get(url)
    else:
        response = getattr(anon, method)(url, body, content_type="application/json")

    assert response.status_code == status
    sent = response.wsgi_request
    request = MockRequest("http://testserver", method.upper(), sent.path, args=sent.GET.dict())
    result = openapi.unmarshal_response(request, DjangoOpenAPIResponse(response))
    assert not result.errors, [str(e) for e in result.errors]
