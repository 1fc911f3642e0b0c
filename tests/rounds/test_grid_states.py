"""The entry grid says what state the ward's counts are in (issue 13, QA of points 6 and 7): read-only
with a notice and a way to withdraw while submitted, the lock error first and alone when a save is
posted anyway, no 「提出へ進む」 once approved, and a send-back shown with the city's comment."""

import pytest
from django.urls import reverse

from chonaikai.associations import services
from chonaikai.associations.models import HouseholdCount, WardProgress

from .helpers import SURVEY, change, form_data, progress, save

S = WardProgress.Status
pytestmark = pytest.mark.django_db

GRID = reverse("associations:count_entry", kwargs={"ward_code": "01101", "survey_date": SURVEY})
WITHDRAW = reverse(
    "associations:count_progress_action",
    kwargs={"survey_date": SURVEY.isoformat(), "ward_code": "01101", "action": "withdraw"},
)


@pytest.fixture
def submitted(ward_staff_chuo, counted_a, counted_b, survey_round):
    """中央区 entered in full (a 100 → 105, b 200 → 210) and submitted."""
    save(ward_staff_chuo, "01101", change(counted_a, 105, 70), change(counted_b, 210, 150))
    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    return counted_a, counted_b


def inputs(page: str) -> list[str]:
    """The grid's count inputs (<input ... name="aN-households" ...>) as rendered."""
    import re

    return re.findall(r"<input[^>]*name=\"a\d+-(?:households|member_households)\"[^>]*>", page)


def test_a_submitted_grid_is_read_only_with_a_notice_and_a_way_to_withdraw(
    client, ward_staff_chuo, submitted
):
    client.force_login(ward_staff_chuo)
    page = client.get(GRID).content.decode()
    assert inputs(page) and all(" disabled" in tag for tag in inputs(page))
    assert "まとめて保存する</button>" not in page and "Enter キーで" not in page
    assert "提出済みのため、世帯数は変更できません" in page
    assert WITHDRAW in page  # the withdraw button, for a user who may withdraw

    client.post(WITHDRAW, {"confirmed": "1"})
    page = client.get(GRID).content.decode()
    assert not any(" disabled" in tag for tag in inputs(page)) and "まとめて保存する</button>" in page


def test_a_save_posted_to_a_submitted_grid_gets_the_lock_error_first_and_alone(
    client, ward_staff_chuo, counted_a, counted_b, survey_round
):
    client.force_login(ward_staff_chuo)
    data = form_data(client.get(GRID))  # loaded while still in progress
    save(ward_staff_chuo, "01101", change(counted_a, 105, 70), change(counted_b, 210, 150))
    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")

    # The service: a change that is also over 20 % is refused for the lock alone.
    with pytest.raises(services.CountsEntryRejected) as refused:
        save(ward_staff_chuo, "01101", change(counted_a, 999, 70, version=1))
    assert [i.code for i in refused.value.issues] == ["submitted"]

    # The page: the same, and a typed value that does not even parse gets the lock error too.
    prefix = f"a{counted_a.pk}"
    data |= {
        f"{prefix}-households": "999",
        f"{prefix}-version": "1",
        "initial-" + f"{prefix}-households": "105",
    }
    for typed in ("999", "abc"):
        data[f"{prefix}-households"] = typed
        response = client.post(GRID, data)
        assert response.status_code == 400
        page = response.content.decode()
        summary = page[
            page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))
        ]
        assert "提出済みのため変更できません" in summary
        assert "20%" not in summary and "数字" not in summary
    assert HouseholdCount.objects.get(association=counted_a, survey_date=SURVEY).households == 105


def test_an_approved_grid_does_not_offer_to_go_on_to_submitting(
    client, ward_staff_chuo, city_admin, submitted
):
    services.ward_progress_approve(actor=city_admin, survey_date=SURVEY, ward_code="01101")
    for user in (ward_staff_chuo, city_admin):
        client.force_login(user)
        page = client.get(GRID).content.decode()
        assert "提出へ進む" not in page
        assert "承認済み" in page


def test_an_in_progress_grid_is_editable_and_leads_on_to_submitting(
    client, ward_staff_chuo, counted_a, survey_round
):
    client.force_login(ward_staff_chuo)
    page = client.get(GRID).content.decode()
    assert "提出へ進む" in page and "まとめて保存する</button>" in page
    assert not any(" disabled" in tag for tag in inputs(page))
    assert progress("01101").status == S.NOT_STARTED


# ---------------------------------------------------------------------------------------------
# A send-back is visible to the ward
# ---------------------------------------------------------------------------------------------

SEND_BACK = reverse(
    "associations:count_progress_action",
    kwargs={"survey_date": SURVEY.isoformat(), "ward_code": "01101", "action": "send_back"},
)
ROUND = reverse("associations:count_round", kwargs={"survey_date": SURVEY.isoformat()})


def test_a_send_back_shows_on_the_grid_and_the_lists_with_the_city_s_comment(
    client, ward_staff_chuo, city_admin, submitted
):
    client.force_login(city_admin)
    response = client.post(
        SEND_BACK, {"comment": "北1条町内会の加入世帯数を確認してください", "confirmed": "1"}, follow=True
    )
    assert "差し戻しました" in response.content.decode()
    p = progress("01101")
    assert p.status == S.IN_PROGRESS and p.sent_back

    client.force_login(ward_staff_chuo)
    grid = client.get(GRID).content.decode()
    assert "状況: 差し戻し" in grid
    assert "北1条町内会の加入世帯数を確認してください" in grid
    assert city_admin.get_username() in grid or (p.changed_by_name and p.changed_by_name in grid)
    assert p.changed_at.astimezone().strftime("%Y-%m-%d %H:%M") in grid
    assert "まとめて保存する</button>" in grid  # editable again

    for page in (
        client.get(ROUND).content.decode(),
        client.get(reverse("associations:count_rounds")).content.decode(),
    ):
        assert "差し戻し" in page
    overview = client.get(ROUND).content.decode()
    row = overview[overview.index('id="ward-01101"') :]
    row = row[: row.index("</tr>")]
    assert "差し戻し" in row and "北1条町内会の加入世帯数を確認してください" in row


def test_a_ward_that_withdrew_or_started_is_not_shown_as_sent_back(client, ward_staff_chuo, submitted):
    client.force_login(ward_staff_chuo)
    client.post(WITHDRAW, {"confirmed": "1"})
    assert not progress("01101").sent_back
    grid = client.get(GRID).content.decode()
    assert "状況: 入力中" in grid and "差し戻し" not in grid

    # Resubmitting after a send-back clears it.
    services.ward_progress_submit(actor=ward_staff_chuo, survey_date=SURVEY, ward_code="01101")
    assert not progress("01101").sent_back


def test_the_migration_marks_wards_already_sent_back_from_the_audit_trail(
    ward_staff_chuo, ward_staff_kita, city_admin, submitted, counted_kita
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("chonaikai.associations.migrations.0007_ward_progress_last_action")
    services.ward_progress_send_back(
        actor=city_admin, survey_date=SURVEY, ward_code="01101", comment="再確認"
    )
    save(ward_staff_kita, "01102", change(counted_kita, 51, 40))
    services.ward_progress_submit(actor=ward_staff_kita, survey_date=SURVEY, ward_code="01102")
    services.ward_progress_withdraw(actor=ward_staff_kita, survey_date=SURVEY, ward_code="01102")
    WardProgress.objects.update(last_action="")  # as the rows were before the field existed

    migration.mark_sent_back(apps, None)
    assert progress("01101").sent_back
    assert not progress("01102").sent_back
