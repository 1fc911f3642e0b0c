"""The counts upload record: one per upload, its owner's only, the same for page, API, command and task,
purged after COUNTS_UPLOAD_RETENTION_HOURS."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from chonaikai.associations import services, tasks
from chonaikai.associations.models import CountsUpload, HouseholdCount
from chonaikai.celery import app
from tests.factories import UserFactory
from tests.imports.conftest import SURVEY, csv_bytes, upload

pytestmark = pytest.mark.django_db

API = "/api/v1/counts/import/"
ROWS = [["01101-0001", "大通町内会", 510, 405, ""], ["01101-0002", "円山町内会", 200, 150, "新規"]]
NOW = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


def api_post(client, *, dry_run=False, ward="01101"):
    data = {"file": SimpleUploadedFile("counts.csv", csv_bytes(ROWS)), "survey_date": SURVEY.isoformat()}
    if ward:
        data["ward"] = ward
    if dry_run:
        data["dry_run"] = "true"
    return client.post(API, data, format="multipart")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def stored(upload_record) -> bool:
    return default_storage.exists(f"imports/uploads/{upload_record.pk}/upload")


# ---------------------------------------------------------------------------------------------
# Scope: the uploader only
# ---------------------------------------------------------------------------------------------


def test_ward_staff_of_another_ward_cannot_read_an_imports_progress(
    api_client, chuo, ward_staff_chuo, ward_staff_kita, settings, django_capture_on_commit_callbacks
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(api_client(ward_staff_chuo))
    assert response.status_code == 202, response.content
    url = response["Location"]
    assert api_client(ward_staff_chuo).get(url).status_code == 200
    answer = api_client(ward_staff_kita).get(url)
    assert answer.status_code == 404 and "見つかりません" in answer.json()["message"]


def test_other_staff_of_the_same_ward_and_city_admins_cannot_read_it_either(
    api_client, chuo, ward_staff_chuo, city_admin, settings, django_capture_on_commit_callbacks
):
    from chonaikai.accounts.models import RoleAssignment
    from tests.factories import ward

    colleague = UserFactory()
    RoleAssignment.objects.create(user=colleague, role="ward_staff", ward=ward("01101"))
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    with django_capture_on_commit_callbacks(execute=True):
        url = api_post(api_client(ward_staff_chuo))["Location"]
    assert api_client(colleague).get(url).status_code == 404
    assert api_client(city_admin).get(url).status_code == 404


def test_an_uploader_who_lost_the_ward_can_no_longer_read_it(
    api_client, chuo, ward_staff_chuo, settings, django_capture_on_commit_callbacks
):
    from chonaikai.accounts.models import RoleAssignment

    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    with django_capture_on_commit_callbacks(execute=True):
        url = api_post(api_client(ward_staff_chuo))["Location"]
    RoleAssignment.objects.filter(user=ward_staff_chuo).update(ward_id=chuo[2].ward_id)  # moved to 北区
    moved = type(ward_staff_chuo).objects.get(pk=ward_staff_chuo.pk)  # a new request, a fresh user
    assert api_client(moved).get(url).status_code == 404


def test_the_page_and_its_progress_answer_404_to_another_ward(client, chuo, ward_staff_chuo, ward_staff_kita):
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/import/", {"file": upload(csv_bytes(ROWS), "counts.csv"), "survey_date": SURVEY.isoformat()}
    )
    token = response["Location"].split("/")[2]
    client.force_login(ward_staff_kita)
    for url in (f"/import/{token}/", f"/import/{token}/result/", f"/import/{token}/progress/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/import/{token}/").status_code == 404
    assert not HouseholdCount.objects.filter(association__code="01101-0002").exists()


# ---------------------------------------------------------------------------------------------
# One record, whatever the route
# ---------------------------------------------------------------------------------------------


def test_the_page_records_the_upload_and_its_outcome(client, chuo, ward_staff_chuo):
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/import/",
        {"file": upload(csv_bytes(ROWS), "counts.csv"), "survey_date": SURVEY.isoformat(), "ward": "01101"},
    )
    record = CountsUpload.objects.get()
    assert response["Location"] == f"/import/{record.pk}/"
    assert (record.owner, record.ward.code, record.filename, record.status) == (
        ward_staff_chuo,
        "01101",
        "counts.csv",
        CountsUpload.Status.UPLOADED,
    )
    assert stored(record)
    client.get(f"/import/{record.pk}/")
    record.refresh_from_db()
    assert record.status == CountsUpload.Status.PREVIEWED
    assert record.result["preview"]["summary"]["new"] == 1
    client.post(f"/import/{record.pk}/")
    record.refresh_from_db()
    assert record.status == CountsUpload.Status.IMPORTED
    assert record.result["created"] == 1 and record.result["updated"] == 1
    assert not record.file and not stored(record)


def test_a_large_dry_run_over_the_api_is_checked_in_the_background(
    api_client, chuo, ward_staff_chuo, settings, django_capture_on_commit_callbacks
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = api_post(api_client(ward_staff_chuo), dry_run=True)
    assert response.status_code == 202, response.content
    progress = api_client(ward_staff_chuo).get(response["Location"]).json()
    assert progress["stage"] == "done"
    assert progress["result"]["dry_run"] is True
    assert progress["result"]["summary"] == {
        "rows": 2,
        "new": 1,
        "changed": 1,
        "unchanged": 0,
        "errors": 0,
        "warnings": 0,
    }
    assert not HouseholdCount.objects.filter(association__code="01101-0002").exists()


def test_a_small_dry_run_over_the_api_answers_at_once_and_keeps_no_file(api_client, chuo, ward_staff_chuo):
    response = api_post(api_client(ward_staff_chuo), dry_run=True)
    assert response.status_code == 200 and response.json()["summary"]["new"] == 1
    record = CountsUpload.objects.get()
    assert record.status == CountsUpload.Status.DISCARDED and not record.file and not stored(record)


def test_the_command_imports_through_an_upload_record(tmp_path, chuo, city_admin):
    path = tmp_path / "counts.csv"
    path.write_bytes(csv_bytes(ROWS))
    call_command(
        "import_counts", str(path), "--survey-date", SURVEY.isoformat(), "--user", city_admin.username
    )
    record = CountsUpload.objects.get()
    assert record.owner == city_admin and record.status == CountsUpload.Status.IMPORTED
    assert record.result["created"] == 1 and not record.file
    assert HouseholdCount.objects.get(association__code="01101-0002").households == 200


def test_a_dry_run_of_the_command_keeps_no_file(tmp_path, chuo):
    path = tmp_path / "counts.csv"
    path.write_bytes(csv_bytes(ROWS))
    call_command("import_counts", str(path), "--survey-date", SURVEY.isoformat(), "--dry-run")
    record = CountsUpload.objects.get()
    assert record.owner is None and record.status == CountsUpload.Status.DISCARDED and not record.file


def test_the_task_writes_its_progress_and_outcome_on_the_record(chuo, city_admin):
    record = services.counts_upload_create(
        actor=city_admin, data=csv_bytes(ROWS), filename="counts.csv", survey_date=SURVEY, preview=False
    )
    stages = []
    services.counts_upload_import(
        upload_id=record.pk, progress=lambda stage, done, total: stages.append(stage)
    )
    assert stages[0] == "reading" and stages[-1] == "done"
    assert tasks.import_progress(str(record.pk)) == {
        "stage": "done",
        "done": 2,
        "total": 2,
        "result": CountsUpload.objects.get(pk=record.pk).result,
    }


def test_a_done_reported_before_the_outcome_is_recorded_is_still_writing(chuo, city_admin):
    """The fast path reports "done" as its transaction commits, a moment before the outcome is
    recorded: a poller that stops at "done" got no result (the worker test's redelivered import)."""
    record = services.counts_upload_create(
        actor=city_admin, data=csv_bytes(ROWS), filename="counts.csv", survey_date=SURVEY, preview=False
    )
    CountsUpload.objects.filter(pk=record.pk).update(
        status=CountsUpload.Status.IMPORTING, stage="done", done=2, total=2, result=None
    )
    assert tasks.import_progress(str(record.pk)) == {
        "stage": "writing",
        "done": 2,
        "total": 2,
        "result": None,
    }


# ---------------------------------------------------------------------------------------------
# Purge
# ---------------------------------------------------------------------------------------------


def make_upload(user, **fields):
    record = services.counts_upload_create(
        actor=user, data=csv_bytes(ROWS), filename="counts.csv", survey_date=SURVEY, preview=False
    )
    if fields:
        CountsUpload.objects.filter(pk=record.pk).update(**fields)
    return record


def test_uploads_are_purged_with_their_files_after_the_retention(chuo, ward_staff_chuo, settings):
    settings.COUNTS_UPLOAD_RETENTION_HOURS = 24
    with time_machine.travel(NOW, tick=False):
        old = make_upload(ward_staff_chuo)
    with time_machine.travel(NOW + dt.timedelta(hours=20), tick=False):
        young = make_upload(ward_staff_chuo)
        assert services.counts_uploads_purge() == 0
    with time_machine.travel(NOW + dt.timedelta(hours=24, minutes=1), tick=False):
        assert services.counts_uploads_purge() == 1
    assert not CountsUpload.objects.filter(pk=old.pk).exists() and not stored(old)
    assert CountsUpload.objects.filter(pk=young.pk).exists() and stored(young)


def test_an_upload_a_task_is_at_work_on_is_spared_for_a_day_more(chuo, ward_staff_chuo, settings):
    settings.COUNTS_UPLOAD_RETENTION_HOURS = 1
    with time_machine.travel(NOW, tick=False):
        busy = make_upload(ward_staff_chuo, status=CountsUpload.Status.IMPORTING)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        assert services.counts_uploads_purge() == 0
    with time_machine.travel(NOW + dt.timedelta(hours=26), tick=False):
        assert services.counts_uploads_purge() == 1
    assert not stored(busy)


def test_files_of_the_former_pending_store_are_purged_too(settings):
    settings.COUNTS_UPLOAD_RETENTION_HOURS = 1
    name = default_storage.save("imports/pending/7/token/upload", ContentFile(b"old"))
    services.counts_uploads_purge(now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    assert not default_storage.exists(name)


def test_the_purge_command_and_the_beat_task_remove_expired_uploads(chuo, ward_staff_chuo, settings):
    settings.COUNTS_UPLOAD_RETENTION_HOURS = 1
    with time_machine.travel(NOW, tick=False):
        _first, second = make_upload(ward_staff_chuo), make_upload(ward_staff_chuo)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        CountsUpload.objects.filter(pk=second.pk).update(expires_at=NOW + dt.timedelta(hours=3))
        call_command("purge_counts_uploads", verbosity=0)
        assert list(CountsUpload.objects.all()) == [second]
    with time_machine.travel(NOW + dt.timedelta(hours=4), tick=False):
        assert tasks.purge_counts_uploads_task.apply().get() == 1
    assert not CountsUpload.objects.exists()


def test_the_purge_is_scheduled_with_celery_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["purge-counts-uploads"]
    assert entry["task"] in app.tasks
    assert app.tasks[entry["task"]].name == tasks.purge_counts_uploads_task.name


# ---------------------------------------------------------------------------------------------
# Progress seen from elsewhere while the PostgreSQL fast path is inside its transaction
# ---------------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_of_the_fast_path_is_visible_to_other_sessions_during_the_import(chuo, city_admin):
    from django.db import DEFAULT_DB_ALIAS, connections

    record = services.counts_upload_create(
        actor=city_admin, data=csv_bytes(ROWS), filename="counts.csv", survey_date=SURVEY, preview=False
    )
    seen = {}
    other = connections.create_connection(DEFAULT_DB_ALIAS)  # another session, as a web process is

    def look(stage, done, total):
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT stage, done, total FROM associations_countsupload WHERE id = %s", [record.pk]
            )
            seen[stage] = cursor.fetchone()

    try:
        services.counts_upload_import(upload_id=record.pk, progress=look)
    finally:
        other.close()
    assert seen["checked"] == ("checked", 2, 2)
    assert seen["writing"] == ("writing", 0, 2)
    assert CountsUpload.objects.get(pk=record.pk).status == CountsUpload.Status.IMPORTED
