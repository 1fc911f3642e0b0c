"""Who may open which subsidy page. Personas (tests/conftest.py): association_a and association_b in
中央区 (leader_a, leader_b), association_kita in 北区; ward staff of each ward; a city administrator;
a viewer; anonymous visitors. Out of scope answers 404; logged out, the login page."""

import pytest
from django.urls import reverse

from chonaikai.subsidies.workflow import Status
from tests.factories import UserFactory
from tests.subsidies.helpers import pdf_file

pytestmark = pytest.mark.django_db

PERSONAS = ["city_admin", "ward_staff_chuo", "ward_staff_kita", "leader_a", "leader_b", "viewer", "anonymous"]
by_persona = pytest.mark.parametrize("persona", PERSONAS, indirect=True, ids=PERSONAS)


def expect(response, expected):
    """`expected`: a status code, or "login" for the login redirect, or a URL name for a redirect."""
    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    elif isinstance(expected, str):
        assert response.status_code == 302 and response["Location"] == reverse(expected)
    else:
        assert response.status_code == expected


@pytest.fixture
def app_a(association_a, make_app):
    """A submitted application of association_a (中央区), with an attachment."""
    from chonaikai.subsidies.models import Attachment

    app = make_app(association_a, status=Status.SUBMITTED)
    attachment = Attachment(
        application=app, kind="estimate", original_name="見積書.pdf", content_type="application/pdf", size=20
    )
    attachment.file.save("e.pdf", pdf_file(), save=False)
    attachment.save()
    return app


@pytest.fixture
def draft_a(association_b, association_a, make_app, meeting_hall):
    return make_app(association_a, programme=meeting_hall, category="repair", lines=(("works", "x", 3),))


HOME = {
    "city_admin": "subsidies:queue",
    "ward_staff_chuo": "subsidies:queue",
    "ward_staff_kita": "subsidies:queue",
    "leader_a": 200,
    "leader_b": 200,
    "viewer": "subsidies:programmes",
    "anonymous": "login",
}


@by_persona
def test_the_menus_subsidy_page_leads_each_role_to_its_own_start(as_user, persona, request):
    expect(as_user(persona).get(reverse("subsidies:home")), HOME[request.node.callspec.id])


def test_users_without_a_role_find_no_subsidy_pages(as_user):
    client = as_user(UserFactory())
    for name in ("subsidies:home", "subsidies:programmes", "subsidies:queue", "subsidies:new"):
        assert client.get(reverse(name)).status_code == 404


VIEW = {  # the application's page, its printable form and its attachments, for association_a's application
    "city_admin": 200,
    "ward_staff_chuo": 200,
    "ward_staff_kita": 404,
    "leader_a": 200,
    "leader_b": 404,
    "viewer": 404,
    "anonymous": "login",
}


@by_persona
def test_an_application_is_seen_only_within_scope(as_user, persona, request, app_a):
    client = as_user(persona)
    expected = VIEW[request.node.callspec.id]
    expect(client.get(reverse("subsidies:detail", args=[app_a.pk])), expected)
    expect(client.get(reverse("subsidies:print", args=[app_a.pk])), expected)
    response = client.get(reverse("subsidies:attachment", args=[app_a.attachments.get().pk]))
    expect(response, expected)
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]


EDIT = {  # a leader's draft of association_a: only its leader and the city change it
    "city_admin": 200,
    "ward_staff_chuo": "detail",  # sees it, may not change it (not a paper entry)
    "ward_staff_kita": 404,
    "leader_a": 200,
    "leader_b": 404,
    "viewer": 404,
    "anonymous": "login",
}


@by_persona
@pytest.mark.parametrize(
    "step", ["edit_programme", "edit_purpose", "edit_lines", "edit_attachments", "confirm"]
)
def test_the_steps_of_a_draft_open_only_for_those_who_may_change_it(as_user, persona, request, draft_a, step):
    response = as_user(persona).get(reverse(f"subsidies:{step}", args=[draft_a.pk]))
    expected = EDIT[request.node.callspec.id.split("-")[-1]]
    if expected == "detail":
        assert response.status_code == 302 and response["Location"] == reverse(
            "subsidies:detail", args=[draft_a.pk]
        )
    else:
        expect(response, expected)


