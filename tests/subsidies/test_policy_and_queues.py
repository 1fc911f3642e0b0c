"""Who sees which applications: the policy's subsidy functions and the queues built on them.

Applications: two of association_a and one of association_b (both 中央区), one of association_kita
(北区). Leaders see only their own association's, ward staff their ward's, city admins all,
viewers and anonymous visitors nothing; anything else answers 404.
"""

import pytest
from django.http import Http404

from chonaikai.subsidies import policy as subsidy_policy
from chonaikai.subsidies import selectors
from chonaikai.subsidies.models import GrantComputation, Hall
from chonaikai.subsidies.workflow import Action, Status

PERSONAS = ["city_admin", "ward_staff_chuo", "ward_staff_kita", "leader_a", "leader_b", "viewer", "anonymous"]
VISIBLE = {
    "city_admin": {"a1", "a2", "b", "kita"},
    "ward_staff_chuo": {"a1", "a2", "b"},
    "ward_staff_kita": {"kita"},
    "leader_a": {"a1", "a2"},
    "leader_b": {"b"},
    "viewer": set(),
    "anonymous": set(),
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps(association_a, association_b, association_kita, make_app, meeting_hall):
    return {
        "a1": make_app(association_a, status=Status.SUBMITTED, changed_days_ago=3),
        "a2": make_app(
            association_a,
            programme=meeting_hall,
            category="repair",
            status=Status.DRAFT,
            lines=(("works", "x", 3),),
            changed_days_ago=1,
        ),
        "b": make_app(association_b, status=Status.UNDER_REVIEW, changed_days_ago=9),
        "kita": make_app(association_kita, status=Status.FORWARDED, changed_days_ago=5),
    }


@pytest.fixture
def persona(request, leader_a, leader_b):
    return request.getfixturevalue(request.param)


by_persona = pytest.mark.parametrize("persona", PERSONAS, indirect=True, ids=PERSONAS)


def name_of(persona):
    return persona.username if persona.is_authenticated else "anonymous"


def keys(apps, qs):
    ids = set(qs.values_list("pk", flat=True))
    return {key for key, app in apps.items() if app.pk in ids}


@by_persona
def test_applications_visible_to_matches_the_personas_scope(persona, apps):
    assert keys(apps, subsidy_policy.applications_visible_to(persona)) == VISIBLE[name_of(persona)]


@by_persona
def test_detail_answers_404_outside_the_scope(persona, apps):
    for key, app in apps.items():
        if key in VISIBLE[name_of(persona)]:
            assert selectors.application_detail(user=persona, application_id=app.pk) == app
        else:
            with pytest.raises(Http404):
                selectors.application_detail(user=persona, application_id=app.pk)


@by_persona
def test_get_for_edit_answers_404_unless_the_persona_may_change_it_now(persona, apps):
    # Only a2 is a draft; a1 is submitted and no longer editable by anyone.
    editable = {"city_admin": {"a2"}, "leader_a": {"a2"}}.get(name_of(persona), set())
    for key, app in apps.items():
        if key in editable:
            assert subsidy_policy.get_application_for_edit(persona, app.pk) == app
        else:
            with pytest.raises(Http404):
                subsidy_policy.get_application_for_edit(persona, app.pk)


def test_leader_b_never_sees_association_as_applications_in_any_queue(leader_b, apps):
    for statuses in (None, Status.values, [Status.SUBMITTED], [Status.DRAFT]):
        queue = selectors.application_queue(user=leader_b, statuses=statuses)
        assert keys(apps, queue) <= {"b"}
    assert sum(row.count for row in selectors.queue_counts(user=leader_b)) == 1


def test_ward_staff_queue_is_their_wards_waiting_work_oldest_first(ward_staff_chuo, apps):
    queue = list(selectors.application_queue(user=ward_staff_chuo))
    assert queue == [apps["b"], apps["a1"]]  # under review 9 days, submitted 3 days; the draft is not work
    assert [a.days_in_status for a in queue] == [9, 3]


def test_city_admin_queue_is_what_waits_for_the_city(city_admin, apps):
    assert list(selectors.application_queue(user=city_admin)) == [apps["kita"]]
    assert set(selectors.application_queue(user=city_admin, statuses=Status.values)) == set(apps.values())
    digital_only = selectors.application_queue(
        user=city_admin, statuses=Status.values, programme_code="digital"
    )
    assert keys(apps, digital_only) == {"a1", "b", "kita"}


def test_a_leaders_queue_is_everything_of_their_association(leader_a, apps):
    assert list(selectors.application_queue(user=leader_a)) == [apps["a1"], apps["a2"]]


def test_queue_counts_give_per_state_counts_and_the_oldest_waiting(
    ward_staff_chuo, apps, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the role, then one grouped query
        rows = {row.status: row for row in selectors.queue_counts(user=ward_staff_chuo)}
    assert [rows[s].count for s in (Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW)] == [1, 1, 1]
    assert rows[Status.FORWARDED].count == 0
    assert rows[Status.UNDER_REVIEW].oldest_changed_at == apps["b"].status_changed_at
    assert rows[Status.SUBMITTED].label == "提出済み"


def test_the_queue_costs_the_same_queries_however_long_it_is(
    city_admin, apps, make_app, association_b, django_assert_num_queries
):
    for _ in range(5):
        make_app(
            association_b,
            status=Status.FORWARDED,
            programme=apps["a2"].programme,
            category="repair",
            lines=(("works", "x", 3),),
        )
    with django_assert_num_queries(2):
        rows = [
            (a.association.ward.name, a.programme.name, a.hall)
            for a in selectors.application_queue(user=city_admin)
        ]
    assert len(rows) == 6


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("city_admin", [Action.SUBMIT, Action.WITHDRAW]),
        ("leader_a", [Action.SUBMIT, Action.WITHDRAW]),
        ("ward_staff_chuo", []),
    ],
)
def test_available_actions_combine_the_state_and_the_role(name, expected, request, apps):
    user = request.getfixturevalue(name)
    assert selectors.available_actions(user=user, application=apps["a2"]) == expected


