"""The admin pages city administrators use to edit programmes and rules as data."""

import pytest
from django.urls import reverse

from chonaikai.subsidies.models import Application, Hall, Programme, ProgrammeRule
from chonaikai.subsidies.workflow import Status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("model", ["programme", "programmerule", "application", "hall", "grantcomputation"])
def test_every_changelist_renders(admin_client, model, association_a, make_app):
    make_app(association_a, status=Status.PAID)
    Hall.objects.create(association=association_a, name="A会館")
    response = admin_client.get(reverse(f"admin:subsidies_{model}_changelist"))
    assert response.status_code == 200


def test_rule_and_application_pages_render(admin_client, meeting_hall, association_a, make_app):
    rule = ProgrammeRule.objects.get(programme=meeting_hall, category="demolition")
    assert (
        admin_client.get(reverse("admin:subsidies_programmerule_change", args=[rule.pk])).status_code == 200
    )
    assert (
        admin_client.get(reverse("admin:subsidies_programme_change", args=[meeting_hall.pk])).status_code
        == 200
    )
    app = make_app(association_a, status=Status.COMPLETION_REPORTED)
    assert admin_client.get(reverse("admin:subsidies_application_change", args=[app.pk])).status_code == 200
    assert admin_client.get(reverse("admin:subsidies_application_add")).status_code == 403


def test_the_confirm_action_confirms_rules_through_the_service(admin_client, meeting_hall):
    rules = ProgrammeRule.objects.filter(programme=meeting_hall, needs_confirmation=True)
    ids = list(rules.values_list("pk", flat=True))
    response = admin_client.post(
        reverse("admin:subsidies_programmerule_changelist"),
        {"action": "confirm_rules", "_selected_action": ids},
        follow=True,
    )
    assert "4件の算定基準を確認済みにしました" in response.content.decode()
    assert not ProgrammeRule.objects.filter(pk__in=ids, needs_confirmation=True).exists()
    assert Programme.objects.filter(pk=meeting_hall.pk).exists()
    assert Application.objects.count() == 0


def test_the_admin_cannot_delete_an_application_from_the_decision_on(
    admin_client, association_a, association_b, make_app
):
    draft = make_app(association_b)
    approved = make_app(association_a, status=Status.APPROVED)
    assert (
        admin_client.get(reverse("admin:subsidies_application_delete", args=[approved.pk])).status_code == 403
    )
    admin_client.post(reverse("admin:subsidies_application_delete", args=[approved.pk]), {"post": "yes"})
    assert Application.objects.filter(pk=approved.pk).exists()
    # No bulk deletion either; a draft may still be deleted one at a time.
    changelist = admin_client.get(reverse("admin:subsidies_application_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    admin_client.post(reverse("admin:subsidies_application_delete", args=[draft.pk]), {"post": "yes"})
    assert not Application.objects.filter(pk=draft.pk).exists()
