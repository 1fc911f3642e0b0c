"""/api/v1/counts/: the public list, and one count entered through the entry grid's service."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chonaikai.associations import services
from chonaikai.associations.models import Association, HouseholdCount, WardProgress
from chonaikai.audit.models import AuditEvent
from tests.api.conftest import LATEST, PREVIOUS, error, is_japanese
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

pytestmark = pytest.mark.django_db

URL = "/api/v1/counts/"
NEXT = dt.date(2026, 1, 1)


@pytest.fixture
def next_round(db):
    return services.round_open(actor=None, survey_date=NEXT, deadline=dt.date(2026, 2, 27))


def entry(association, households=212, members=150, **extra):
    return {
        "association": association.code,
        "survey_date": NEXT.isoformat(),
        "households": households,
        "member_households": members,
        **extra,
    }


# The list


def test_anyone_lists_counts_filtered_by_survey_date_and_ward(anon, city):
    body = anon.get(URL, {"survey_date": LATEST.isoformat(), "ward": "01101"}).json()
    assert {(r["association"], r["households"]) for r in body["results"]} == {
        (city.a.code, 210),
        (city.b.code, None),  # 15 households: below the publication threshold for anonymous callers
    }
    row = next(r for r in body["results"] if r["association"] == city.a.code)
    assert (row["rate"], row["fiscal_year"], row["entry_details"]) == (70.0, 2024, None)


def test_counts_filter_by_association_code(anon, city):
    body = anon.get(URL, {"association": city.kita.code}).json()
    assert [r["survey_date"] for r in body["results"]] == [PREVIOUS.isoformat(), LATEST.isoformat()]


def test_a_malformed_survey_date_filter_is_a_validation_error(anon, city):
    body = error(anon.get(URL, {"survey_date": "2025/01/01"}), 400)
    assert list(body["extra"]["fields"]) == ["survey_date"]


def test_ward_staff_see_entry_details_of_their_ward_only(client_for, city, ward_staff_kita):
    rows = client_for(ward_staff_kita).get(URL, {"survey_date": LATEST.isoformat()}).json()["results"]
    details = {r["association"]: r["entry_details"] for r in rows}
    assert details[city.kita.code] is not None and details[city.a.code] is None


def test_the_counts_list_costs_the_same_queries_for_5_or_50_rows(client_for, city, city_admin):
    for _ in range(30):
        a = AssociationFactory(ward=ward("01104"))
        HouseholdCountFactory(association=a, survey_date=PREVIOUS)
        HouseholdCountFactory(association=a, survey_date=LATEST)
    client = client_for(city_admin)
    client.get(URL)
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"page_size": size}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# Entering one count


def test_ward_staff_enter_a_count_through_the_entry_service(client_for, city, next_round, ward_staff_chuo):
    response = client_for(ward_staff_chuo).post(URL, entry(city.a), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "created"
    assert (body["count"]["households"], body["count"]["member_households"], body["count"]["version"]) == (
        212,
        150,
        1,
    )
    count = HouseholdCount.objects.get(association=city.a, survey_date=NEXT)
    assert (count.source, count.entered_by) == (HouseholdCount.Source.ENTRY, ward_staff_chuo)
    assert count.history.latest().history_user == ward_staff_chuo
    event = AuditEvent.objects.get(action="counts.entered")
    assert event.actor == ward_staff_chuo and event.after["associations"] == [city.a.code]
    progress = WardProgress.objects.get(survey_round=next_round, ward__code="01101")
    assert progress.status == WardProgress.Status.IN_PROGRESS


def test_a_second_entry_updates_and_keeps_the_note_when_none_is_sent(
    client_for, city, next_round, ward_staff_chuo
):
    client = client_for(ward_staff_chuo)
    client.post(URL, entry(city.a, note="初回"), format="json")
    response = client.post(URL, entry(city.a, households=213, version=1), format="json")
    assert response.status_code == 200 and response.json()["status"] == "updated"
    count = HouseholdCount.objects.get(association=city.a, survey_date=NEXT)
    assert (count.households, count.note, count.version) == (213, "初回", 2)
    again = client.post(URL, entry(city.a, households=213), format="json")
    assert again.status_code == 200 and again.json()["status"] == "unchanged"


def test_a_stale_version_is_a_conflict_with_the_newer_count(
    client_for, city, next_round, ward_staff_chuo, city_admin
):
    client_for(city_admin).post(URL, entry(city.a), format="json")
    body = error(
        client_for(ward_staff_chuo).post(URL, entry(city.a, households=220, version=0), format="json"), 409
    )
    assert body["extra"]["errors"][0]["code"] == "stale"
    assert body["extra"]["errors"][0]["current"]["households"] == 212
    assert HouseholdCount.objects.get(association=city.a, survey_date=NEXT).households == 212


def test_members_above_households_is_refused_even_when_confirmed(
    client_for, city, next_round, ward_staff_chuo
):
    client = client_for(ward_staff_chuo)
    body = error(client.post(URL, entry(city.a, households=212, members=230), format="json"), 400)
    assert "member_households" in body["extra"]["fields"]
    assert is_japanese(body["extra"]["fields"]["member_households"][0])
    confirmed = entry(city.a, households=212, members=230, confirm_members_over=True, note="事業所を含む")
    error(client.post(URL, confirmed, format="json"), 400)


def test_a_large_change_needs_a_note(client_for, city, next_round, ward_staff_chuo):
    body = error(client_for(ward_staff_chuo).post(URL, entry(city.a, households=400), format="json"), 400)
    assert "note" in body["extra"]["fields"]


def test_no_round_no_entry(client_for, city, ward_staff_chuo):
    body = error(client_for(ward_staff_chuo).post(URL, entry(city.a), format="json"), 400)
    assert "survey_date" in body["extra"]["fields"]
    assert "令和8年1月1日" in body["message"] and "2026-01-01" not in body["message"]
    assert not HouseholdCount.objects.filter(survey_date=NEXT).exists()


def test_a_dissolved_association_takes_no_count(client_for, city, next_round, city_admin):
    Association.objects.filter(pk=city.b.pk).update(status="dissolved", ended_on=dt.date(2025, 6, 30))
    body = error(
        client_for(city_admin).post(URL, entry(city.b, households=15, members=10), format="json"), 400
    )
    assert body["extra"]["errors"][0]["association"] == city.b.code


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"households": -1}, "households"),
        ({"member_households": "たくさん"}, "member_households"),
        ({"association": "1101-1"}, "association"),
        ({"survey_date": "令和8年1月1日"}, "survey_date"),
    ],
)
def test_invalid_input_names_the_field_in_japanese(
    client_for, city, next_round, ward_staff_chuo, payload, field
):
    body = error(client_for(ward_staff_chuo).post(URL, {**entry(city.a), **payload}, format="json"), 400)
    assert list(body["extra"]["fields"]) == [field]
    assert is_japanese(body["message"]) and is_japanese(body["extra"]["fields"][field][0])


def test_ward_staff_cannot_enter_counts_for_another_ward(client_for, city, next_round, ward_staff_kita):
    error(client_for(ward_staff_kita).post(URL, entry(city.a), format="json"), 404)
    assert not HouseholdCount.objects.filter(survey_date=NEXT).exists()


@pytest.mark.parametrize("persona", ["leader_a", "viewer"])
def test_leaders_and_viewers_cannot_enter_counts(request, client_for, city, next_round, persona):
    body = error(client_for(request.getfixturevalue(persona)).post(URL, entry(city.a), format="json"), 403)
    assert is_japanese(body["message"])


def test_anonymous_cannot_enter_counts(anon, city, next_round):
    response = anon.post(URL, entry(city.a), format="json")
    error(response, 401)
    assert response["WWW-Authenticate"] == "Token"


def test_session_writes_need_the_csrf_token(client_for, city, next_round, ward_staff_chuo):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(ward_staff_chuo)
    body = error(client.post(URL, entry(city.a), format="json"), 403)
    assert "CSRF" in body["message"]
