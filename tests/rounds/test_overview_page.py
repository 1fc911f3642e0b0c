"""Rounds list, round overview and the progress buttons: who sees what, who may press what."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chonaikai.associations import selectors
from chonaikai.associations.models import SurveyRound, WardProgress
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

from .helpers import SURVEY, change, progress, save, set_status

pytestmark = pytest.mark.django_db

S = WardProgress.Status
ROUNDS = reverse("associations:count_rounds")
OVERVIEW = reverse("associations:count_round", kwargs={"survey_date": SURVEY.isoformat()})


def action_url(ward_code: str, action: str) -> str:
    return reverse(
        "associations:count_progress_action",
        kwargs={"survey_date": SURVEY.isoformat(), "ward_code": ward_code, "action": action},
    )


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# Who sees the pages
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [ROUNDS, OVERVIEW])
@pytest.mark.parametrize("persona", ["leader_a", "viewer"])
def test_leaders_and_viewers_get_not_found(url, persona, client, survey_round, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [ROUNDS, OVERVIEW])
def test_anonymous_visitors_are_sent_to_log_in(url, client, survey_round):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_city_admin_sees_every_ward_and_the_city_total(
    client, city_admin, counted_a, counted_kita, survey_round
):
    save(None, "01101", change(counted_a, 100, 70))
    client.force_login(city_admin)
    page = text(client.get(OVERVIEW))
    assert page.count('<tr id="ward-') == 10
    assert "市全体" in page


def test_ward_staff_see_only_their_ward(client, ward_staff_kita, counted_a, counted_kita, survey_round):
    client.force_login(ward_staff_kita)
    page = text(client.get(OVERVIEW))
    assert page.count('<tr id="ward-') == 1
    assert 'id="ward-01102"' in page and "中央区" not in page.split("<tbody>")[1]
    assert "市全体" not in page


def test_overview_counts_missing_associations_and_takes_rates_from_membership_stats(
    client, city_admin, counted_a, counted_b, survey_round
):
    save(None, "01101", change(counted_a, 100, 70))
    client.force_login(city_admin)
    page = text(client.get(OVERVIEW))
    chuo_row = page.split('id="ward-01101"')[1].split("</tr>")[0]
    assert "1／2" in chuo_row
    assert "中央テストB町内会" in chuo_row and "中央テストA町内会" not in chuo_row  # the missing one
    (stats,) = selectors.membership_stats(survey_date=SURVEY, level=selectors.Level.WARD)
    assert stats.rate is not None and f"{stats.rate}%" in chuo_row


def test_overview_shows_who_did_what_and_the_send_back_comment(
    client, city_admin, ward_staff_chuo, counted_a, survey_round
):
    from chonaikai.associations import services

    save(ward_staff_chuo, "01101", change(counted_a, 100, 70))
    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    services.ward_progress_send_back(
        actor=city_admin, survey_date=SURVEY, ward_code="01101", comment="A町内会を再確認"
    )
    client.force_login(ward_staff_chuo)
    row = text(client.get(OVERVIEW)).split('id="ward-01101"')[1].split("</tr>")[0]
    assert "市民自治推進室" in row and "コメント: A町内会を再確認" in row  # by display name
    assert "city_admin" not in row
    assert "提出済み→入力中（A町内会を再確認）" in row
    assert "未着手→入力中" in row and "入力中→提出済み" in row


def test_round_list_offers_the_open_form_to_city_admins_only(
    client, city_admin, ward_staff_chuo, survey_round
):
    client.force_login(city_admin)
    assert 'action="/counts/rounds/open/"' in text(client.get(ROUNDS))
    client.force_login(ward_staff_chuo)
    page = text(client.get(ROUNDS))
    assert 'action="/counts/rounds/open/"' not in page
    assert (
        reverse("associations:count_entry", kwargs={"ward_code": "01101", "survey_date": "2025-01-01"})
        in page
    )


def test_city_admin_opens_a_round_from_the_page(client, city_admin):
    client.force_login(city_admin)
    response = client.post(
        reverse("associations:count_round_open"), {"survey_date": "2026-01-01", "deadline": "2026-02-27"}
    )
    assert response.status_code == 302
    assert SurveyRound.objects.get().survey_date.isoformat() == "2026-01-01"


def test_opening_a_round_twice_shows_the_error_on_the_form(client, city_admin, survey_round):
    client.force_login(city_admin)
    response = client.post(
        reverse("associations:count_round_open"), {"survey_date": "2025-01-01", "deadline": "2025-02-27"}
    )
    assert response.status_code == 400
    assert "既に開始されています" in response.content.decode()


def test_ward_staff_cannot_open_a_round_from_the_page(client, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    response = client.post(
        reverse("associations:count_round_open"), {"survey_date": "2026-01-01", "deadline": "2026-02-27"}
    )
    assert response.status_code == 404
    assert not SurveyRound.objects.exists()


# ---------------------------------------------------------------------------------------------
# Buttons and their posts
# ---------------------------------------------------------------------------------------------


def page_url(ward_code: str, page: str) -> str:
    return reverse(
        f"associations:count_{page}", kwargs={"survey_date": SURVEY.isoformat(), "ward_code": ward_code}
    )


def test_ward_staff_go_on_to_the_submission_summary_and_can_withdraw_once_submitted(
    client, ward_staff_chuo, survey_round
):
    set_status("01101", S.IN_PROGRESS)
    client.force_login(ward_staff_chuo)
    page = text(client.get(OVERVIEW))
    assert page_url("01101", "submission") in page and "提出へ進む" in page
    assert action_url("01101", "submit") not in page  # no more one-click submission
    set_status("01101", S.SUBMITTED)
    page = text(client.get(OVERVIEW))
    assert action_url("01101", "withdraw") in page
    assert action_url("01101", "approve") not in page and page_url("01101", "review") not in page


def test_city_admin_goes_to_the_approval_view_of_a_submitted_ward(client, city_admin, survey_round):
    set_status("01101", S.SUBMITTED)
    client.force_login(city_admin)
    page = text(client.get(OVERVIEW))
    assert page_url("01101", "review") in page
    assert action_url("01101", "approve") not in page  # no more one-click approval
    assert action_url("01101", "withdraw") not in page  # the city sends back instead
    assert page_url("01102", "review") not in page  # 北区 has not submitted


def test_submitting_from_the_page(client, ward_staff_chuo, survey_round):
    set_status("01101", S.IN_PROGRESS)
    client.force_login(ward_staff_chuo)
    response = client.post(action_url("01101", "submit"), follow=True)
    assert progress("01101").status == S.SUBMITTED
    assert "中央区を「提出済み」にしました" in response.content.decode()


def test_ward_staff_of_kita_cannot_submit_or_approve_chuo_from_the_page(
    client, ward_staff_kita, survey_round
):
    set_status("01101", S.IN_PROGRESS)
    client.force_login(ward_staff_kita)
    assert client.post(action_url("01101", "submit")).status_code == 404
    set_status("01101", S.SUBMITTED)
    assert client.post(action_url("01101", "approve")).status_code == 404
    assert progress("01101").status == S.SUBMITTED


def test_ward_staff_approving_their_own_ward_is_forbidden(client, ward_staff_chuo, survey_round):
    set_status("01101", S.SUBMITTED)
    client.force_login(ward_staff_chuo)
    assert client.post(action_url("01101", "approve")).status_code == 403
    assert progress("01101").status == S.SUBMITTED


def test_an_illegal_transition_from_the_page_shows_the_japanese_message(client, city_admin, survey_round):
    client.force_login(city_admin)
    response = client.post(action_url("01101", "approve"), follow=True)
    assert "状況が「未着手」のため、承認できません" in response.content.decode()
    assert progress("01101").status == S.NOT_STARTED


def test_sending_back_from_the_page_keeps_the_comment(client, city_admin, survey_round):
    set_status("01101", S.SUBMITTED)
    client.force_login(city_admin)
    client.post(action_url("01101", "send_back"), {"comment": "B町内会が未入力です", "confirmed": "1"})
    p = progress("01101")
    assert (p.status, p.comment, p.changed_by) == (S.IN_PROGRESS, "B町内会が未入力です", city_admin)


def test_unknown_action_is_not_found(client, city_admin, survey_round):
    client.force_login(city_admin)
    assert client.post(action_url("01101", "delete")).status_code == 404


def test_actions_are_post_only(client, city_admin, survey_round):
    client.force_login(city_admin)
    assert client.get(action_url("01101", "submit")).status_code == 405


def test_overview_query_count_does_not_grow_with_associations(client, city_admin, survey_round):
    client.force_login(city_admin)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            text(client.get(OVERVIEW))
        return len(ctx)

    for code in ("01101", "01102"):
        a = AssociationFactory(ward=ward(code))
        HouseholdCountFactory(association=a, survey_date=SURVEY)
    few = queries()
    for code in ("01101", "01102", "01103"):
        for _ in range(5):
            a = AssociationFactory(ward=ward(code))
            HouseholdCountFactory(association=a, survey_date=SURVEY)
        AssociationFactory(ward=ward(code))  # missing
    assert queries() == few
