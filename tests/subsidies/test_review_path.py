"""Review path per programme: area_then_city (the ward office checks and forwards, the city decides)
and city_only (the city checks and decides; the ward office has no stage).

Personas as everywhere: association_a is in 中央区, ward_staff_chuo is its ward's staff.
"""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from chonaikai.cities.current import city
from chonaikai.subsidies import notifications, selectors, services, workflow
from chonaikai.subsidies import policy as subsidy_policy
from chonaikai.subsidies.errors import IllegalTransition
from chonaikai.subsidies.models import Programme
from chonaikai.subsidies.workflow import Action, ReviewPath, Status

pytestmark = pytest.mark.django_db

REVIEW_ACTIONS = (Action.START_REVIEW, Action.RETURN, Action.FORWARD, Action.RETURN_COMPLETION)


@pytest.fixture
def city_only(digital):
    Programme.objects.filter(pk=digital.pk).update(review_path=ReviewPath.CITY_ONLY)
    digital.refresh_from_db()
    return digital


def queue_ids(user):
    return set(selectors.application_queue(user=user).values_list("pk", flat=True))


# --- the workflow's tables (no database) --------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "expected"),
    [
        (ReviewPath.AREA_THEN_CITY, Status.SUBMITTED, [Action.START_REVIEW, Action.WITHDRAW]),
        (ReviewPath.AREA_THEN_CITY, Status.UNDER_REVIEW, [Action.RETURN, Action.FORWARD, Action.WITHDRAW]),
        (
            ReviewPath.AREA_THEN_CITY,
            Status.FORWARDED,
            [Action.SEND_BACK, Action.APPROVE, Action.REJECT, Action.WITHDRAW],
        ),
        (ReviewPath.CITY_ONLY, Status.SUBMITTED, [Action.START_REVIEW, Action.WITHDRAW]),
        (ReviewPath.CITY_ONLY, Status.UNDER_REVIEW, [Action.WITHDRAW]),
        (
            ReviewPath.CITY_ONLY,
            Status.FORWARDED,
            [Action.RETURN, Action.APPROVE, Action.REJECT, Action.WITHDRAW],
        ),
        (ReviewPath.CITY_ONLY, Status.COMPLETION_REPORTED, [Action.RETURN_COMPLETION, Action.CONFIRM]),
    ],
)
def test_each_path_allows_its_own_actions(path, status, expected):
    assert workflow.actions_from(status, path) == expected


def test_on_city_only_start_review_leads_straight_to_the_citys_stage():
    assert (
        workflow.target_status(Action.START_REVIEW, Status.SUBMITTED, ReviewPath.CITY_ONLY)
        == Status.FORWARDED
    )
    assert workflow.target_status(Action.RETURN, Status.FORWARDED, ReviewPath.CITY_ONLY) == Status.RETURNED
    for action in (Action.FORWARD, Action.SEND_BACK):
        with pytest.raises(IllegalTransition, match="市が審査・決定"):
            workflow.target_status(action, Status.FORWARDED, ReviewPath.CITY_ONLY)


def test_the_area_then_city_table_is_the_default_and_unchanged():
    assert workflow.transitions_for(ReviewPath.AREA_THEN_CITY) is workflow.TRANSITIONS
    assert workflow.target_status(Action.START_REVIEW, Status.SUBMITTED) == Status.UNDER_REVIEW
    assert workflow.target_status(Action.FORWARD, Status.UNDER_REVIEW) == Status.FORWARDED
    with pytest.raises(IllegalTransition):
        workflow.target_status(Action.RETURN, Status.FORWARDED)


# --- city_only, end to end ------------------------------------------------------------------------


