"""Redis down as the cache: pages and the API still answer, without the cache (chonaikai.cache).

The cache is chonaikai.cache.RedisCache pointed at a local port where nothing listens, as when
the Redis server has stopped; the settings pick that backend for every redis:// CACHE_URL. These
run everywhere, with or without Redis.
"""

import datetime as dt
import logging
import time

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError

from chonaikai import cache as degrading
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

from .conftest import _closed_port

D24, D25, D26 = dt.date(2024, 1, 1), dt.date(2025, 1, 1), dt.date(2026, 1, 1)


@pytest.fixture
def cache_down(settings):
    """The default cache is Redis on a port where nothing answers."""
    settings.CACHES = {
        "default": {
            "BACKEND": "chonaikai.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    yield
    # settings restores CACHES afterwards; the handler then builds the usual cache again.


@pytest.fixture
def counts(db):
    """One association per ward with counts on two survey dates."""
    for n in range(1, 11):
        association = AssociationFactory(ward=ward(f"011{n:02d}"))
        HouseholdCountFactory(
            association=association, survey_date=D24, households=1000, member_households=600
        )
        HouseholdCountFactory(
            association=association, survey_date=D25, households=1000, member_households=600 + 10 * n
        )


@pytest.fixture
def boundaries(db):
    from tests.maps.boundary_files import import_synthetic_boundaries

    import_synthetic_boundaries()


def test_the_settings_use_the_degrading_backend_for_a_redis_cache_url():
    import environ

    config = environ.Env().cache_url_config("redis://127.0.0.1:6379/1")

    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"  # what settings.py replaces
    backend = degrading.RedisCache(config["LOCATION"], {})
    assert backend._options["socket_connect_timeout"] == degrading.CONNECT_TIMEOUT


@pytest.mark.django_db
def test_the_map_page_is_drawn_without_the_cache(cache_down, boundaries, counts, client):
    started = time.monotonic()

    first = client.get("/maps/", {"survey_date": D25.isoformat(), "metric": "rate"})
    second = client.get("/maps/", {"survey_date": D25.isoformat(), "metric": "change"})

    assert first.status_code == 200
    assert second.status_code == 200
    html = first.content.decode()
    assert '<script src="/static/leaflet/leaflet.js">' in html  # the map itself, not only the table
    assert 'data-ward="01101"' in html
    assert time.monotonic() - started < 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/stats/membership/?level=ward",
        "/api/v1/stats/membership/?level=city&survey_date=2024-01-01",
        "/api/v1/associations/",  # its page total is cached
        "/api/v1/survey-dates/",
        "/",
        "/associations/",
    ],
)
def test_the_api_and_pages_answer_without_the_cache(cache_down, counts, client, path):
    response = client.get(path)

    assert response.status_code == 200, response.content[:500]


@pytest.mark.django_db
def test_ward_staff_save_a_count_without_the_cache(cache_down, counts, ward_staff_chuo):
    """A saved count bumps the maps' data version in the cache (a signal): that must not fail the save."""
    from rest_framework.test import APIClient

    from chonaikai.associations import services
    from chonaikai.associations.models import Association, HouseholdCount

    services.round_open(actor=None, survey_date=D26, deadline=dt.date(2026, 2, 27))
    association = Association.objects.get(ward__code="01101")
    api = APIClient()
    api.force_authenticate(ward_staff_chuo)

    response = api.post(
        "/api/v1/counts/",
        {
            "association": association.code,
            "survey_date": D26.isoformat(),
            "households": 1005,
            "member_households": 612,
            "version": 0,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    saved = HouseholdCount.objects.get(association=association, survey_date=D26)
    assert (saved.households, saved.member_households, saved.version) == (1005, 612, 1)


@pytest.mark.django_db
def test_the_stats_api_gives_the_figures_without_the_cache(cache_down, counts, client):
    body = client.get("/api/v1/stats/membership/", {"level": "ward", "survey_date": "2025-01-01"}).json()

    chuo = next(row for row in body["results"] if row["code"] == "01101")
    assert chuo["member_households"] == 610


def test_a_failed_call_misses_like_an_empty_cache_and_redis_is_left_alone_for_a_while(
    cache_down, monkeypatch, caplog
):
    calls = []

    def refused(self, *args, **kwargs):
        calls.append(args)
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(degrading.DjangoRedisCache, "get", refused)
    monkeypatch.setattr(degrading.DjangoRedisCache, "add", refused)
    monkeypatch.setattr(degrading.DjangoRedisCache, "incr", refused)
    now = [1000.0]
    monkeypatch.setattr(degrading.time, "monotonic", lambda: now[0])

    with caplog.at_level(logging.WARNING, logger="chonaikai.cache"):
        assert cache.get("k", "default") == "default"
        assert cache.add("k", 1) is True  # as DummyCache: "stored", so callers go on to do the work
        assert cache.get_or_set("k", 2) == 2
        with pytest.raises(ValueError):
            cache.incr("k")
        cache.set("k", 3)
        cache.delete("k")
        assert cache.get_many(["k"]) == {}

    assert len(calls) == 1  # the first failure; the rest within DOWN_SECONDS did not try Redis
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # one warning per outage

    now[0] += degrading.DOWN_SECONDS + 0.1
    assert cache.get("k") is None
    assert len(calls) == 2  # tried again after the pause


def test_a_working_cache_logs_that_redis_is_back(cache_down, monkeypatch, caplog):
    answers = [RedisConnectionError("Connection refused"), "value"]

    def flaky(self, *args, **kwargs):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(degrading.DjangoRedisCache, "get", flaky)
    now = [1000.0]
    monkeypatch.setattr(degrading.time, "monotonic", lambda: now[0])

    with caplog.at_level(logging.INFO, logger="chonaikai.cache"):
        assert cache.get("k") is None
        now[0] += degrading.DOWN_SECONDS + 0.1
        assert cache.get("k") == "value"

    assert [r.levelname for r in caplog.records] == ["WARNING", "INFO"]
