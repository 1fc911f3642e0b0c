"""Fixtures for the journeys: the demo data (seed_demo, about 3 s), the ward boundaries, the personas
of tests/conftest.py with associations of their own, a survey round, and a browser page.

A test can read and change the database between its steps, and its fixtures may make rows after the
browser has started: harness.chromium allows the ORM beside playwright's event loop and closes the
connections it opened (live_server answers from its own thread either way).
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command

from tests import database_copy

from .harness import Journey, chromium

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
# A day in FY2026, inside the window of the programmes the migration seeds; the clock moves on from it.
TODAY = dt.datetime(2026, 11, 29, 10, 0, tzinfo=JST)
SURVEY = dt.date(2026, 1, 1)  # the round the ward staff fill in; seed_demo's surveys end at 2025-01-01
DEADLINE = dt.date(2026, 12, 25)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Rendered maps live in the process-wide local-memory cache: start every journey without any."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo_data(db):
    """seed_demo's labelled sample data (10 wards, ~2,200 associations, 2019–2025 counts) and boundaries.

    Seeded once per process: the database as seed_demo and the boundary import left it is copied
    aside (tests/database_copy.py) and put back for the next journey that starts from the same
    state (well under a second instead of 3–8 s). "The same state": every table holds as many rows
    as before the first seeding (a journey restores the migrations' rows before it starts; a fixture
    that made rows before this one makes the counts differ, and the data is seeded afresh).
    """
    from django.db import connection

    before = database_copy.row_counts(connection)
    if _SEEDED.get("before") == before:
        _SEEDED["database"].restore(connection)
        return
    _seed_demo()
    seeded = database_copy.take(connection)
    if seeded is not None:
        _SEEDED.update(before=before, database=seeded)


_SEEDED: dict = {}  # this process's seeded database: {"before": row counts, "database": its copy}


def _seed_demo():
    from tests.maps.boundary_files import shared_boundaries
    from wards.boundaries import import_ward_boundaries

    call_command("seed_demo", stdout=io.StringIO())
    import_ward_boundaries(path=shared_boundaries())


# The personas' associations, with codes that seed_demo's numbering never uses.
@pytest.fixture
def association_a(demo_data):
    from tests.factories import AssociationFactory, ward

    return AssociationFactory(ward=ward("01101"), code="01101-9001", name="中央テストA町内会")


@pytest.fixture
def association_b(demo_data):
    from tests.factories import AssociationFactory, ward

    return AssociationFactory(ward=ward("01101"), code="01101-9002", name="中央テストB町内会")


@pytest.fixture
def survey_round(demo_data, city_admin):
    """The 2026-01-01 round, opened by the city administrator through the rounds service."""
    from chonaikai.associations import services

    return services.round_open(actor=city_admin, survey_date=SURVEY, deadline=DEADLINE)


@pytest.fixture
def browser():
    """Headless Debian Chromium (harness.chromium); closed after the test."""
    with chromium() as browser:
        yield browser


def session_for(user) -> str:
    """A session cookie for `user`, as if they had logged in."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.fixture
def new_journey(browser, live_server):
    """new_journey(name, width=, height=, user=, locale=): a fresh browser context and its Journey."""
    try:
        import axe_playwright_python  # noqa: F401 (axe-core, run on every page)
    except ImportError:
        pytest.fail(
            "axe-playwright-python is missing: it is a dev dependency (pip install -r requirements.lock)"
        )

    def make(name: str, *, width: int = 1280, height: int = 900, user=None, locale: str = "ja-JP") -> Journey:
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale=locale,
            timezone_id="Asia/Tokyo",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        if user is not None:  # already logged in (the journeys themselves log in through the page)
            context.add_cookies([{"name": "sessionid", "value": session_for(user), "url": live_server.url}])
        journey = Journey(page=context.new_page(), name=name, base_url=live_server.url)
        return journey

    return make


@pytest.fixture
def digital_programme(db):
    """町内会デジタル活用促進補助金 of FY2026, seeded by the subsidies' migration."""
    from chonaikai.subsidies.models import DIGITAL, Programme

    return Programme.objects.get(code=DIGITAL, fiscal_year=2026)
