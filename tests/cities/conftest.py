from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MINATO = Path(__file__).resolve().parent / "profiles" / "minato"


@pytest.fixture
def empty_database(db):
    """The test database without the suite's city (Sapporo), as a fresh database is before load_city."""
    from chonaikai.associations.models import Target
    from chonaikai.cities import current
    from chonaikai.cities.models import City
    from chonaikai.plan.models import Indicator
    from chonaikai.subsidies.models import Programme
    from wards.models import Ward, WardTotal

    for programme in Programme.objects.all():
        programme.rules.all().delete()
    Programme.objects.all().delete()
    Indicator.objects.all().delete()
    Target.objects.all().delete()
    WardTotal.objects.all().delete()
    Ward.objects.all().delete()
    City.objects.all().delete()
    current.forget()
    yield
    current.forget()
