"""/import/: upload → preview (nothing written) → commit (all or nothing) → result."""

import datetime as dt
import io
import re
import zipfile

import pytest
import time_machine
from django.core.files.storage import default_storage

from chonaikai.associations.models import CountsUpload, HouseholdCount, SurveyRound
from tests.factories import UserFactory
from tests.imports.conftest import SURVEY, csv_bytes, upload, xlsx

pytestmark = pytest.mark.django_db

GOOD_ROWS = [["01101-0001", "大通町内会", 510, 405, ""], ["01101-0002", "円山町内会", 200, 150, "新規"]]


def post_upload(client, data, name="counts.xlsx", *, survey_date=SURVEY, ward="01101"):
    payload = {"file": upload(data, name), "survey_date": survey_date.isoformat()}
    if ward is not None:
        payload["ward"] = ward
    return client.post("/import/", payload)


def token_of(response) -> str:
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(r"/import/([A-Za-z0-9_-]+)/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def counts():
    return {
        (c.association.code, c.survey_date): (c.households, c.member_households)
        for c in HouseholdCount.objects.select_related("association")
    }


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/import/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["viewer", "leader_a"])
def test_users_who_may_import_for_no_ward_get_404(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/import/").status_code == 404


def test_ward_staff_see_their_ward_fixed_and_a_city_admin_chooses(client, ward_staff_chuo, city_admin):
    client.force_login(ward_staff_chuo)
    html = client.get("/import/").content.decode()
    assert re.search(r'<select name="ward"[^>]*disabled', html)
    assert "中央区" in html and "北区" not in html
    assert '<label for="id_file">' in html and '<label for="id_survey_date">' in html

    client.force_login(city_admin)
    html = client.get("/import/").content.decode()
    assert "すべての区（市全体）" in html and "北区" in html


@time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC))
def test_survey_date_defaults_to_january_first_then_to_the_latest_round(client, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    assert 'value="2026-01-01"' in client.get("/import/").content.decode()
    SurveyRound.objects.create(survey_date=dt.date(2025, 1, 1), deadline=dt.date(2025, 3, 31))
    assert 'value="2025-01-01"' in client.get("/import/").content.decode()


# ---------------------------------------------------------------------------------------------
# Preview and commit
# ---------------------------------------------------------------------------------------------


def test_preview_shows_current_new_and_change_for_every_row_and_writes_nothing(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    before = counts()
    token = token_of(post_upload(client, xlsx(GOOD_ROWS)))
    html = client.get(f"/import/{token}/").content.decode()
    assert counts() == before
    assert "取込内容の確認" in html
    assert "大通町内会" in html and "円山町内会" in html
    assert ">500<" in html and ">510<" in html and ">+10<" in html  # current, new, change
    assert ">400<" in html and ">405<" in html and ">+5<" in html
    assert "新規" in html and "変更" in html
    assert "取り込みを確定する" in html


def test_commit_writes_the_previewed_file_and_shows_the_result(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, xlsx(GOOD_ROWS)))
    response = client.post(f"/import/{token}/")
    assert response.status_code == 302 and response["Location"] == f"/import/{token}/result/"
    assert counts()[("01101-0001", SURVEY)] == (510, 405)
    assert counts()[("01101-0002", SURVEY)] == (200, 150)
    assert HouseholdCount.objects.get(association__code="01101-0002").entered_by == ward_staff_chuo
    html = client.get(response["Location"]).content.decode()
    assert "取り込みました。新規 1件、更新 1件、変更なし 0件です。" in html
    # The upload itself is gone; the commit cannot be replayed.
    record = CountsUpload.objects.get(pk=token)
    assert record.status == CountsUpload.Status.IMPORTED and not record.file
    assert not default_storage.exists(f"imports/uploads/{token}/upload")
    assert client.get(f"/import/{token}/").status_code == 302


def test_reimporting_the_same_file_changes_nothing(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    client.post(f"/import/{token_of(post_upload(client, xlsx(GOOD_ROWS)))}/")
    history = HouseholdCount.history.count()
    token = token_of(post_upload(client, xlsx(GOOD_ROWS)))
    assert "変更なし" in client.get(f"/import/{token}/").content.decode()
    result = client.get(client.post(f"/import/{token}/")["Location"]).content.decode()
    assert "新規 0件、更新 0件、変更なし 2件" in result
    assert HouseholdCount.history.count() == history


def test_errors_are_shown_with_sheet_row_and_column_and_block_the_commit(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    rows = [["01101-0001", "大通町内会", "たくさん", 405, ""], ["01101-9999", "幻町内会", 10, 5, ""]]
    token = token_of(post_upload(client, xlsx(rows)))
    html = client.get(f"/import/{token}/").content.decode()
    assert "エラー（直さないと取り込めません）" in html
    assert "シート「中央区」 2行目 「区域内世帯数」列" in html
    assert "数値ではありません" in html
    assert "町内会コード 01101-9999 は登録されていません。" in html
    assert "取り込みを確定する" not in html
    assert "ファイルを選び直す" in html

    before = counts()
    html = client.post(f"/import/{token}/").content.decode()  # a forged commit
    assert "エラーがあるため取り込みませんでした" in html
    assert counts() == before


def test_an_empty_template_is_an_error_on_the_page_and_cannot_be_committed(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, csv_bytes([]), "counts.csv"))
    html = client.get(f"/import/{token}/").content.decode()
    assert "取り込む行がありません。" in html
    assert "取り込みを確定する" not in html
    html = client.post(f"/import/{token}/").content.decode()  # a forged commit
    assert "エラーがあるため取り込みませんでした" in html


def test_the_reupload_link_keeps_the_survey_date_and_ward(client, chuo, city_admin):
    client.force_login(city_admin)
    token = token_of(post_upload(client, xlsx(GOOD_ROWS), survey_date=dt.date(2024, 7, 1)))
    html = client.get(f"/import/{token}/").content.decode()
    assert "/import/?survey_date=2024-07-01&amp;ward=01101" in html
    form = client.get("/import/?survey_date=2024-07-01&ward=01101").content.decode()
    assert 'value="2024-07-01"' in form
    assert re.search(r'<option value="01101" selected>', form)


def test_csv_in_shift_jis_is_imported(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    data = csv_bytes([["01101-0002", "円山町内会", 200, 150, "備考"]], encoding="cp932")
    token = token_of(post_upload(client, data, "counts.csv"))
    client.post(f"/import/{token}/")
    assert counts()[("01101-0002", SURVEY)] == (200, 150)


# ---------------------------------------------------------------------------------------------
# Other wards and other users
# ---------------------------------------------------------------------------------------------


def test_ward_staff_rows_of_another_ward_are_errors_and_nothing_is_written(client, chuo, ward_staff_kita):
    client.force_login(ward_staff_kita)
    before = counts()
    token = token_of(post_upload(client, xlsx(GOOD_ROWS), ward="01101"))  # ignored: kita is fixed
    html = client.get(f"/import/{token}/").content.decode()
    assert "大通町内会（01101-0001）は中央区の町内会です。この取込は北区の町内会だけが対象です。" in html
    client.post(f"/import/{token}/")
    assert counts() == before


def test_another_users_upload_is_404(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, xlsx(GOOD_ROWS)))
    other = UserFactory()
    from chonaikai.accounts.models import RoleAssignment
    from tests.factories import ward

    RoleAssignment.objects.create(user=other, role="ward_staff", ward=ward("01101"))
    client.force_login(other)
    assert client.get(f"/import/{token}/").status_code == 404
    assert client.post(f"/import/{token}/").status_code == 404
    assert client.get(f"/import/{token}/result/").status_code == 404
    assert client.get("/import/not-a-token/").status_code == 404


def test_an_upload_for_a_ward_the_user_lost_is_404(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, xlsx(GOOD_ROWS)))
    from chonaikai.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=ward_staff_chuo).update(ward_id=chuo[2].ward_id)  # moved to 北区
    assert client.post(f"/import/{token}/").status_code == 404
    assert HouseholdCount.objects.filter(association__code="01101-0002").count() == 0


