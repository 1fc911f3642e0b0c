import datetime as dt

import pytest
from django.core.cache import cache

from tests.cities.city_row import city_row  # noqa: F401
from tests.factories import AssociationFactory, HouseholdCountFactory, ward
from tests.maps.boundary_files import import_synthetic_boundaries, shared_boundaries

D23, D24 = dt.date(2023, 1, 1), dt.date(2024, 1, 1)
WARD_CODES = [f"011{n:02d}" for n in range(1, 11)]


@pytest.fixture(autouse=True)
def empty_cache():
    """Rendered maps live in the (process-wide) local-memory cache: start every test without any."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def boundaries(db):
    """The synthetic wards (tests/maps/synthetic_wards.py), imported; the import's report."""
    return import_synthetic_boundaries()


@pytest.fixture
def official_boundaries(db):
    """The official ward file (BOUNDARIES or the shared copy), imported; the test is skipped without it."""
    from wards.boundaries import import_ward_boundaries

    return import_ward_boundaries(path=shared_boundaries())


@pytest.fixture
def counts(db):
    """One association per ward; on 2024-01-01 ward n has 1,000 households and 600 + 10·n members."""
    result = {}
    for n, code in enumerate(WARD_CODES, start=1):
        association = AssociationFactory(ward=ward(code))
        HouseholdCountFactory(
            association=association, survey_date=D23, households=1000, member_households=600
        )
        result[code] = HouseholdCountFactory(
            association=association, survey_date=D24, households=1000, member_households=600 + 10 * n
        )
    return result
