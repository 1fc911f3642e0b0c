"""Long lists keep their total in the cache for a minute; short ones are counted on every request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import pagination
from tests.factories import AssociationFactory, ward


@pytest.fixture
def five(db):
    return [AssociationFactory(ward=ward("01101")) for _ in range(5)]


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.json()["count"], sum("COUNT(" in q["sql"].upper() for q in queries)


def test_a_long_lists_total_is_counted_once_then_read_from_the_cache(client, five, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_MAX", 3)
    assert _get(client, "/api/v1/associations/") == (5, 1)
    assert _get(client, "/api/v1/associations/?page=1") == (5, 0)  # same query, other page: cached
    AssociationFactory(ward=ward("01102"))
    assert _get(client, "/api/v1/associations/")[0] == 5  # up to COUNT_CACHE_SECONDS out of date


def test_a_short_lists_total_is_always_exact(client, five, monkeypatch):
    monkeypatch.setattr(pagination, "EXACT_COUNT_MAX", 10)
    assert _get(client, "/api/v1/associations/") == (5, 1)
    AssociationFactory(ward=ward("01101"))
    assert _get(client, "/api/v1/associations/") == (6, 1)
