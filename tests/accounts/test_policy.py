"""The permissions matrix: every policy function against every persona.

Expected answers are written out per persona so that a change to any cell is a visible diff.
Associations: a and b are in 中央区 (01101, led by leader_a and leader_b), kita is in 北区 (01102).
"""

import pytest
from django.http import Http404

from chonaikai.accounts import policy
from chonaikai.accounts.models import RoleAssignment
from chonaikai.associations import policy as association_policy
from tests.factories import AssociationFactory, UserFactory, ward

PERSONAS = ["city_admin", "ward_staff_chuo", "ward_staff_kita", "leader_a", "leader_b", "viewer", "anonymous"]
ALL_WARDS = {"01101", "01102", "01103", "01104", "01105", "01106", "01107", "01108", "01109", "01110"}

EXPECTED = {
    # persona: (role, personal data {a, b, kita, None}, editable wards, editable associations, admin?)
    "city_admin": ("city_admin", {"a", "b", "kita", None}, ALL_WARDS, {"a", "b", "kita"}, True),
    "ward_staff_chuo": ("ward_staff", {"a", "b", None}, {"01101"}, {"a", "b"}, False),
    "ward_staff_kita": ("ward_staff", {"kita", None}, {"01102"}, {"kita"}, False),
    "leader_a": ("association_leader", {"a", None}, set(), set(), False),
    "leader_b": ("association_leader", {"b", None}, set(), set(), False),
    "viewer": ("viewer", set(), set(), set(), False),
    "anonymous": (None, set(), set(), set(), False),
}


@pytest.fixture
def associations(association_a, association_b, association_kita):
    return {"a": association_a, "b": association_b, "kita": association_kita}


@pytest.fixture
def persona(request, associations, leader_a, leader_b):
    # leader_a and leader_b are requested so that every test sees the same database.
    return request.getfixturevalue(request.param)


def by_persona(**kwargs):
    return pytest.mark.parametrize("persona", PERSONAS, indirect=True, ids=PERSONAS, **kwargs)


def persona_name(persona) -> str:
    return persona.username if persona.is_authenticated else "anonymous"


@by_persona()
def test_role_of_returns_the_personas_role(persona):
    expected_role = EXPECTED[persona_name(persona)][0]
    assignment = policy.role_of(persona)
    assert (assignment.role if assignment else None) == expected_role


@by_persona()
def test_only_the_city_admin_is_city_admin(persona):
    assert policy.is_city_admin(persona) is EXPECTED[persona_name(persona)][4]


@by_persona()
def test_personal_data_is_visible_only_within_scope(persona, associations):
    expected = EXPECTED[persona_name(persona)][1]
    for key, association in [*associations.items(), (None, None)]:
        assert policy.can_view_personal_data(persona, association) is (key in expected), key


@by_persona()
def test_wards_editable_by_matches_scope(persona):
    expected = EXPECTED[persona_name(persona)][2]
    assert set(policy.wards_editable_by(persona).values_list("code", flat=True)) == expected


@by_persona()
def test_counts_and_submission_only_for_own_ward(persona):
    expected = EXPECTED[persona_name(persona)][2]
    for code in ("01101", "01102", "01110"):
        assert policy.can_edit_counts(persona, ward(code)) is (code in expected), code
        assert policy.can_submit_ward(persona, ward(code)) is (code in expected), code


@by_persona()
def test_only_city_admin_approves_wards_and_manages_rounds(persona):
    is_admin = EXPECTED[persona_name(persona)][4]
    assert policy.can_approve_ward(persona, ward("01101")) is is_admin
    assert policy.can_approve_ward(persona, ward("01102")) is is_admin
    assert policy.can_manage_rounds(persona) is is_admin
    assert policy.can_manage_accounts(persona) is is_admin


@by_persona()
def test_everyone_sees_the_public_list_of_associations(persona, associations):
    visible = set(association_policy.associations_visible_to(persona))
    assert visible == set(associations.values())


@by_persona()
def test_associations_editable_by_matches_scope(persona, associations):
    expected = {associations[key] for key in EXPECTED[persona_name(persona)][3]}
    assert set(association_policy.associations_editable_by(persona)) == expected
    for key, association in associations.items():
        assert association_policy.can_edit_association(persona, association) is (association in expected), key


@by_persona()
def test_get_association_for_edit_answers_404_outside_scope(persona, associations):
    expected = EXPECTED[persona_name(persona)][3]
    for key, association in associations.items():
        if key in expected:
            assert association_policy.get_association_for_edit(persona, association.code) == association
        else:
            with pytest.raises(Http404):
                association_policy.get_association_for_edit(persona, association.code)
    with pytest.raises(Http404):
        association_policy.get_association_for_edit(persona, "01101-9999")


