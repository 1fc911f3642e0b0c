"""Fixtures for the API tests: clients per persona (token or session), a small city, no throttling.

The personas (city_admin, ward_staff_chuo, ward_staff_kita, leader_a, leader_b, viewer) and their
associations come from tests/conftest.py: association_a and association_b are in 中央区 (01101),
association_kita in 北区 (01102).
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from chonaikai.accounts import tokens
from chonaikai.associations.models import Association, Federation
from tests.cities.city_row import city_row  # noqa: F401
from tests.factories import DistrictFactory, FederationFactory, HouseholdCountFactory, ward
from wards.models import District

PREVIOUS = dt.date(2024, 1, 1)
LATEST = dt.date(2025, 1, 1)
NO_THROTTLING = {"anon": None, "user": None, "login": None}


@pytest.fixture(autouse=True)
def api_settings(settings):
    """Throttling off (tests that test it turn it on) and a clean cache, where throttles count."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": NO_THROTTLING}
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def client_for(db):
    """client_for(user) → an APIClient with a fresh API token; client_for(user, session=True) logs in."""

    def make(user=None, *, session=False):
        client = APIClient()
        if user is None:
            return client
        if session:
            client.force_login(user)
        else:
            _token, key = tokens.api_token_create(actor=None, user=user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def anon():
    return APIClient()


@dataclass
class City:
    a: Association  # 中央区, district and federation, counted on PREVIOUS and LATEST
    b: Association  # 中央区, a small area (15 households), counted on LATEST
    kita: Association  # 北区, counted on PREVIOUS and LATEST
    district: District
    federation: Federation


@pytest.fixture
def city(association_a, association_b, association_kita) -> City:
    chuo = ward("01101")
    district = DistrictFactory(ward=chuo, code="01101-D01", name="大通地区")
    federation = FederationFactory(ward=chuo, district=district, code="01101-F001", name="大通連合町内会")
    association_a.district, association_a.federation = district, federation
    association_a.kana = "ちゅうおうてすとえーちょうないかい"
    association_a.contact_email = "a@example.jp"
    association_a.save()  # save(), not update(): the search column follows name and kana
    HouseholdCountFactory(
        association=association_a, survey_date=PREVIOUS, households=200, member_households=150
    )
    HouseholdCountFactory(
        association=association_a, survey_date=LATEST, households=210, member_households=147, note="a の備考"
    )
    HouseholdCountFactory(association=association_b, survey_date=LATEST, households=15, member_households=10)
    HouseholdCountFactory(
        association=association_kita, survey_date=PREVIOUS, households=100, member_households=80
    )
    HouseholdCountFactory(
        association=association_kita, survey_date=LATEST, households=100, member_households=75
    )
    return City(
        a=association_a, b=association_b, kita=association_kita, district=district, federation=federation
    )


def error(response, status: int) -> dict:
    """The body of an error response, after checking its status and the one error shape."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "extra"}, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["extra"], dict)
    return body


def is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)
