"""The survey round's state machine: opening a round, and every transition for every persona."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from chonaikai.associations import services
from chonaikai.associations.models import HouseholdCount, SurveyRound, WardProgress
from chonaikai.audit.models import AuditEvent
from tests.factories import HouseholdCountFactory

from .helpers import DEADLINE, SURVEY, change, progress, save, set_status

pytestmark = pytest.mark.django_db

S = WardProgress.Status
ACTIONS = {
    "submit": services.ward_progress_submit,
    "approve": services.ward_progress_approve,
    "send_back": services.ward_progress_send_back,
}
# The only legal moves: (action, from) → to.
LEGAL = {
    ("submit", S.IN_PROGRESS): S.SUBMITTED,
    ("approve", S.SUBMITTED): S.APPROVED,
    ("send_back", S.SUBMITTED): S.IN_PROGRESS,
}
# Who may take which action on 中央区's progress. Everyone else: 404 (not in their scope).
MAY = {
    "city_admin": {"submit", "approve", "send_back"},
    "ward_staff_chuo": {"submit"},
}
IN_SCOPE = {"city_admin", "ward_staff_chuo"}
AUDIT_ACTIONS = {
    "submit": "round.ward_submitted",
    "approve": "round.ward_approved",
    "send_back": "round.ward_sent_back",
}
PERSONAS = ["city_admin", "ward_staff_chuo", "ward_staff_kita", "leader_a", "viewer", "anonymous"]


# ---------------------------------------------------------------------------------------------
# Opening a round
# ---------------------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False)
def test_city_admin_opens_a_round_for_1_january_of_this_year_with_one_progress_per_ward(city_admin):
    survey_round = services.round_open(actor=city_admin, deadline=dt.date(2026, 2, 27))
    assert survey_round.survey_date == dt.date(2026, 1, 1)
    assert survey_round.opened_by == city_admin
    rows = WardProgress.objects.filter(survey_round=survey_round)
    assert rows.count() == 10
    assert {r.status for r in rows} == {S.NOT_STARTED}
    event = AuditEvent.objects.get(action="round.opened")
    assert event.actor == city_admin and event.after["deadline"] == "2026-02-27"


def test_survey_date_defaults_to_1_january_in_japan_even_on_new_years_eve_utc(city_admin):
    # 2025-12-31 20:00 UTC is already 2026-01-01 in Sapporo.
    with time_machine.travel(dt.datetime(2025, 12, 31, 20, 0, tzinfo=dt.UTC), tick=False):
        survey_round = services.round_open(actor=city_admin, deadline=dt.date(2026, 2, 27))
    assert survey_round.survey_date == dt.date(2026, 1, 1)


def test_wards_that_already_hold_counts_start_in_progress(city_admin, association_a):
    HouseholdCountFactory(association=association_a, survey_date=SURVEY)
    services.round_open(actor=city_admin, survey_date=SURVEY, deadline=DEADLINE)
    assert progress("01101").status == S.IN_PROGRESS
    assert progress("01102").status == S.NOT_STARTED


def test_only_one_round_per_survey_date(city_admin, survey_round):
    with pytest.raises(services.RoundError, match="既に開始されています"):
        services.round_open(actor=city_admin, survey_date=SURVEY, deadline=DEADLINE)
    assert SurveyRound.objects.count() == 1


def test_deadline_before_the_survey_date_is_refused(city_admin):
    with pytest.raises(services.RoundError, match="提出期限"):
        services.round_open(actor=city_admin, survey_date=SURVEY, deadline=dt.date(2024, 12, 31))
    assert not SurveyRound.objects.exists()


@pytest.mark.parametrize("persona", ["ward_staff_chuo", "ward_staff_kita", "leader_a", "viewer", "anonymous"])
def test_only_city_admins_open_rounds(persona, request):
    with pytest.raises(PermissionDenied):
        services.round_open(actor=request.getfixturevalue(persona), survey_date=SURVEY, deadline=DEADLINE)
    assert not SurveyRound.objects.exists()
    assert not AuditEvent.objects.exists()


# ---------------------------------------------------------------------------------------------
# Every action from every status, for every persona
# ---------------------------------------------------------------------------------------------


def _expected(persona: str, action: str, status: str):
    if persona not in IN_SCOPE:
        return Http404
    if action not in MAY[persona]:
        return PermissionDenied
    return LEGAL.get((action, status), services.RoundError)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("status", S.values)
def test_transition_matrix_on_chuo(persona, action, status, survey_round, request):
    actor = request.getfixturevalue(persona)
    set_status("01101", status)
    events_before = AuditEvent.objects.count()
    expected = _expected(persona, action, status)
    call = lambda: ACTIONS[action](  # noqa: E731
        actor=actor, survey_date=SURVEY, ward_code="01101", comment="世帯数を確認してください"
    )
    if isinstance(expected, str):
        result = call()
        assert result.status == expected == progress("01101").status
        event = AuditEvent.objects.latest("id")
        assert event.action == AUDIT_ACTIONS[action]
        assert event.actor == actor
        assert (event.before, event.after["status"]) == ({"status": status}, expected)
        assert event.comment == "世帯数を確認してください"
        assert progress("01101").changed_by == actor
    else:
        with pytest.raises(expected):
            call()
        assert progress("01101").status == status
        assert AuditEvent.objects.count() == events_before


def test_illegal_transition_says_why_in_japanese(city_admin, survey_round):
    with pytest.raises(services.RoundError) as refused:
        services.ward_progress_submit(actor=city_admin, survey_date=SURVEY, ward_code="01101")
    assert refused.value.message == (
        "中央区（令和7年1月1日調査）はまだ世帯数が1件も入力されていないため、提出できません。"
    )
    set_status("01101", S.IN_PROGRESS)
    with pytest.raises(services.RoundError, match="状況が「入力中」のため、承認できません"):
        services.ward_progress_approve(actor=city_admin, survey_date=SURVEY, ward_code="01101")


def test_ward_staff_asking_to_approve_their_own_ward_are_told_who_may(ward_staff_chuo, survey_round):
    set_status("01101", S.SUBMITTED)
    with pytest.raises(PermissionDenied, match="市の管理者だけ"):
        services.ward_progress_approve(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")


def test_sending_back_needs_a_comment(city_admin, survey_round):
    set_status("01101", S.SUBMITTED)
    with pytest.raises(services.RoundError, match="理由"):
        services.ward_progress_send_back(actor=city_admin, survey_date=SURVEY, ward_code="01101", comment=" ")
    assert progress("01101").status == S.SUBMITTED


def test_a_ward_without_a_round_for_the_date_is_not_found(city_admin, survey_round):
    with pytest.raises(Http404):
        services.ward_progress_submit(actor=city_admin, survey_date=dt.date(2020, 1, 1), ward_code="01101")


def test_ward_staff_of_kita_submit_their_own_ward(ward_staff_kita, survey_round):
    set_status("01102", S.IN_PROGRESS)
    services.ward_progress_submit(actor=ward_staff_kita, survey_date=SURVEY, ward_code="01102")
    assert progress("01102").status == S.SUBMITTED
    assert progress("01101").status == S.NOT_STARTED


def test_full_cycle_with_send_back_keeps_every_step_in_the_audit(
    city_admin, ward_staff_chuo, counted_a, survey_round
):
    save(ward_staff_chuo, "01101", change(counted_a, 100, 70))
    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    services.ward_progress_send_back(
        actor=city_admin, survey_date=SURVEY, ward_code="01101", comment="A町内会を確認"
    )
    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    services.ward_progress_approve(actor=city_admin, survey_date=SURVEY, ward_code="01101")
    p = progress("01101")
    actions = list(
        AuditEvent.objects.filter(subject_id=str(p.pk), action__startswith="round.ward_")
        .order_by("id")
        .values_list("action", "actor__username", "comment")
    )
    assert actions == [
        ("round.ward_started", "ward_staff_chuo", ""),
        ("round.ward_submitted", "ward_staff_chuo", ""),
        ("round.ward_sent_back", "city_admin", "A町内会を確認"),
        ("round.ward_submitted", "ward_staff_chuo", ""),
        ("round.ward_approved", "city_admin", ""),
    ]


# ---------------------------------------------------------------------------------------------
# 未着手 → 入力中 by itself
# ---------------------------------------------------------------------------------------------


def test_first_count_saved_on_the_grid_starts_the_ward(ward_staff_chuo, counted_a, survey_round):
    save(ward_staff_chuo, "01101", change(counted_a, 100, 70))
    assert progress("01101").status == S.IN_PROGRESS
    assert progress("01102").status == S.NOT_STARTED
    started = AuditEvent.objects.get(action="round.ward_started")
    assert started.actor == ward_staff_chuo


def test_later_saves_do_not_record_the_start_again(ward_staff_chuo, counted_a, counted_b, survey_round):
    save(ward_staff_chuo, "01101", change(counted_a, 100, 70))
    save(ward_staff_chuo, "01101", change(counted_b, 200, 150))
    assert AuditEvent.objects.filter(action="round.ward_started").count() == 1


def test_first_count_imported_starts_the_ward(ward_staff_chuo, association_a, survey_round):
    from chonaikai.associations.imports import importer

    services.counts_import_commit(
        actor=ward_staff_chuo,
        survey_date=SURVEY,
        rows=[importer.ParsedRow(code=association_a.code, households=10, member_households=5, row=2)],
    )
    assert progress("01101").status == S.IN_PROGRESS


@pytest.mark.parametrize("persona", ["ward_staff_chuo", "city_admin"])
def test_a_submitted_ward_s_counts_are_read_only(persona, request, ward_staff_chuo, counted_a, survey_round):
    save(ward_staff_chuo, "01101", change(counted_a, 100, 70))
    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    with pytest.raises(services.CountsEntryRejected) as rejected:
        save(request.getfixturevalue(persona), "01101", change(counted_a, 101, 70, version=1))
    assert [i.code for i in rejected.value.issues] == ["submitted"]
    assert "提出済みのため変更できません" in rejected.value.issues[0].message
    assert HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY).households == 100
    assert progress("01101").status == S.SUBMITTED
