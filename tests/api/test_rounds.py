"""/api/v1/rounds/ and a ward's entry grid: opening, progress per ward, transitions, saving the grid."""

import datetime as dt

import pytest

from chonaikai.associations import services
from chonaikai.associations.models import HouseholdCount, SurveyRound, WardProgress
from tests.api.conftest import error, is_japanese

pytestmark = pytest.mark.django_db

NEXT = dt.date(2026, 1, 1)
ROUNDS = "/api/v1/rounds/"
GRID = "/api/v1/wards/01101/counts/2026-01-01/"


@pytest.fixture
def next_round(city):
    return services.round_open(actor=None, survey_date=NEXT, deadline=dt.date(2026, 2, 27))


def action_url(action, ward="01101"):
    return f"{ROUNDS}2026-01-01/wards/{ward}/{action}/"


def test_the_city_admin_opens_a_round(client_for, city_admin):
    response = client_for(city_admin).post(
        ROUNDS, {"survey_date": "2026-01-01", "deadline": "2026-02-27"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["survey_date"] == "2026-01-01" and response.json()["fiscal_year"] == 2025
    assert WardProgress.objects.filter(survey_round__survey_date=NEXT).count() == 10


def test_opening_a_round_twice_is_refused_in_japanese(client_for, city_admin, next_round):
    body = error(
        client_for(city_admin).post(
            ROUNDS, {"survey_date": "2026-01-01", "deadline": "2026-02-27"}, format="json"
        ),
        400,
    )
    assert "既に開始" in body["message"]


def test_a_deadline_before_the_survey_date_is_refused(client_for, city_admin):
    body = error(
        client_for(city_admin).post(
            ROUNDS, {"survey_date": "2026-01-01", "deadline": "2025-12-01"}, format="json"
        ),
        400,
    )
    assert is_japanese(body["message"])
    assert not SurveyRound.objects.exists()


def test_ward_staff_cannot_open_rounds(client_for, ward_staff_chuo):
    error(client_for(ward_staff_chuo).post(ROUNDS, {"deadline": "2026-02-27"}, format="json"), 403)


def test_ward_staff_see_their_ward_only_in_the_overview(
    client_for, next_round, city, ward_staff_chuo, city_admin
):
    body = client_for(ward_staff_chuo).get(f"{ROUNDS}2026-01-01/").json()
    assert [w["ward"] for w in body["wards"]] == ["01101"]
    ward = body["wards"][0]
    assert ward["status"] == "not_started" and ward["actions"] == []
    assert ward["active"] == 2 and set(ward["missing"]) == {city.a.code, city.b.code}
    everything = client_for(city_admin).get(f"{ROUNDS}2026-01-01/").json()
    assert len(everything["wards"]) == 10


@pytest.mark.parametrize("persona", ["leader_a", "viewer"])
def test_rounds_are_for_staff(request, client_for, next_round, persona):
    client = client_for(request.getfixturevalue(persona))
    error(client.get(ROUNDS), 403)
    error(client.get(f"{ROUNDS}2026-01-01/"), 403)


def test_an_unknown_round_is_not_found(client_for, city_admin):
    error(client_for(city_admin).get(f"{ROUNDS}2030-01-01/"), 404)
    error(client_for(city_admin).get(f"{ROUNDS}0000-00-00/"), 404)  # a date that cannot exist


def test_a_survey_date_outside_the_supported_range_is_refused(client_for, city_admin):
    body = error(
        client_for(city_admin).post(
            ROUNDS, {"survey_date": "1900-01-01", "deadline": "1900-02-01"}, format="json"
        ),
        400,
    )
    assert set(body["extra"]["fields"]) == {"survey_date", "deadline"}


def test_submit_then_approve(client_for, next_round, city, ward_staff_chuo, city_admin):
    staff = client_for(ward_staff_chuo)
    body = error(staff.post(action_url("submit"), {}, format="json"), 409)  # nothing entered yet
    assert "提出できません" in body["message"]
    HouseholdCount.objects.create(association=city.a, survey_date=NEXT, households=1, member_households=1)
    services.ward_progress_mark_started(actor=None, survey_date=NEXT, ward_codes=["01101"])
    response = staff.post(action_url("submit"), {"comment": "入力完了"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    error(staff.post(action_url("approve"), {}, format="json"), 403)  # ward staff may not approve
    admin = client_for(city_admin)
    assert admin.post(action_url("approve"), {}, format="json").json()["status"] == "approved"


def test_a_send_back_is_told_apart_from_a_fresh_in_progress(
    client_for, next_round, city, ward_staff_chuo, city_admin
):
    HouseholdCount.objects.create(association=city.a, survey_date=NEXT, households=1, member_households=1)
    services.ward_progress_mark_started(actor=None, survey_date=NEXT, ward_codes=["01101"])
    staff = client_for(ward_staff_chuo)
    fresh = staff.get(GRID).json()["progress"]
    assert (fresh["status"], fresh["sent_back"]) == ("in_progress", False)
    assert staff.post(action_url("submit"), {"comment": "残りは解散"}, format="json").status_code == 200
    sent = client_for(city_admin).post(action_url("send-back"), {"comment": "再確認"}, format="json").json()
    assert (sent["status"], sent["sent_back"], sent["status_label"]) == ("in_progress", True, "差し戻し")
    assert staff.get(GRID).json()["progress"]["comment"] == "再確認"


def test_sending_back_needs_a_comment(client_for, next_round, city_admin):
    body = error(client_for(city_admin).post(action_url("send-back"), {}, format="json"), 400)
    assert "comment" in body["extra"]["fields"]


def test_ward_staff_cannot_act_on_another_ward(client_for, next_round, ward_staff_kita):
    error(client_for(ward_staff_kita).post(action_url("submit"), {}, format="json"), 404)


# The grid


def test_the_grid_shows_current_and_previous_counts_with_versions(
    client_for, next_round, city, ward_staff_chuo
):
    body = client_for(ward_staff_chuo).get(GRID).json()
    assert body["previous_survey_date"] == "2025-01-01" and body["progress"]["status"] == "not_started"
    rows = {r["association"]: r for r in body["rows"]}
    assert rows[city.a.code]["current"] is None
    assert rows[city.a.code]["previous"] == {"households": 210, "member_households": 147}


def test_ward_staff_cannot_read_another_wards_grid_for_editing(
    client_for, next_round, ward_staff_kita, leader_a
):
    error(client_for(ward_staff_kita).get(GRID), 404)
    error(client_for(leader_a).get(GRID), 403)


def test_the_grid_saves_all_rows_or_none(client_for, next_round, city, ward_staff_chuo):
    client = client_for(ward_staff_chuo)
    good = {"association": city.a.code, "households": 212, "member_households": 150, "version": 0}
    bad = {"association": city.b.code, "households": 15, "member_households": 40, "version": 0}
    body = error(client.post(GRID, {"changes": [good, bad]}, format="json"), 400)
    assert body["extra"]["errors"][0]["association"] == city.b.code
    assert not HouseholdCount.objects.filter(survey_date=NEXT).exists()
    response = client.post(GRID, {"changes": [good]}, format="json")
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}


def test_the_grid_refuses_another_wards_association(client_for, next_round, city, ward_staff_chuo):
    change = {"association": city.kita.code, "households": 1, "member_households": 1, "version": 0}
    body = error(client_for(ward_staff_chuo).post(GRID, {"changes": [change]}, format="json"), 400)
    assert "changes" in body["extra"]["fields"]


def test_there_is_no_grid_for_a_date_without_a_round(client_for, city, ward_staff_chuo):
    body = error(client_for(ward_staff_chuo).get("/api/v1/wards/01101/counts/2030-01-01/"), 404)
    # 和暦 in the message, as the pages write dates (ISO stays in machine fields and the path).
    assert "令和12年1月1日" in body["message"] and "2030-01-01" not in body["message"]
    error(client_for(ward_staff_chuo).get("/api/v1/wards/01101/counts/2030-02-30/"), 404)


def test_the_rounds_list_is_paginated(client_for, next_round, city_admin):
    body = client_for(city_admin).get(ROUNDS).json()
    assert body["count"] == 1 and body["results"][0]["deadline"] == "2026-02-27"
