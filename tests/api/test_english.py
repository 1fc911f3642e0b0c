"""The API speaks the language chosen in the site's language menu (the django_language cookie).

Japanese by default whatever the client's Accept-Language says (chonaikai.middleware); English for
a client that sends the cookie, exactly as for the web pages. Error messages, validation messages
and the OpenAPI schema all follow it.
"""

import pytest
import yaml
from django.conf import settings
from rest_framework.test import APIClient

from tests.api.conftest import error, is_japanese

pytestmark = pytest.mark.django_db


def english_client() -> APIClient:
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_an_api_error_is_in_english_when_english_is_chosen():
    response = english_client().get("/api/v1/nothing-here/")
    body = error(response, 404)
    assert body["message"] == "There is no API at this URL."
    assert response["Content-Language"] == "en"


def test_an_api_error_stays_japanese_by_default_even_if_the_client_prefers_english(anon):
    response = anon.get("/api/v1/nothing-here/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = error(response, 404)
    assert body["message"] == "このURLのAPIはありません。"
    assert response["Content-Language"] == "ja"


def test_validation_messages_follow_the_chosen_language_request_by_request(anon):
    # The out-of-range message is built once at import: it must still follow each request's language.
    url = "/api/v1/stats/membership/?survey_date=1800-01-01"
    japanese = error(anon.get(url), 400)
    english = error(english_client().get(url), 400)
    assert japanese["message"] == "入力内容に誤りがあります。"
    assert is_japanese(japanese["extra"]["fields"]["survey_date"][0])
    assert english["message"] == "There are errors in the input."
    assert english["extra"]["fields"]["survey_date"] == ["Give a date from 1930-01-01 to 2999-12-31."]
    assert not is_japanese(
        error(english_client().post("/api/v1/auth/token/", {}, format="json"), 400)["message"]
    )


def test_the_openapi_schema_is_in_english_when_english_is_chosen(anon):
    english = yaml.safe_load(english_client().get("/api/v1/schema/").content)
    assert english["info"]["title"] == "chonaikai API"  # ASCII in every language (client package names)
    assert english["info"]["description"].startswith("Neighbourhood Association Membership System API")
    wards = english["paths"]["/api/v1/wards/"]["get"]
    assert (wards["summary"], wards["tags"]) == ("List by ward", ["geography"])
    tags = {tag["name"]: tag["description"] for tag in english["tags"]}
    assert tags["geography"] == "Areas: ward, district, federation of associations"
    assert not is_japanese(english["components"]["schemas"]["Error"]["description"])
    japanese = yaml.safe_load(anon.get("/api/v1/schema/").content)
    assert japanese["paths"]["/api/v1/wards/"]["get"]["summary"] == "区の一覧"
