"""Importing into an approved ward: ward staff need a reason, a city admin does not (issue #3).

After approval a change is a new revision whose history row and audit event carry the reason,
through every way in: the service, the background task, the /import/ page, the API and the
import_counts command. Without a reason nothing is written.
"""

import datetime as dt
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from chonaikai.associations import services, tasks
from chonaikai.associations.imports import importer
from chonaikai.associations.models import CountsUpload, HouseholdCount, WardProgress
from chonaikai.audit.models import AuditEvent
from tests.imports.conftest import SURVEY, csv_bytes, upload

pytestmark = pytest.mark.django_db

REASON = "転記ミスの訂正（区長確認済み）"
ROWS = [["01101-0001", "大通町内会", 510, 405, ""], ["01101-0002", "円山町内会", 200, 150, ""]]


@pytest.fixture
def approved(chuo):
    """中央区's counts for SURVEY approved: 大通町内会 at 500/400 (version 1), 円山町内会 not counted."""
    services.round_open(actor=None, survey_date=SURVEY, deadline=dt.date(2025, 2, 28))
    WardProgress.objects.filter(ward__code="01101").update(status=WardProgress.Status.APPROVED)
    return chuo


def figures():
    return {
        c.association.code: (c.households, c.member_households, c.version)
        for c in HouseholdCount.objects.filter(survey_date=SURVEY).select_related("association")
    }


UNTOUCHED = {"01101-0001": (500, 400, 1)}
WRITTEN = {"01101-0001": (510, 405, 2), "01101-0002": (200, 150, 1)}


def assert_written_with(reason: str, actor) -> None:
    """Both rows written as new revisions, the reason on their history rows and the ward's event."""
    assert figures() == WRITTEN
    count = HouseholdCount.objects.get(association__code="01101-0001", survey_date=SURVEY)
    revisions = list(count.history.order_by("history_id"))
    assert [(r.households, r.version, r.history_type) for r in revisions] == [(500, 1, "+"), (510, 2, "~")]
    latest = revisions[-1]
    assert latest.history_user == actor
    if reason:
        assert reason in latest.history_change_reason
    assert "ファイル取込" in latest.history_change_reason
    assert len(latest.history_change_reason) <= 100
    event = AuditEvent.objects.get(action="counts.imported")
    assert event.subject_repr == "中央区" and event.comment == reason
    assert (event.after["created"], event.after["updated"]) == (1, 1)
    assert event.after["after_approval"] is True  # the log shows approved counts were changed
    # A correction after approval does not reopen the ward.
    assert WardProgress.objects.get(ward__code="01101").status == WardProgress.Status.APPROVED


def assert_nothing_written() -> None:
    assert figures() == UNTOUCHED
    assert HouseholdCount.history.filter(survey_date=SURVEY).count() == 1
    assert not AuditEvent.objects.filter(action="counts.imported").exists()


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


def test_ward_staff_cannot_import_into_an_approved_ward_without_a_reason(approved, ward_staff_chuo):
    with pytest.raises(services.CountsImportRejected) as rejected:
        services.counts_import_file(
            actor=ward_staff_chuo, data=csv_bytes(ROWS), filename="counts.csv", survey_date=SURVEY
        )
    errors = rejected.value.preview.errors
    assert [(e.row, e.code) for e in errors] == [(2, importer.APPROVED), (3, importer.APPROVED)]
    assert "承認済みのため、変更できません" in errors[0].message
    assert_nothing_written()


def test_a_blank_reason_is_no_reason(approved, ward_staff_chuo):
    preview = importer.preview_file(
        csv_bytes(ROWS), filename="counts.csv", survey_date=SURVEY, actor=ward_staff_chuo, reason="  　"
    )
    with pytest.raises(services.CountsImportRejected):
        services.counts_import_commit(
            actor=ward_staff_chuo, survey_date=SURVEY, preview=preview, reason=" \n "
        )
    assert_nothing_written()


