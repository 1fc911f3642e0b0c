"""Fixtures for the subsidy pages: the subsidies fixtures (frozen day in FY2026, the seeded
programmes, make_app, a second 中央区 staff member) and a logged-in client per persona."""

import pytest

from tests.subsidies.conftest import (  # noqa: F401 (fixtures)
    digital,
    frozen_today,
    make_app,
    meeting_hall,
    resident_grant,
    ward_staff_chuo_2,
)


@pytest.fixture
def as_user(client):
    """as_user(user): the test client logged in as `user` (None: logged out)."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


@pytest.fixture
def persona(request, leader_a, leader_b):
    """The persona fixture named by the test's parameter; None for anonymous."""
    name = request.param
    return None if name == "anonymous" else request.getfixturevalue(name)
