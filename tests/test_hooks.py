"""chonaikai.hooks: what a lower layer needs from a higher one, registered when the app is ready."""

from types import SimpleNamespace

import pytest

from chonaikai import hooks
from chonaikai.accounts.names import name_to_store
from chonaikai.associations.boundary_areas import association_areas
from chonaikai.audit.services import ACTOR_NAMER, _who
from chonaikai.cities import texts
from chonaikai.cities.texts import FIRST_AREA_CODE
from chonaikai.hooks import Hook, NotRegistered
from wards.boundaries import BOUNDARY_AREAS, candidate_areas
from wards.boundaries.common import ASSOCIATION
from wards.models import first_ward_code


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(hooks, "_registered", {})


def test_a_hook_nobody_registered_raises_not_registered_naming_the_app_that_provides_it(empty_registry):
    hook = Hook("the test's reader", provider="tests.provider")
    with pytest.raises(NotRegistered, match=r"the test's reader: tests\.provider must be in INSTALLED_APPS"):
        hook.get()


def test_not_registered_is_a_runtime_error_as_each_hook_raised_before():
    assert issubclass(NotRegistered, RuntimeError)


def test_a_registered_hook_gives_the_value_registered_last(empty_registry):
    hook = Hook("the test's reader", provider="tests.provider")
    hook.register(1)
    hook.register(2)
    assert hook.get() == 2
    assert Hook("another reader", provider="tests.provider") != hook
    with pytest.raises(NotRegistered):
        Hook("another reader", provider="tests.provider").get()


def test_the_apps_register_their_hooks_when_ready():
    assert ACTOR_NAMER.get() is name_to_store
    assert FIRST_AREA_CODE.get() is first_ward_code
    assert BOUNDARY_AREAS[ASSOCIATION].get() is association_areas


def test_the_audit_trail_without_the_accounts_namer_raises_not_registered(monkeypatch):
    monkeypatch.delitem(hooks._registered, ACTOR_NAMER.name)
    with pytest.raises(NotRegistered, match=r"chonaikai\.accounts must be in INSTALLED_APPS"):
        _who(SimpleNamespace(is_authenticated=True))


@pytest.mark.django_db
def test_the_city_texts_without_the_geography_reader_raise_not_registered(monkeypatch):
    monkeypatch.setattr(texts, "_example", None)  # the code read for the loaded city, forgotten
    monkeypatch.delitem(hooks._registered, FIRST_AREA_CODE.name)
    with pytest.raises(NotRegistered, match=r"wards must be in INSTALLED_APPS"):
        texts.example_area_code()


def test_the_boundary_import_without_the_associations_reader_raises_not_registered(monkeypatch):
    monkeypatch.delitem(hooks._registered, BOUNDARY_AREAS[ASSOCIATION].name)
    with pytest.raises(NotRegistered, match=r"chonaikai\.associations must be in INSTALLED_APPS"):
        candidate_areas(ASSOCIATION)


def test_the_boundary_import_refuses_an_unknown_level():
    with pytest.raises(ValueError, match="Unknown boundary level 'street'"):
        candidate_areas("street")
