"""Showing an association's representative and contacts writes one audit event personal_data.viewed."""

import pytest
from django.test import Client

from chonaikai.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ACTION = "personal_data.viewed"


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _events(association=None):
    events = AuditEvent.objects.filter(action=ACTION)
    if association is not None:
        events = events.filter(subject_id=str(association.pk))
    return events


@pytest.mark.parametrize("persona", ["leader_a", "ward_staff_chuo", "city_admin"])
def test_detail_page_logs_who_saw_the_personal_data(request, association_a, persona):
    user = request.getfixturevalue(persona)

    response = _client(user).get(f"/associations/{association_a.code}/")

    assert response.status_code == 200
    assert association_a.representative_name in response.content.decode()
    event = _events(association_a).get()
    assert event.actor == user
    assert event.subject_repr == str(association_a)


@pytest.mark.parametrize("persona", ["anonymous", "viewer", "leader_b", "ward_staff_kita"])
def test_detail_page_without_personal_data_logs_nothing(request, association_a, association_b, persona):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)

    response = _client(user).get(f"/associations/{association_a.code}/")

    assert response.status_code == 200
    assert association_a.representative_name not in response.content.decode()
    assert not _events().exists()


def test_api_detail_logs_when_personal_data_is_returned(association_a, ward_staff_chuo):
    response = _client(ward_staff_chuo).get(f"/api/v1/associations/{association_a.code}/")

    assert response.status_code == 200
    assert response.json()["personal_data"] is not None
    assert _events(association_a).get().actor == ward_staff_chuo


@pytest.mark.parametrize("persona", ["anonymous", "viewer", "ward_staff_kita"])
def test_api_detail_without_personal_data_logs_nothing(request, association_a, persona):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)

    response = _client(user).get(f"/api/v1/associations/{association_a.code}/")

    assert response.status_code == 200
    assert response.json()["personal_data"] is None
    assert not _events().exists()


def test_registry_edit_form_logs(association_a, ward_staff_chuo):
    response = _client(ward_staff_chuo).get(f"/associations/{association_a.code}/edit/")

    assert response.status_code == 200
    assert _events(association_a).get().actor == ward_staff_chuo


@pytest.mark.parametrize("path", ["/associations/", "/api/v1/associations/"])
def test_lists_log_nothing(association_a, city_admin, path):
    assert _client(city_admin).get(path).status_code == 200
    assert not _events().exists()
