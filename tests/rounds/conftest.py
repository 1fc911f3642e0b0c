"""A round for 2025-01-01; associations of 中央区 (a, b) and 北区 with counts of the 2024 survey."""

import pytest

from chonaikai.associations import services
from tests.factories import HouseholdCountFactory, ward

from .helpers import DEADLINE, PREVIOUS, SURVEY


@pytest.fixture
def chuo(db):
    return ward("01101")


@pytest.fixture
def kita(db):
    return ward("01102")


@pytest.fixture
def counted_a(association_a):
    """association_a (中央区) with the 2024 count: 100 households, 70 members."""
    HouseholdCountFactory(
        association=association_a, survey_date=PREVIOUS, households=100, member_households=70
    )
    return association_a


@pytest.fixture
def counted_b(association_b):
    """association_b (中央区) with the 2024 count: 200 households, 150 members."""
    HouseholdCountFactory(
        association=association_b, survey_date=PREVIOUS, households=200, member_households=150
    )
    return association_b


@pytest.fixture
def counted_kita(association_kita):
    HouseholdCountFactory(
        association=association_kita, survey_date=PREVIOUS, households=50, member_households=40
    )
    return association_kita


@pytest.fixture
def survey_round(db):
    """The 2025-01-01 round, opened by the system; every ward 未着手."""
    return services.round_open(actor=None, survey_date=SURVEY, deadline=DEADLINE)