@by_persona()
def test_get_ward_for_edit_answers_404_outside_scope(persona):
    expected = EXPECTED[persona_name(persona)][2]
    for code in ("01101", "01102"):
        if code in expected:
            assert policy.get_ward_for_edit(persona, code).code == code
        else:
            with pytest.raises(Http404):
                policy.get_ward_for_edit(persona, code)
    with pytest.raises(Http404):
        policy.get_ward_for_edit(persona, "99999")


def test_ward_staff_of_kita_can_never_edit_anything_of_chuo(ward_staff_kita, association_a, association_b):
    chuo = ward("01101")
    assert not policy.can_edit_counts(ward_staff_kita, chuo)
    assert not policy.can_submit_ward(ward_staff_kita, chuo)
    assert not association_policy.associations_editable_by(ward_staff_kita).filter(ward=chuo).exists()
    for association in (association_a, association_b):
        assert not association_policy.can_edit_association(ward_staff_kita, association)
        assert not policy.can_view_personal_data(ward_staff_kita, association)
        with pytest.raises(Http404):
            association_policy.get_association_for_edit(ward_staff_kita, association.code)
    with pytest.raises(Http404):
        policy.get_ward_for_edit(ward_staff_kita, "01101")


def test_missing_and_forbidden_associations_raise_the_same_404(ward_staff_kita, association_a):
    with pytest.raises(Http404) as forbidden:
        association_policy.get_association_for_edit(ward_staff_kita, association_a.code)
    with pytest.raises(Http404) as missing:
        association_policy.get_association_for_edit(ward_staff_kita, "01101-9999")
    assert str(forbidden.value) == str(missing.value)


# Users outside the personas.


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True)


def test_superuser_without_role_counts_as_city_admin(superuser, association_kita):
    assert policy.role_of(superuser) is None
    assert policy.is_city_admin(superuser)
    assert policy.can_view_personal_data(superuser, association_kita)
    assert policy.can_approve_ward(superuser, ward("01102"))
    assert policy.wards_editable_by(superuser).count() == 10
    assert association_policy.get_association_for_edit(superuser, association_kita.code) == association_kita


@pytest.mark.parametrize("name", ["city_admin", "ward_staff_chuo", "leader_a", "viewer", "superuser"])
def test_inactive_users_are_denied_everything(request, name, association_a):
    user = request.getfixturevalue(name)
    user.is_active = False
    user.save()
    assert policy.role_of(user) is None
    assert not policy.is_city_admin(user)
    assert not policy.can_view_personal_data(user)
    assert not policy.can_view_personal_data(user, association_a)
    assert not policy.wards_editable_by(user).exists()
    assert not association_policy.associations_editable_by(user).exists()
    assert not policy.can_edit_counts(user, ward("01101"))
    assert not association_policy.can_edit_association(user, association_a)
    assert not policy.can_manage_rounds(user)
    with pytest.raises(Http404):
        association_policy.get_association_for_edit(user, association_a.code)


def test_staff_flag_without_role_grants_nothing(staff_user, association_a):
    assert not policy.is_city_admin(staff_user)
    assert not policy.can_view_personal_data(staff_user)
    assert not policy.can_view_personal_data(staff_user, association_a)
    assert not association_policy.associations_editable_by(staff_user).exists()


def test_none_as_user_is_denied(db, association_a):
    user = None
    assert policy.role_of(user) is None
    assert not policy.is_city_admin(user)
    assert not policy.can_view_personal_data(user, association_a)
    assert not policy.wards_editable_by(user).exists()
    assert not policy.can_edit_counts(user, ward("01101"))


def test_missing_or_unsaved_objects_are_denied_even_to_city_admin(city_admin):
    assert not policy.can_edit_counts(city_admin, None)
    assert not policy.can_submit_ward(city_admin, None)
    assert not policy.can_approve_ward(city_admin, None)
    assert not association_policy.can_edit_association(city_admin, None)
    unsaved = AssociationFactory.build(ward=ward("01101"))
    assert not association_policy.can_edit_association(city_admin, unsaved)


def test_leader_does_not_see_personal_data_of_an_unsaved_association(leader_a):
    assert not policy.can_view_personal_data(leader_a, AssociationFactory.build(ward=ward("01101")))


def test_role_is_read_once_per_user_object(ward_staff_chuo, association_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        for _ in range(5):
            association_policy.can_edit_association(ward_staff_chuo, association_a)
            policy.can_view_personal_data(ward_staff_chuo, association_a)
            policy.can_edit_counts(ward_staff_chuo, association_a.ward)


def test_forget_role_reads_a_changed_role_again(ward_staff_chuo):
    assert policy.can_edit_counts(ward_staff_chuo, ward("01101"))
    RoleAssignment.objects.filter(user=ward_staff_chuo).update(ward=ward("01102"))
    policy.forget_role(ward_staff_chuo)
    assert not policy.can_edit_counts(ward_staff_chuo, ward("01101"))
    assert policy.can_edit_counts(ward_staff_chuo, ward("01102"))
