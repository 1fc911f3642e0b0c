"""Database constraints on RoleAssignment: the scope must match the role, one role per user."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chonaikai.accounts.models import Role, RoleAssignment
from tests.factories import AssociationFactory, UserFactory, ward

pytestmark = pytest.mark.django_db


@pytest.fixture
def association():
    return AssociationFactory(ward=ward("01101"))


def scopes(association):
    return {
        "none": {},
        "ward": {"ward": ward("01101")},
        "association": {"association": association},
        "both": {"ward": ward("01101"), "association": association},
    }


ALLOWED = {
    Role.CITY_ADMIN: {"none"},
    Role.VIEWER: {"none"},
    Role.WARD_STAFF: {"ward"},
    Role.ASSOCIATION_LEADER: {"association"},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("scope", ["none", "ward", "association", "both"])
def test_database_accepts_only_the_scope_that_matches_the_role(role, scope, association):
    assignment = RoleAssignment(user=UserFactory(), role=role, **scopes(association)[scope])
    if scope in ALLOWED[role]:
        assignment.save()
        assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            assignment.save()


def test_database_rejects_an_unknown_role():
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=UserFactory(), role="mayor")


def test_a_user_holds_at_most_one_role(association):
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=Role.VIEWER)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.ASSOCIATION_LEADER, association=association)


def test_full_clean_explains_a_wrong_scope_in_japanese(association):
    assignment = RoleAssignment(user=UserFactory(), role=Role.WARD_STAFF, association=association)
    with pytest.raises(ValidationError) as excinfo:
        assignment.full_clean()
    assert "区役所職員には担当区だけを" in str(excinfo.value)


def test_full_clean_explains_a_second_role_in_japanese():
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=Role.VIEWER)
    with pytest.raises(ValidationError) as excinfo:
        RoleAssignment(user=user, role=Role.CITY_ADMIN).full_clean()
    assert "既に役割が割り当てられています" in str(excinfo.value)


def test_a_ward_with_staff_cannot_be_deleted():
    from django.db.models import ProtectedError

    RoleAssignment.objects.create(user=UserFactory(), role=Role.WARD_STAFF, ward=ward("01103"))
    with pytest.raises(ProtectedError) as excinfo:
        ward("01103").delete()
    assert any(isinstance(obj, RoleAssignment) for obj in excinfo.value.protected_objects)


def test_role_changes_are_recorded_in_history(city_admin, association):
    assignment = RoleAssignment(user=UserFactory(), role=Role.VIEWER)
    assignment._history_user = city_admin
    assignment.save()
    record = assignment.history.get()
    assert record.history_type == "+"
    assert record.history_user == city_admin
