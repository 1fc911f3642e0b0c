import functools
import os
from pathlib import Path

import pytest

from tests.cities.city_row import city_row  # noqa: F401  (change the loaded city in one test)

# The city the suite runs against: Sapporo's profile, loaded into every test database after its
# migrations and again after each flush of a transactional test (post_migrate), as load_city would.
TEST_CITY = Path(__file__).resolve().parent.parent / "cities" / "sapporo"


def pytest_configure(config):
    from django.db.models.signals import post_migrate

    post_migrate.connect(_load_test_city, dispatch_uid="tests.load_test_city")


def _load_test_city(sender, app_config, using="default", **kwargs):
    if app_config.label != "cities":
        return
    from django.test import override_settings

    from chonaikai.audit.models import AuditEvent
    from chonaikai.cities.models import City
    from chonaikai.operations.city_profile import load_profile

    if not City.objects.using(using).exists():
        # The suite's set-up, not a change any test is about: no row history (so a test database
        # still counts as freshly migrated for restores) and no audit event (tests count from zero).
        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            load_profile(_test_profile())
        AuditEvent.objects.using(using).filter(action="city.profile_loaded").delete()


def pytest_addoption(parser):
    parser.addoption(
        "--browser-tests-first",
        action="store_true",
        help="with -n N: one worker takes every browser test, first (make test sets it)",
    )


def _is_browser_test(nodeid: str) -> bool:
    """The browser tests by their files (the controller that schedules sees no markers):
    tests/e2e/ and every test_browser.py. tests/test_browser_tests.py checks they are the ones
    marked `browser`."""
    path = nodeid.split("::", 1)[0]
    return path.startswith("tests/e2e/") or path.endswith("/test_browser.py")


@pytest.hookimpl(optionalhook=True)  # pytest -p no:xdist has no such hook
def pytest_xdist_make_scheduler(config, log):
    """--browser-tests-first: xdist's per-scope scheduling with every browser test in one scope.

    Scopes are handed out largest first, so one worker starts with the browser tests (waiting on
    Chromium and the live server, on about one core) while the others run the rest; every other test
    is a scope of its own, handed out in pytest-django's order. Each browser test puts back the
    database as it was made (pytest_runtest_teardown below), so the tests after them on that worker
    find what they would on a worker that ran none.
    """
    if not config.getoption("browser_tests_first"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsFirst(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "browser tests" if _is_browser_test(nodeid) else nodeid

    return BrowserTestsFirst(config, log)


def _postgres_configured() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgis"))


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres/redis run only where those components are configured (CI sets both)."""
    skip_pg = pytest.mark.skip(reason="needs DATABASE_URL=postgres://…")
    skip_redis = pytest.mark.skip(reason="needs CELERY_BROKER_URL=redis://…")
    for item in items:
        if "postgres" in item.keywords and not _postgres_configured():
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not os.environ.get("CELERY_BROKER_URL"):
            item.add_marker(skip_redis)


# The test database as migrate and the suite's city left it, copied once per process.
_PRISTINE: dict[str, object] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and a copy of it as it was made (tests/database_copy.py), which
    every browser test puts back when it ends."""
    from django.db import connection

    from tests import database_copy

    with django_db_blocker.unblock():
        _PRISTINE.update(database=database_copy.take(connection), blocker=django_db_blocker)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a browser test, the database as it was made, sequences included.

    A browser test is transactional: it ends with the tables emptied (pytest-django then runs such
    tests after all others on a worker). `make test` gives every browser test to one worker, first
    (--browser-tests-first), so that they overlap the other worker's tests; the tests that follow
    them there must find the database exactly as a worker that ran no browser test would.
    """
    yield
    pristine = _PRISTINE.get("database")
    # After the session's last test the test database is gone (its teardown ran above) and the
    # connection names the real one again: nothing follows, nothing is put back.
    if pristine is not None and nextitem is not None and item.get_closest_marker("browser"):
        from django.db import connection

        with _PRISTINE["blocker"].unblock():
            pristine.restore(connection)


@pytest.fixture(autouse=True)
def _the_loaded_city(request):
    """Every test starts as a warm process does, with city() (and the example codes texts show)
    already read, so query counts are those of a running server; afterwards the cache is forgotten,
    so no test sees the City row another test changed (tests change it through `city_row`).

    A test with database access reads it from the test database, outside the test. A test without
    one gets the suite's city built from its profile, unsaved, as a database would hold it.
    """
    from chonaikai.cities import current, texts

    current.forget()
    uses_database = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_database:
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            current.city()
            texts.example_area_code()
    else:
        current.remember(_profile_city())
    yield
    current.forget()


@functools.cache
def _test_profile():
    """The suite's profile, read once per process (loaded again after every flush)."""
    from chonaikai.cities.profile import read_profile

    return read_profile(TEST_CITY)


@functools.cache
def _profile_city():
    from chonaikai.cities.models import City

    return City(**_test_profile().city)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's language (Japanese).

    A request with the English cookie leaves English active in the thread after it; without this,
    a later test calling a service directly would get English messages, depending on test order.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def staff_user(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True)


# Personas for permission tests (accounts). Two associations in 中央区 (01101) led by leader_a and
# leader_b, one in 北区 (01102); ward staff of each ward; a city administrator; a viewer; anonymous.


def _persona(username: str, role: str, **scope):
    from chonaikai.accounts.models import RoleAssignment
    from tests.factories import UserFactory

    user = UserFactory(username=username, email=f"{username}@example.jp")
    RoleAssignment.objects.create(user=user, role=role, **scope)
    return user


@pytest.fixture
def association_a(db):
    from tests.factories import AssociationFactory, ward

    return AssociationFactory(ward=ward("01101"), name="中央テストA町内会")


@pytest.fixture
def association_b(db):
    from tests.factories import AssociationFactory, ward

    return AssociationFactory(ward=ward("01101"), name="中央テストB町内会")


@pytest.fixture
def association_kita(db):
    from tests.factories import AssociationFactory, ward

    return AssociationFactory(ward=ward("01102"), name="北テスト町内会")


@pytest.fixture
def city_admin(db):
    return _persona("city_admin", "city_admin")


@pytest.fixture
def ward_staff_chuo(db):
    from tests.factories import ward

    return _persona("ward_staff_chuo", "ward_staff", ward=ward("01101"))


@pytest.fixture
def ward_staff_kita(db):
    from tests.factories import ward

    return _persona("ward_staff_kita", "ward_staff", ward=ward("01102"))


@pytest.fixture
def leader_a(association_a):
    return _persona("leader_a", "association_leader", association=association_a)


@pytest.fixture
def leader_b(association_b):
    return _persona("leader_b", "association_leader", association=association_b)


@pytest.fixture
def viewer(db):
    return _persona("viewer", "viewer")


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()
