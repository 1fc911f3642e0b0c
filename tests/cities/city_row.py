"""The `city_row` fixture: change the loaded city's row (chonaikai.cities.current.city()) in one test.

`city_row(survey_month=6, survey_day=1)` updates the City row and returns it as city() now
reads it. The update is rolled back with the test's transaction, and tests/conftest.py forgets the
row city() caches around every test, so that no other test sees the change. The root conftest
imports the fixture for the whole suite.
"""

import pytest

from chonaikai.cities import current
from chonaikai.cities.models import City


@pytest.fixture
def city_row(db):
    def change(**fields):
        City.objects.update(**fields)
        current.forget()
        return current.city()

    return change
