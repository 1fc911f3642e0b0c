"""Lists not covered beside their resource: the same number of queries for a page of 5 or of 50."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chonaikai.accounts import tokens
from chonaikai.associations import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _queries(client, url, size) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"page_size": size}).status_code == 200
    return len(queries)


def _same_for_5_and_50(client, url):
    client.get(url)  # the token's first use records last_used_at: not part of what is measured
    assert _queries(client, url, 5) == _queries(client, url, 50)


def test_the_rounds_list(client_for, city_admin):
    for year in range(2000, 2060):
        services.round_open(actor=None, survey_date=dt.date(year, 1, 1), deadline=dt.date(year, 2, 1))
    _same_for_5_and_50(client_for(city_admin), "/api/v1/rounds/")


def test_the_token_list(client_for, city_admin):
    for _ in range(60):
        tokens.api_token_create(actor=None, user=UserFactory(), name="x")
    _same_for_5_and_50(client_for(city_admin), "/api/v1/auth/tokens/")