def test_a_city_only_application_goes_from_submitted_through_city_review_to_approved_without_the_ward(
    city_only,
    association_a,
    leader_a,
    ward_staff_chuo,
    city_admin,
    make_app,
    django_capture_on_commit_callbacks,
):
    app = make_app(association_a, programme=city_only)
    services.application_submit(actor=leader_a, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED

    # the city's queue lists it, the ward's does not; the ward staff still see it (read only)
    assert app.pk in queue_ids(city_admin)
    assert app.pk not in queue_ids(ward_staff_chuo)
    assert subsidy_policy.applications_visible_to(ward_staff_chuo).filter(pk=app.pk).exists()
    assert selectors.available_actions(user=ward_staff_chuo, application=app) == []
    with pytest.raises(PermissionDenied):
        services.application_start_review(actor=ward_staff_chuo, application_id=app.pk)

    services.application_start_review(actor=city_admin, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == Status.FORWARDED
    assert app.pk in queue_ids(city_admin) and app.pk not in queue_ids(ward_staff_chuo)
    assert selectors.available_actions(user=ward_staff_chuo, application=app) == []
    assert selectors.available_actions(user=city_admin, application=app) == [
        Action.RETURN,
        Action.APPROVE,
        Action.REJECT,
        Action.WITHDRAW,
    ]
    with pytest.raises(IllegalTransition):
        services.application_forward(actor=city_admin, application_id=app.pk)

    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(actor=city_admin, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == Status.APPROVED and app.approved_amount == app.computed_amount
    steps = [(t.action, t.from_status, t.to_status, t.actor_id) for t in app.transitions.order_by("at", "id")]
    assert steps == [
        (Action.SUBMIT, Status.DRAFT, Status.SUBMITTED, leader_a.pk),
        (Action.START_REVIEW, Status.SUBMITTED, Status.FORWARDED, city_admin.pk),
        (Action.APPROVE, Status.FORWARDED, Status.APPROVED, city_admin.pk),
    ]
    assert not any(t.actor_id == ward_staff_chuo.pk for t in app.transitions.all())
    # the decision mail goes to the leader and the city, not to the ward's staff
    assert {a for m in mail.outbox for a in m.to} == {leader_a.email, city_admin.email}


@pytest.mark.parametrize("action", REVIEW_ACTIONS)
def test_ward_staff_may_take_no_review_action_on_a_city_only_application(
    city_only, association_a, ward_staff_chuo, city_admin, make_app, action
):
    app = make_app(association_a, programme=city_only, status=Status.FORWARDED)
    assert not subsidy_policy.can_take_application_action(ward_staff_chuo, app, action)
    assert subsidy_policy.can_take_application_action(city_admin, app, action)
    assert not subsidy_policy.can_review_application(ward_staff_chuo, app)


def test_ward_staff_cannot_return_or_verify_a_city_only_application(
    city_only, association_a, association_b, ward_staff_chuo, ward_staff_chuo_2, make_app
):
    app = make_app(association_a, programme=city_only, status=Status.FORWARDED)
    with pytest.raises(PermissionDenied):
        services.application_return(actor=ward_staff_chuo, application_id=app.pk, comment="直して")
    paper = make_app(
        association_b,
        programme=city_only,
        status=Status.SUBMITTED,
        entered_by_staff=True,
        entered_by=ward_staff_chuo,
    )
    assert not subsidy_policy.can_verify_paper_entry(ward_staff_chuo_2, paper)
    with pytest.raises(PermissionDenied):
        services.application_verify_paper_entry(actor=ward_staff_chuo_2, application_id=paper.pk)


def test_the_city_returns_a_city_only_application_to_the_association(
    city_only, association_a, city_admin, leader_a, make_app
):
    app = make_app(association_a, programme=city_only, status=Status.FORWARDED)
    services.application_return(actor=city_admin, application_id=app.pk, comment="見積書を添えてください")
    app.refresh_from_db()
    assert app.status == Status.RETURNED
    services.application_submit(actor=leader_a, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED


def test_the_submission_mail_of_a_city_only_application_goes_to_the_city_not_the_ward(
    city_only, association_a, leader_a, ward_staff_chuo, city_admin, make_app
):
    app = make_app(association_a, programme=city_only, status=Status.SUBMITTED)
    assert notifications.recipients(app) == [leader_a.email, city_admin.email]
    assert notifications.send_application_event(application_id=app.pk, action=Action.SUBMIT) == 2
    body = mail.outbox[0].body
    assert "区役所で内容を確認します" not in body
    assert f"{city().department_short_name}で内容を確認します" in body


# --- area_then_city is unchanged ------------------------------------------------------------------


def test_an_area_then_city_application_still_goes_through_the_ward(
    digital, association_a, leader_a, ward_staff_chuo, city_admin, make_app
):
    assert digital.review_path == ReviewPath.AREA_THEN_CITY
    app = make_app(association_a)
    services.application_submit(actor=leader_a, application_id=app.pk)
    assert app.pk in queue_ids(ward_staff_chuo) and app.pk not in queue_ids(city_admin)
    assert notifications.recipients(app) == [leader_a.email, ward_staff_chuo.email]

    services.application_start_review(actor=ward_staff_chuo, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == Status.UNDER_REVIEW
    with pytest.raises(PermissionDenied):
        services.application_approve(actor=ward_staff_chuo, application_id=app.pk)
    services.application_forward(actor=ward_staff_chuo, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == Status.FORWARDED
    assert app.pk in queue_ids(city_admin) and app.pk not in queue_ids(ward_staff_chuo)
    assert selectors.available_actions(user=city_admin, application=app) == [
        Action.SEND_BACK,
        Action.APPROVE,
        Action.REJECT,
        Action.WITHDRAW,
    ]
    services.application_approve(actor=city_admin, application_id=app.pk)
    app.refresh_from_db()
    assert app.status == Status.APPROVED


# --- pages ----------------------------------------------------------------------------------------


def test_the_pages_say_who_checks_a_city_only_application(
    client, city_only, association_a, leader_a, ward_staff_chuo, city_admin, make_app
):
    app = make_app(association_a, programme=city_only, status=Status.SUBMITTED)
    client.force_login(leader_a)
    page = client.get(reverse("subsidies:detail", args=[app.pk])).content.decode()
    assert "提出しました。市の確認を待っています。" in page
    assert "区役所の確認を待っています" not in page

    client.force_login(ward_staff_chuo)
    page = client.get(reverse("subsidies:detail", args=[app.pk])).content.decode()
    assert reverse("subsidies:action", args=[app.pk, Action.START_REVIEW]) not in page
    assert app.number not in client.get(reverse("subsidies:queue")).content.decode()

    client.force_login(city_admin)
    page = client.get(reverse("subsidies:detail", args=[app.pk])).content.decode()
    assert reverse("subsidies:action", args=[app.pk, Action.START_REVIEW]) in page
    queue = client.get(reverse("subsidies:queue")).content.decode()
    assert app.number in queue
    assert "提出済み" in queue  # the city's default filter names the submitted state on city_only


def test_the_area_then_city_pages_still_name_the_ward_office(client, association_a, leader_a, make_app):
    app = make_app(association_a, status=Status.SUBMITTED)
    client.force_login(leader_a)
    page = client.get(reverse("subsidies:detail", args=[app.pk])).content.decode()
    assert "提出しました。区役所の確認を待っています。" in page


def test_next_years_programme_keeps_its_review_path(city_only, city_admin):
    copied = services.programme_copy_to_fiscal_year(
        actor=city_admin, programme_id=city_only.pk, fiscal_year=2027
    )
    assert copied.review_path == ReviewPath.CITY_ONLY


@pytest.fixture
def city_without_wards():
    """The loaded city's level words as a city without wards has them (its one area is the city)."""
    from chonaikai.cities import current
    from chonaikai.cities.models import City

    before = City.objects.values("area_label", "area_office_label").get()
    City.objects.update(area_label="市", area_office_label="市役所")  # i18n: data
    current.forget()
    yield
    City.objects.update(**before)
    current.forget()


def test_the_words_for_the_area_office_come_from_the_loaded_city(
    client, city_without_wards, association_a, leader_a, city_admin, make_app
):
    app = make_app(association_a, status=Status.UNDER_REVIEW)
    client.force_login(leader_a)
    page = client.get(reverse("subsidies:detail", args=[app.pk])).content.decode()
    assert "市役所で内容を確認しています。" in page and "市で審査中" in page
    assert "区役所" not in page and "区で審査中" not in page
    app.status = Status.FORWARDED
    app.save()
    client.force_login(city_admin)
    page = client.get(reverse("subsidies:detail", args=[app.pk])).content.decode()
    assert "市へ戻す" in page and "区へ戻す" not in page