# ---------------------------------------------------------------------------------------------
# Size and type, judged by content
# ---------------------------------------------------------------------------------------------


def test_an_xlsx_named_text_file_is_refused_in_japanese(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    response = post_upload(client, "町内会コード,町内会名\n".encode(), "counts.xlsx")
    html = response.content.decode()
    assert response.status_code == 200
    assert "「counts.xlsx」は Excel（.xlsx）ファイルではありません。" in html
    assert 'value="2025-01-01"' in html  # what was typed is kept


def test_a_zip_without_content_types_is_not_an_xlsx(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    html = post_upload(client, out.getvalue(), "counts.xlsx").content.decode()
    assert "Excel（.xlsx）ファイルではありません" in html


def test_a_csv_named_workbook_or_binary_is_refused(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    html = post_upload(client, xlsx(GOOD_ROWS), "counts.csv").content.decode()
    assert "「counts.csv」は CSV（テキスト）ファイルではありません。" in html
    html = post_upload(client, b"\x00\x01\x02binary", "counts.csv").content.decode()
    assert "CSV（テキスト）ファイルではありません" in html


def test_other_suffixes_are_refused(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    html = post_upload(client, b"%PDF-1.4", "counts.pdf").content.decode()
    assert "「counts.pdf」は取り込めない形式です。" in html


def test_oversized_files_are_refused_before_reading(client, chuo, ward_staff_chuo, settings):
    settings.COUNTS_IMPORT_MAX_UPLOAD_BYTES = 1024
    client.force_login(ward_staff_chuo)
    html = post_upload(client, b"a" * 2048, "counts.csv").content.decode()
    assert "ファイルが大きすぎます" in html and "以下のファイルにしてください" in html
    assert not CountsUpload.objects.exists() and not default_storage.exists("imports/uploads")


def test_nothing_is_stored_for_a_refused_file(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    post_upload(client, b"not a workbook", "counts.xlsx")
    assert not CountsUpload.objects.exists() and not default_storage.exists("imports/uploads")


# ---------------------------------------------------------------------------------------------
# Large files: the background task with progress (eager without a broker)
# ---------------------------------------------------------------------------------------------


def test_large_file_is_committed_by_the_task_and_the_page_shows_progress_then_the_result(
    client, chuo, ward_staff_chuo, settings, django_capture_on_commit_callbacks
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 2
    client.force_login(ward_staff_chuo)
    # The preview of a large file is made in the background too: the page shows its progress.
    with django_capture_on_commit_callbacks(execute=False) as checks:
        token = token_of(post_upload(client, xlsx(GOOD_ROWS)))
    assert len(checks) == 1
    html = client.get(f"/import/{token}/").content.decode()
    assert "ファイルを確認しています" in html and "<progress" in html
    assert client.get(f"/import/{token}/progress/").json()["finished"] is False
    checks[0]()  # the worker checks the file
    assert client.get(f"/import/{token}/progress/").json()["finished"] is True
    preview = client.get(f"/import/{token}/").content.decode()
    assert "バックグラウンドで取り込みます" in preview and "取り込みを確定する" in preview
    assert ("01101-0002", SURVEY) not in counts()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/import/{token}/")
    assert response["Location"] == f"/import/{token}/result/"
    assert len(callbacks) == 1
    assert CountsUpload.objects.get(pk=token).status == CountsUpload.Status.IMPORTING

    # Queued, not run yet: the page polls.
    html = client.get(f"/import/{token}/result/").content.decode()
    assert "取込中" in html and "<progress" in html
    assert 'src="/static/js/import_progress.js"' in html
    assert '<meta http-equiv="refresh"' in html  # inside <noscript>
    assert client.get(f"/import/{token}/progress/").json() == {
        "stage": "queued",
        "done": 0,
        "total": 0,
        "finished": False,
    }
    assert ("01101-0002", SURVEY) not in counts()

    callbacks[0]()  # the worker runs the task
    assert client.get(f"/import/{token}/progress/").json()["finished"] is True
    html = client.get(f"/import/{token}/result/").content.decode()
    assert "取り込みました。新規 1件、更新 1件" in html
    assert "<progress" not in html
    assert counts()[("01101-0002", SURVEY)] == (200, 150)


def test_a_large_file_with_errors_ends_with_the_errors_and_writes_nothing(
    client, chuo, ward_staff_kita, settings, django_capture_on_commit_callbacks
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 2
    client.force_login(ward_staff_kita)
    token = token_of(post_upload(client, xlsx(GOOD_ROWS)))
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/import/{token}/")  # forged: the preview showed errors and no button
    html = client.get(f"/import/{token}/result/").content.decode()
    assert "エラーがあるため取り込みませんでした" in html
    assert "2行目" in html and "中央区の町内会です" in html
    assert counts() == before


def test_the_progress_script_is_served_locally(client):
    from django.contrib.staticfiles import finders

    assert finders.find("js/import_progress.js")


def test_when_the_queue_is_down_the_commit_says_so_and_keeps_the_upload(
    client, chuo, ward_staff_chuo, monkeypatch
):
    from chonaikai.associations import services
    from chonaikai.queue import QueueUnavailable

    def queue_down(**kwargs):
        raise QueueUnavailable()

    client.force_login(ward_staff_chuo)
    token = token_of(post_upload(client, xlsx(GOOD_ROWS)))
    before = counts()
    monkeypatch.setattr(services, "counts_upload_commit", queue_down)
    response = client.post(f"/import/{token}/")
    assert response.status_code == 200
    assert "待ち行列" in response.content.decode()
    assert counts() == before
    monkeypatch.undo()
    assert client.post(f"/import/{token}/").status_code == 302  # the same upload commits once it is back
    assert counts()[("01101-0001", SURVEY)] == (510, 405)