def test_ward_staff_import_with_a_reason_is_a_new_revision(approved, ward_staff_chuo):
    result = services.counts_import_file(
        actor=ward_staff_chuo,
        data=csv_bytes(ROWS),
        filename="counts.csv",
        survey_date=SURVEY,
        reason=f"  {REASON} ",
    )
    assert (result.created, result.updated) == (1, 1)
    assert [w.code for w in result.preview.warnings] == [importer.APPROVED, importer.APPROVED]
    assert "承認済みです。変更は新しい版として記録されます" in result.preview.warnings[0].message
    assert_written_with(REASON, ward_staff_chuo)
    history = HouseholdCount.history.filter(survey_date=SURVEY).latest("history_id")
    assert history.history_change_reason == f"{REASON}／ファイル取込 counts.csv"


def test_the_reason_survives_a_long_file_name(approved, ward_staff_chuo):
    services.counts_import_file(
        actor=ward_staff_chuo,
        data=csv_bytes(ROWS),
        filename="中央区の町内会別世帯数" * 10 + ".csv",
        survey_date=SURVEY,
        reason=REASON,
    )
    revisions = HouseholdCount.history.filter(survey_date=SURVEY, history_user=ward_staff_chuo)
    assert revisions.count() == 2
    for revision in revisions:
        assert revision.history_change_reason.startswith(REASON)
        assert len(revision.history_change_reason) == 100


def test_city_admin_imports_into_an_approved_ward_without_a_reason(approved, city_admin):
    services.counts_import_submit(
        actor=city_admin, data=csv_bytes(ROWS), filename="counts.csv", survey_date=SURVEY
    )
    assert_written_with("", city_admin)
    latest = HouseholdCount.history.filter(survey_date=SURVEY).latest("history_id")
    assert latest.history_change_reason == "ファイル取込 counts.csv"


