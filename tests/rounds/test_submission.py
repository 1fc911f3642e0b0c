"""Submitting a ward's counts (issue 13, point 6): a summary first, a reason for missing counts,
read-only while submitted, withdrawing until the city acts, and the city's approval view."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from chonaikai.associations import services
from chonaikai.associations.imports import importer
from chonaikai.associations.models import HouseholdCount, WardProgress
from chonaikai.audit.models import AuditEvent
from tests.factories import HouseholdCountFactory

from .helpers import SURVEY, change, progress, save, set_status

S = WardProgress.Status
pytestmark = pytest.mark.django_db


def url(name: str, ward_code: str = "01101") -> str:
    return reverse(
        f"associations:count_{name}", kwargs={"survey_date": SURVEY.isoformat(), "ward_code": ward_code}
    )


def action_url(action: str, ward_code: str = "01101") -> str:
    return reverse(
        "associations:count_progress_action",
        kwargs={"survey_date": SURVEY.isoformat(), "ward_code": ward_code, "action": action},
    )


@pytest.fixture
def half_entered(ward_staff_chuo, counted_a, counted_b, survey_round):
    """中央区: a entered with a large change explained in its note (100 → 150); b not entered."""
    save(ward_staff_chuo, "01101", change(counted_a, 150, 70, note="大型マンション完成"))
    return counted_a, counted_b


# ---------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------


def test_submitting_with_missing_counts_needs_a_reason(ward_staff_chuo, half_entered):
    with pytest.raises(services.RoundError) as refused:
        services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    assert "未入力の町内会が1件あります（1／2件入力済み）" in refused.value.message
    assert progress("01101").status == S.IN_PROGRESS

    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="円山町内会は解散協議中"
    )
    p = progress("01101")
    assert (p.status, p.comment) == (S.SUBMITTED, "円山町内会は解散協議中")
    event = AuditEvent.objects.get(action="round.ward_submitted")
    assert event.comment == "円山町内会は解散協議中"
    assert (event.after["missing"], event.after["flagged"], event.after["active"]) == (1, 1, 2)


def test_a_complete_ward_submits_without_a_comment(ward_staff_chuo, half_entered):
    save(ward_staff_chuo, "01101", change(half_entered[1], 200, 150))
    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    assert progress("01101").status == S.SUBMITTED


def test_the_ward_withdraws_its_submission_until_the_city_acts(ward_staff_chuo, city_admin, half_entered):
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="理由"
    )
    services.ward_progress_withdraw(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    assert progress("01101").status == S.IN_PROGRESS
    assert AuditEvent.objects.filter(action="round.ward_withdrawn", actor=ward_staff_chuo).count() == 1
    # Editable again.
    save(ward_staff_chuo, "01101", change(half_entered[1], 200, 150))

    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    services.ward_progress_approve(actor=city_admin, survey_date=SURVEY, ward_code="01101")
    with pytest.raises(services.RoundError) as refused:
        services.ward_progress_withdraw(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    assert "承認済みのため、提出を取り下げられません" in refused.value.message
    assert progress("01101").status == S.APPROVED


def test_nothing_to_withdraw_before_submitting(ward_staff_chuo, half_entered):
    with pytest.raises(services.RoundError) as refused:
        services.ward_progress_withdraw(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    assert "取り下げるものがありません" in refused.value.message


def test_ward_staff_of_kita_cannot_withdraw_chuo(ward_staff_chuo, ward_staff_kita, half_entered):
    from django.http import Http404

    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="理由"
    )
    with pytest.raises(Http404):
        services.ward_progress_withdraw(actor=ward_staff_kita, survey_date=SURVEY, ward_code="01101")
    assert progress("01101").status == S.SUBMITTED


def test_an_import_into_a_submitted_ward_is_refused(ward_staff_chuo, half_entered):
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="理由"
    )
    rows = (importer.ParsedRow(code=half_entered[1].code, households=200, member_households=150, row=2),)
    preview = importer.check_rows(importer.ParsedFile(rows=rows), survey_date=SURVEY, actor=ward_staff_chuo)
    (issue,) = preview.errors
    assert issue.code == importer.SUBMITTED and "提出済みのため変更できません" in issue.message
    assert "令和7年1月1日" in issue.message and SURVEY.isoformat() not in issue.message
    with pytest.raises(services.CountsImportRejected):
        services.counts_import_commit(actor=ward_staff_chuo, survey_date=SURVEY, rows=rows)
    assert not HouseholdCount.objects.filter(association=half_entered[1], survey_date=SURVEY).exists()


# ---------------------------------------------------------------------------------------------
# The summary page
# ---------------------------------------------------------------------------------------------


def test_the_summary_lists_entered_missing_and_flagged_before_submitting(
    client, ward_staff_chuo, half_entered
):
    _a, b = half_entered
    client.force_login(ward_staff_chuo)
    page = client.get(url("submission")).content.decode()
    assert "1／2町内会" in page
    assert f'data-association="{b.code}"' in page  # the association with no count
    assert "前回から20%超の増減" in page and "大型マンション完成" in page  # the flagged row and its note
    assert "未入力のまま提出する理由" in page
    assert "None" not in page

    response = client.post(url("submission"), {"comment": ""})
    assert response.status_code == 400
    assert "未入力のまま提出する理由を入力してください。" in response.content.decode()
    assert progress("01101").status == S.IN_PROGRESS

    response = client.post(url("submission"), {"comment": "円山町内会は解散協議中"})
    assert response.status_code == 302
    assert progress("01101").status == S.SUBMITTED

    page = client.get(url("submission")).content.decode()
    assert "読み取り専用" in page and action_url("withdraw") in page
    client.post(action_url("withdraw"), {"confirmed": "1"})
    assert progress("01101").status == S.IN_PROGRESS


def test_the_summary_is_404_outside_the_user_s_wards(client, ward_staff_kita, viewer, half_entered):
    for user in (ward_staff_kita, viewer):
        client.force_login(user)
        assert client.get(url("submission")).status_code == 404
        assert client.post(url("submission"), {"comment": "x"}).status_code == 404
    assert progress("01101").status == S.IN_PROGRESS


def test_the_grid_and_the_import_result_lead_on_to_submitting(client, ward_staff_chuo, half_entered):
    client.force_login(ward_staff_chuo)
    grid = client.get(
        reverse("associations:count_entry", kwargs={"ward_code": "01101", "survey_date": SURVEY})
    )
    assert url("submission") in grid.content.decode() and "提出へ進む" in grid.content.decode()


def test_a_submitted_grid_refuses_a_save_with_a_clear_message(client, ward_staff_chuo, half_entered):
    set_status("01101", S.SUBMITTED)
    rejected = pytest.raises(services.CountsEntryRejected)
    with rejected as e:
        save(ward_staff_chuo, "01101", change(half_entered[1], 200, 150))
    assert "提出済みのため変更できません。変更するには提出を取り下げてください" in e.value.issues[0].message


def test_the_api_withdraws_a_submission(ward_staff_chuo, half_entered):
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="理由"
    )
    api = APIClient()
    api.force_authenticate(ward_staff_chuo)
    response = api.post(f"/api/v1/rounds/{SURVEY.isoformat()}/wards/01101/withdraw/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.IN_PROGRESS
    again = api.post(f"/api/v1/rounds/{SURVEY.isoformat()}/wards/01101/withdraw/", {}, format="json")
    assert again.status_code == 409


def test_the_api_refuses_to_submit_missing_counts_without_a_comment(ward_staff_chuo, half_entered):
    api = APIClient()
    api.force_authenticate(ward_staff_chuo)
    path = f"/api/v1/rounds/{SURVEY.isoformat()}/wards/01101/submit/"
    assert api.post(path, {}, format="json").status_code == 409
    assert api.post(path, {"comment": "円山町内会は解散協議中"}, format="json").status_code == 200


# ---------------------------------------------------------------------------------------------
# The city's approval view
# ---------------------------------------------------------------------------------------------


def test_the_approval_view_shows_flagged_rows_notes_and_the_ward_s_change(
    client, city_admin, ward_staff_chuo, half_entered
):
    a, _b = half_entered
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="円山町内会は解散協議中"
    )
    client.force_login(city_admin)
    page = client.get(url("review")).content.decode()
    assert "円山町内会は解散協議中" in page  # the ward's reason
    assert f'data-association="{a.code}"' in page and "大型マンション完成" in page
    assert "+50.0%" in page  # a: 100 → 150
    # The ward's change compares like with like: only a has a count in both surveys (100 → 150).
    assert "前回と今回の両方に世帯数がある1町内会で比較" in page
    assert ">100<" in page and ">150<" in page and "+50" in page
    assert ">300<" not in page and "-150" not in page  # not b's previous count against nothing
    assert action_url("approve") in page and action_url("send_back") in page

    client.post(action_url("send_back"), {"comment": ""})  # a comment is required
    assert progress("01101").status == S.SUBMITTED
    client.post(action_url("approve"))
    assert progress("01101").status == S.APPROVED


@pytest.mark.parametrize("persona", ["ward_staff_chuo", "ward_staff_kita", "viewer"])
def test_only_city_administrators_see_the_approval_view(client, persona, request, half_entered):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("review")).status_code == 404


def test_a_count_without_a_previous_survey_shows_a_dash_not_none(
    client, city_admin, association_kita, survey_round
):
    HouseholdCountFactory(association=association_kita, survey_date=SURVEY, households=0, member_households=0)
    client.force_login(city_admin)
    page = client.get(url("review", "01102")).content.decode()
    assert "None" not in page and "0世帯" in page


def test_the_submission_is_read_in_a_constant_number_of_queries(ward_staff_chuo, half_entered):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chonaikai.associations.counts.selectors import ward_submission
    from tests.factories import AssociationFactory, ward

    chuo = ward("01101")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            submission = ward_submission(ward=chuo, survey_date=SURVEY)
            _ = (submission.flagged, submission.missing, submission.households, submission.rate_change)
        return len(ctx)

    few = queries()
    for _i in range(20):
        HouseholdCountFactory(association=AssociationFactory(ward=chuo), survey_date=SURVEY)
    assert queries() == few == 4  # progress, previous survey date, associations, counts


def test_the_ward_change_compares_only_associations_counted_in_both_surveys(
    client, city_admin, ward_staff_chuo, half_entered
):
    """16 of 298 entered must not read as a 94 % fall: the change is over the associations with a
    count in both surveys, and the partial total is shown apart, labelled entered N of M."""
    from chonaikai.associations.counts.selectors import ward_submission
    from tests.factories import ward

    submission = ward_submission(ward=ward("01101"), survey_date=SURVEY)
    assert submission.compared == 1
    assert (submission.households.previous, submission.households.current) == (100, 150)
    assert (submission.members.previous, submission.members.current) == (70, 70)
    assert submission.households.percent == 50  # not (150 − 300) ÷ 300
    assert submission.entered_households == 150 and submission.entered_members == 70

    client.force_login(ward_staff_chuo)
    summary = client.get(url("submission")).content.decode()
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="理由"
    )
    client.force_login(city_admin)
    review = client.get(url("review")).content.decode()
    for page in (summary, review):
        assert "前回と今回の両方に世帯数がある1町内会で比較" in page
        assert "+50.0%" in page and "-50.0%" not in page
        assert "入力済み町内会の合計（1／2町内会）" in page


def test_without_a_previous_survey_the_ward_s_figures_are_the_total_entered(
    association_kita, survey_round, monkeypatch
):
    from chonaikai.associations.counts import selectors as selectors_rounds
    from tests.factories import ward

    HouseholdCountFactory(
        association=association_kita, survey_date=SURVEY, households=40, member_households=30
    )
    monkeypatch.setattr(selectors_rounds, "previous_survey_date", lambda day: None)
    submission = selectors_rounds.ward_submission(ward=ward("01102"), survey_date=SURVEY)
    assert submission.previous_survey_date is None
    assert (submission.households.current, submission.households.previous) == (40, None)
    assert submission.members.current == 30 and submission.rate is not None


# ---------------------------------------------------------------------------------------------
# Withdrawing and sending back ask for confirmation first (no script needed)
# ---------------------------------------------------------------------------------------------


def test_withdrawing_from_the_page_asks_for_confirmation_first(client, ward_staff_chuo, half_entered):
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="理由"
    )
    client.force_login(ward_staff_chuo)
    response = client.post(action_url("withdraw"))
    page = response.content.decode()
    assert response.status_code == 200 and "提出を取り下げますか" in page
    assert 'name="confirmed"' in page and f'action="{action_url("withdraw")}"' in page
    assert url("submission") in page  # the way back, without withdrawing
    assert progress("01101").status == S.SUBMITTED  # nothing done yet

    response = client.post(action_url("withdraw"), {"confirmed": "1"})
    assert response.status_code == 302 and progress("01101").status == S.IN_PROGRESS


def test_sending_back_asks_for_confirmation_and_keeps_the_comment(
    client, city_admin, ward_staff_chuo, half_entered
):
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="理由"
    )
    client.force_login(city_admin)
    response = client.post(action_url("send_back"), {"comment": "円山町内会の世帯数を確認してください"})
    page = response.content.decode()
    assert response.status_code == 200 and "差し戻しますか" in page
    assert "円山町内会の世帯数を確認してください" in page and 'name="confirmed"' in page
    assert url("review") in page
    assert progress("01101").status == S.SUBMITTED

    client.post(
        action_url("send_back"), {"comment": "円山町内会の世帯数を確認してください", "confirmed": "1"}
    )
    p = progress("01101")
    assert (p.status, p.comment) == (S.IN_PROGRESS, "円山町内会の世帯数を確認してください")


def test_no_confirmation_page_outside_the_user_s_wards(
    client, ward_staff_chuo, ward_staff_kita, half_entered
):
    services.ward_progress_submit(
        actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101", comment="理由"
    )
    client.force_login(ward_staff_kita)
    assert client.post(action_url("withdraw")).status_code == 404
    assert progress("01101").status == S.SUBMITTED
