"""The register's writes over the API: create, update, dissolve, merge (services.registry)."""

import datetime as dt

import pytest

from chonaikai.associations.models import Association
from chonaikai.audit.models import AuditEvent
from tests.api.conftest import error, is_japanese

pytestmark = pytest.mark.django_db

URL = "/api/v1/associations/"


def test_ward_staff_register_an_association_with_the_next_code(client_for, city, ward_staff_chuo):
    response = client_for(ward_staff_chuo).post(
        URL,
        {"ward": "01101", "name": "大通西町内会", "district": "01101-D01", "comment": "新規"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"].startswith("01101-") and body["district"] == "01101-D01"
    assert body["personal_data"] is not None  # ward staff see their ward's personal data
    assert AuditEvent.objects.filter(action="association.created", actor=ward_staff_chuo).exists()


def test_ward_staff_cannot_register_in_another_ward(client_for, city, ward_staff_kita):
    error(client_for(ward_staff_kita).post(URL, {"ward": "01101", "name": "x"}, format="json"), 404)


def test_a_district_of_another_ward_is_refused_by_the_service(client_for, city, ward_staff_kita):
    body = error(
        client_for(ward_staff_kita).post(
            URL, {"ward": "01102", "name": "北町内会", "district": "01101-D01"}, format="json"
        ),
        400,
    )
    assert "district" in body["extra"]["fields"] and is_japanese(body["extra"]["fields"]["district"][0])


def test_an_unknown_federation_code_is_named(client_for, city, city_admin):
    body = error(
        client_for(city_admin).post(
            URL, {"ward": "01101", "name": "x", "federation": "F-NONE"}, format="json"
        ),
        400,
    )
    assert "federation" in body["extra"]["fields"]


def test_patch_changes_only_the_fields_sent(client_for, city, ward_staff_chuo):
    response = client_for(ward_staff_chuo).patch(
        f"{URL}{city.a.code}/", {"kana": "おおどおり"}, format="json"
    )
    assert response.status_code == 200, response.content
    city.a.refresh_from_db()
    assert city.a.kana == "おおどおり" and city.a.name == "中央テストA町内会"


def test_patch_of_another_wards_association_is_not_found(client_for, city, ward_staff_kita):
    error(client_for(ward_staff_kita).patch(f"{URL}{city.a.code}/", {"kana": "x"}, format="json"), 404)


@pytest.mark.parametrize("persona", ["leader_a", "viewer"])
def test_leaders_and_viewers_cannot_change_the_register(request, client_for, city, persona):
    client = client_for(request.getfixturevalue(persona))
    error(client.patch(f"{URL}{city.a.code}/", {"kana": "x"}, format="json"), 404)
    error(client.post(URL, {"ward": "01101", "name": "x"}, format="json"), 404)


def test_anonymous_cannot_change_the_register(anon, city):
    error(anon.patch(f"{URL}{city.a.code}/", {"kana": "x"}, format="json"), 401)


def test_dissolve_needs_a_reason_and_keeps_the_counts(client_for, city, ward_staff_chuo):
    client = client_for(ward_staff_chuo)
    body = error(
        client.post(f"{URL}{city.b.code}/dissolve/", {"dissolved_on": "2025-06-30"}, format="json"), 400
    )
    assert "reason" in body["extra"]["fields"]
    response = client.post(
        f"{URL}{city.b.code}/dissolve/", {"dissolved_on": "2025-06-30", "reason": "会員減少"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "dissolved"
    assert city.b.counts.count() == 1


def test_dissolving_before_a_counted_survey_is_refused(client_for, city, ward_staff_chuo):
    body = error(
        client_for(ward_staff_chuo).post(
            f"{URL}{city.a.code}/dissolve/", {"dissolved_on": "2024-06-30", "reason": "x"}, format="json"
        ),
        400,
    )
    assert "dissolved_on" in body["extra"]["fields"]


def test_merge_into_an_existing_association(client_for, city, ward_staff_chuo):
    response = client_for(ward_staff_chuo).post(
        f"{URL}merge/",
        {"predecessors": [city.b.code], "successor": city.a.code, "merged_on": "2025-03-31"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["code"] == city.a.code
    city.b.refresh_from_db()
    assert (city.b.status, city.b.successor, city.b.ended_on) == ("merged", city.a, dt.date(2025, 3, 31))


def test_merge_across_wards_is_not_found_for_ward_staff(client_for, city, ward_staff_chuo):
    error(
        client_for(ward_staff_chuo).post(
            f"{URL}merge/",
            {"predecessors": [city.kita.code], "successor": city.a.code, "merged_on": "2025-03-31"},
            format="json",
        ),
        404,
    )
    assert Association.objects.get(pk=city.kita.pk).status == "active"


def test_merge_needs_exactly_one_kind_of_successor(client_for, city, city_admin):
    body = error(
        client_for(city_admin).post(
            f"{URL}merge/", {"predecessors": [city.b.code], "merged_on": "2025-03-31"}, format="json"
        ),
        400,
    )
    assert "successor" in body["extra"]["fields"]