def test_ward_staff_get_the_review_actions_on_their_wards_work(ward_staff_chuo, apps):
    assert selectors.available_actions(user=ward_staff_chuo, application=apps["b"]) == [
        Action.RETURN,
        Action.FORWARD,
    ]


@by_persona
def test_halls_and_grant_computations_follow_the_same_scopes(
    persona, association_a, association_kita, resident_grant
):
    halls = {
        "a": Hall.objects.create(association=association_a, name="A会館"),
        "kita": Hall.objects.create(association=association_kita, name="北会館"),
    }
    for association in (association_a, association_kita):
        GrantComputation.objects.create(
            programme=resident_grant,
            association=association,
            survey_date="2027-01-01",
            member_households=1,
            per_household_amount=260,
            amount=260,
            difference=260,
        )
    expected = {
        "city_admin": {"a", "kita"},
        "ward_staff_chuo": {"a"},
        "ward_staff_kita": {"kita"},
        "leader_a": {"a"},
    }.get(name_of(persona), set())
    visible_halls = set(subsidy_policy.halls_visible_to(persona).values_list("pk", flat=True))
    assert {k for k, h in halls.items() if h.pk in visible_halls} == expected
    codes = set(
        subsidy_policy.grant_computations_visible_to(persona).values_list("association__code", flat=True)
    )
    assert codes == {a.code for k, a in (("a", association_a), ("kita", association_kita)) if k in expected}
    can_edit = {
        "city_admin": {"a", "kita"},
        "ward_staff_chuo": {"a"},
        "ward_staff_kita": {"kita"},
        "leader_a": {"a"},
    }
    for key, association in (("a", association_a), ("kita", association_kita)):
        assert subsidy_policy.can_edit_hall(persona, association) is (
            key in can_edit.get(name_of(persona), set())
        )


@by_persona
def test_only_city_admins_manage_programmes_compute_grants_and_export(persona):
    allowed = name_of(persona) == "city_admin"
    assert subsidy_policy.can_manage_programmes(persona) is allowed
    assert subsidy_policy.can_compute_resident_grants(persona) is allowed
    assert subsidy_policy.can_export_subsidies(persona) is allowed