def test_the_background_task_is_given_the_reason(
    approved, ward_staff_chuo, settings, django_capture_on_commit_callbacks
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.counts_import_submit(
            actor=ward_staff_chuo,
            data=csv_bytes(ROWS),
            filename="counts.csv",
            survey_date=SURVEY,
            reason=REASON,
        )
    assert submission.deferred
    outcome = tasks.import_progress(submission.task_id)["result"]
    assert outcome["ok"] is True, outcome
    assert_written_with(REASON, ward_staff_chuo)


def test_the_background_task_refuses_without_a_reason(
    approved, ward_staff_chuo, settings, django_capture_on_commit_callbacks
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.counts_import_submit(
            actor=ward_staff_chuo, data=csv_bytes(ROWS), filename="counts.csv", survey_date=SURVEY
        )
    outcome = tasks.import_progress(submission.task_id)["result"]
    assert outcome["ok"] is False
    assert {e["code"] for e in outcome["errors"]} == {importer.APPROVED}
    assert_nothing_written()


# ---------------------------------------------------------------------------------------------
# The /import/ page
# ---------------------------------------------------------------------------------------------


def upload_for_preview(client) -> str:
    response = client.post(
        "/import/",
        {"file": upload(csv_bytes(ROWS), "counts.csv"), "survey_date": SURVEY.isoformat(), "ward": "01101"},
    )
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def test_page_asks_ward_staff_for_a_reason_and_commits_with_it(client, approved, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    url = upload_for_preview(client)
    html = client.get(url).content.decode()
    assert "承認済みのため、変更できません" in html
    assert 'name="reason"' in html and "変更理由" in html
    assert "取り込みを確定する" not in html

    # Committing anyway is refused, and writes nothing.
    response = client.post(url)
    assert response.status_code == 200 and "何も書き込まれていません" in response.content.decode()
    assert_nothing_written()

    # A blank reason is an error on the field.
    response = client.post(url, {"action": "reason", "reason": "  "})
    assert response.status_code == 400
    assert "変更理由を入力してください。" in response.content.decode()

    # With a reason the preview is checked again: warnings only, and the commit button.
    response = client.post(url, {"action": "reason", "reason": REASON})
    assert response.status_code == 302 and response["Location"] == url
    html = client.get(url).content.decode()
    assert "承認済みです。変更は新しい版として記録されます" in html
    assert "取り込みを確定する" in html and REASON in html
    assert_nothing_written()

    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith("/result/")
    assert_written_with(REASON, ward_staff_chuo)


def test_an_approved_wards_error_points_at_the_reason_box_not_at_the_file(client, approved, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    html = client.get(upload_for_preview(client)).content.decode()
    errors = html[
        html.index('id="errors-heading"') : html.index("</section>", html.index('id="errors-heading"'))
    ]
    # Nothing is wrong with the file: the panel says why (approved) and what to do (a reason), and
    # leads to the reason box, not to choosing the file again.
    assert "ファイルを直して" not in errors and "ファイルを選び直す" not in errors
    assert "承認済み" in errors and 'href="#reason-heading"' in errors
    assert 'id="reason-heading"' in html


def test_the_reason_is_kept_with_the_users_upload_only(client, approved, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    url = upload_for_preview(client)
    client.post(url, {"action": "reason", "reason": REASON})
    token = re.fullmatch(r"/import/([A-Za-z0-9_-]+)/", url).group(1)
    assert CountsUpload.objects.get(pk=token, owner=ward_staff_chuo).reason == REASON


def test_page_asks_a_city_admin_for_no_reason(client, approved, city_admin):
    client.force_login(city_admin)
    url = upload_for_preview(client)
    html = client.get(url).content.decode()
    assert "承認済みです。変更は新しい版として記録されます" in html
    assert 'name="reason"' not in html
    assert client.post(url).status_code == 302
    assert_written_with("", city_admin)


def test_page_asks_for_no_reason_when_no_ward_is_approved(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    html = client.get(upload_for_preview(client)).content.decode()
    assert 'name="reason"' not in html and "取り込みを確定する" in html


# ---------------------------------------------------------------------------------------------
# API and command
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def api(ward_staff_chuo):
    cache.clear()  # throttles count in the cache
    client = APIClient()
    client.force_login(ward_staff_chuo)
    yield client
    cache.clear()


def api_upload(client, **fields):
    return client.post(
        "/api/v1/counts/import/",
        {"file": upload(csv_bytes(ROWS), "counts.csv"), "survey_date": SURVEY.isoformat(), **fields},
        format="multipart",
    )


def test_api_refuses_ward_staff_without_a_reason(api, approved):
    response = api_upload(api)
    assert response.status_code == 400, response.content
    errors = response.json()["extra"]["errors"]
    assert len(errors) == 2
    # Staff read 和暦 in messages, as on the pages.
    assert all("令和7年1月1日" in e["message"] and "2025-01-01" not in e["message"] for e in errors)
    assert_nothing_written()


def test_api_dry_run_with_a_reason_has_warnings_only(api, approved):
    body = api_upload(api, dry_run="true", reason=REASON).json()
    assert body["has_errors"] is False and len(body["warnings"]) == 2
    assert_nothing_written()


def test_api_imports_with_a_reason(api, approved, ward_staff_chuo):
    response = api_upload(api, reason=REASON)
    assert response.status_code == 201, response.content
    assert_written_with(REASON, ward_staff_chuo)


def run_command(tmp_path, *args):
    path = tmp_path / "counts.csv"
    path.write_bytes(csv_bytes(ROWS))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_counts", str(path), "--survey-date", SURVEY.isoformat(), *args, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def test_command_refuses_ward_staff_without_a_reason(tmp_path, approved, ward_staff_chuo):
    with pytest.raises(CommandError):
        run_command(tmp_path, "--user", ward_staff_chuo.username)
    assert_nothing_written()


def test_command_imports_for_ward_staff_with_a_reason(tmp_path, approved, ward_staff_chuo):
    run_command(tmp_path, "--user", ward_staff_chuo.username, "--reason", REASON)
    assert_written_with(REASON, ward_staff_chuo)


def test_command_as_city_admin_needs_no_reason(tmp_path, approved, city_admin):
    run_command(tmp_path, "--user", city_admin.username)
    assert_written_with("", city_admin)
