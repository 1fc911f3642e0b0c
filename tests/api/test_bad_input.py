"""Bad input is a 4xx in the API's error shape, never a 500: deep or huge JSON bodies; help texts print."""

import pytest
from django.core.management import get_commands, load_command_class

from api.parsers import nesting_exceeds
from tests.api.conftest import error, is_japanese

pytestmark = pytest.mark.django_db


def deep(levels: int, opener: str = "[", closer: str = "]") -> str:
    return opener * levels + closer * levels


@pytest.mark.parametrize(
    "body", [deep(100_000), deep(100_000, '{"a":', "}"), '{"username":' + deep(50_000) + "}"]
)
def test_a_json_body_nested_deeper_than_the_limit_is_a_400_in_the_error_shape(anon, body):
    response = anon.post("/api/v1/auth/token/", body, content_type="application/json")

    body = error(response, 400)
    assert is_japanese(body["message"])


def test_a_json_body_nested_deeply_is_refused_on_signed_in_endpoints_too(client_for, city_admin):
    response = client_for(city_admin).post("/api/v1/counts/", deep(5_000), content_type="application/json")

    error(response, 400)


@pytest.mark.parametrize(
    "body",
    [b'{"username": "\xff\xfe"}', b'{"username": NaN, "password": "x"}', b'{"username": "a"', b"\x00"],
    ids=["not-utf8", "nan", "truncated", "nul"],
)
def test_a_body_that_is_not_json_is_a_400_in_the_error_shape(anon, body):
    response = anon.post("/api/v1/auth/token/", body, content_type="application/json")

    assert error(response, 400)["extra"]["detail"]


def test_a_json_body_within_the_limits_is_read(anon, ward_staff_chuo):
    nested_string = '"' + "[" * 100 + '"'  # brackets inside strings do not count as nesting
    body = (
        '{"username": "ward_staff_chuo", "password": "correct horse battery", "name": '
        + nested_string
        + ', "ignored": '
        + deep(20)
        + "}"
    )

    response = anon.post("/api/v1/auth/token/", body, content_type="application/json")

    assert response.status_code == 201, response.content
    assert response.json()["name"] == "[" * 100


def test_a_json_body_larger_than_the_limit_is_a_413_in_the_error_shape(anon, settings):
    settings.API_JSON_MAX_BYTES = 1_000
    body = '{"username": "' + "x" * 2_000 + '", "password": "y"}'

    response = anon.post("/api/v1/auth/token/", body, content_type="application/json")

    data = error(response, 413)
    assert is_japanese(data["message"])


def test_a_body_over_djangos_upload_limit_is_a_413_in_the_error_shape(anon, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = '{"username": "' + "x" * 2_000 + '", "password": "y"}'

    response = anon.post("/api/v1/auth/token/", body, content_type="application/json")

    data = error(response, 413)
    assert is_japanese(data["message"])


@pytest.mark.parametrize(
    ("text", "exceeds"),
    [
        ("[]", False),
        (deep(3), False),
        (deep(4), True),
        ('{"a": {"b": {"c": 1}}}', False),
        ('{"a": {"b": {"c": {}}}}', True),
        ('["[[[[[[", "]]]"]', False),  # brackets inside strings are text
        ('["\\"[[[[[["]', False),  # an escaped quote does not end the string
        ("[1, 2, 3, [4], [5], [6], [7]]", False),  # wide, not deep
    ],
)
def test_nesting_is_measured_outside_strings(text, exceeds):
    assert nesting_exceeds(text, 3) is exceeds


PROJECT_APPS = ("chonaikai.", "wards", "maps", "api")


@pytest.mark.parametrize(
    "name",
    sorted(name for name, app in get_commands().items() if app.startswith(PROJECT_APPS)),
)
def test_every_project_command_prints_its_help(name):
    command = load_command_class(get_commands()[name], name)

    text = command.create_parser("manage.py", name).format_help()

    assert name in text
