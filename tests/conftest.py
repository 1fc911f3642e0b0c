import os

import pytest


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres/redis run only where those components are configured (CI sets both)."""
    database_url = os.environ.get("DATABASE_URL", "")
    skip_pg = pytest.mark.skip(reason="needs DATABASE_URL=postgres://…")
    skip_redis = pytest.mark.skip(reason="needs CELERY_BROKER_URL=redis://…")
    for item in items:
        if "postgres" in item.keywords and not database_url.startswith(("postgres", "postgis")):
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("CELERY_BROKER_URL"):
            item.add_marker(skip_redis)


@pytest.fixture
def staff_user(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True)