@by_persona
def test_the_breakdown_endpoint_answers_only_those_who_may_change_the_draft(
    as_user, persona, request, draft_a
):
    response = as_user(persona).post(
        reverse("subsidies:breakdown", args=[draft_a.pk]),
        {"lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"},
    )
    expected = {**EDIT, "ward_staff_chuo": 404}[request.node.callspec.id]
    expect(response, expected)


QUEUE = {
    "city_admin": 200,
    "ward_staff_chuo": 200,
    "ward_staff_kita": 200,
    "leader_a": 404,
    "leader_b": 404,
    "viewer": 404,
    "anonymous": "login",
}


@by_persona
def test_queues_and_paper_entry_are_for_the_city_and_ward_offices(as_user, persona, request):
    client = as_user(persona)
    expected = QUEUE[request.node.callspec.id]
    expect(client.get(reverse("subsidies:queue")), expected)
    expect(client.get(reverse("subsidies:paper_new")), expected)


NEW = {
    "city_admin": "subsidies:paper_new",
    "ward_staff_chuo": "subsidies:paper_new",
    "ward_staff_kita": "subsidies:paper_new",
    "leader_a": 200,
    "leader_b": 200,
    "viewer": 404,
    "anonymous": "login",
}


@by_persona
def test_new_applications_are_made_by_leaders_and_staff_enter_paper_ones(as_user, persona, request):
    expect(as_user(persona).get(reverse("subsidies:new")), NEW[request.node.callspec.id])


PROGRAMMES = {name: 200 for name in PERSONAS} | {"anonymous": "login"}


@by_persona
def test_programme_figures_are_open_to_every_role(as_user, persona, request, digital):
    client = as_user(persona)
    expected = PROGRAMMES[request.node.callspec.id]
    expect(client.get(reverse("subsidies:programmes")), expected)
    expect(client.get(reverse("subsidies:programme", args=[digital.pk])), expected)


EXPORTS = {"city_admin": 200} | {name: 404 for name in PERSONAS[1:]} | {"anonymous": "login"}


@by_persona
def test_exports_are_for_city_administrators(as_user, persona, request, digital):
    client = as_user(persona)
    expected = EXPORTS[request.node.callspec.id]
    expect(client.get(reverse("subsidies:exports")), expected)
    expect(client.get(reverse("subsidies:accounting")), expected)


@by_persona
def test_the_menu_shows_subsidies_to_every_role(as_user, persona, request):
    page = as_user(persona).get(reverse("associations:dashboard")).content.decode()
    assert (f'href="{reverse("subsidies:home")}"' in page) == (persona is not None)


def test_a_leader_cannot_withdraw_or_report_for_another_association(as_user, leader_b, app_a):
    client = as_user(leader_b)
    assert client.get(reverse("subsidies:withdraw", args=[app_a.pk])).status_code == 404
    assert client.post(reverse("subsidies:withdraw", args=[app_a.pk])).status_code == 404
    assert client.get(reverse("subsidies:report", args=[app_a.pk])).status_code == 404
    assert client.post(reverse("subsidies:action", args=[app_a.pk, "start_review"])).status_code == 404
    assert (
        client.post(reverse("subsidies:attachment_delete", args=[app_a.attachments.get().pk])).status_code
        == 404
    )
    app_a.refresh_from_db()
    assert app_a.status == Status.SUBMITTED and app_a.attachments.exists()


def test_other_wards_staff_cannot_act_on_an_application(as_user, ward_staff_kita, app_a):
    client = as_user(ward_staff_kita)
    assert client.post(reverse("subsidies:action", args=[app_a.pk, "start_review"])).status_code == 404
    assert client.post(reverse("subsidies:verify", args=[app_a.pk])).status_code == 404


def test_pages_that_change_things_refuse_get(as_user, city_admin, app_a):
    client = as_user(city_admin)
    assert client.get(reverse("subsidies:action", args=[app_a.pk, "start_review"])).status_code == 405
    assert client.get(reverse("subsidies:verify", args=[app_a.pk])).status_code == 405
