"""Fixtures for subsidies: the FY2026 programmes seeded by migration, applications in any state.

Today is frozen at 2026-11-29 (FY2026, inside the seeded programmes' default window) so that
submission windows and fiscal years do not depend on the day the suite runs.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from chonaikai.subsidies.models import DIGITAL, MEETING_HALL, RESIDENT_ORG_GRANT, Programme

from .helpers import make_application

TODAY = dt.datetime(2026, 11, 29, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def digital(db):
    return Programme.objects.get(code=DIGITAL, fiscal_year=2026)


@pytest.fixture
def meeting_hall(db):
    return Programme.objects.get(code=MEETING_HALL, fiscal_year=2026)


@pytest.fixture
def resident_grant(db):
    return Programme.objects.get(code=RESIDENT_ORG_GRANT, fiscal_year=2026)


@pytest.fixture
def ward_staff_chuo_2(db):
    """A second member of 中央区's staff, for the four-eyes rule."""
    from tests.conftest import _persona
    from tests.factories import ward

    return _persona("ward_staff_chuo_2", "ward_staff", ward=ward("01101"))


@pytest.fixture
def make_app(digital):
    """make_app(association, status=…, **fields): an application written straight to the tables."""

    def make(association, **kwargs):
        kwargs.setdefault("programme", digital)
        return make_application(association, **kwargs)

    return make
