"""/api/v1/counts/import/: the same files, preview and all-or-nothing commit as the import page."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from chonaikai.associations.models import HouseholdCount
from chonaikai.audit.models import AuditEvent
from tests.api.conftest import LATEST, error, is_japanese

pytestmark = pytest.mark.django_db

URL = "/api/v1/counts/import/"
DAY = dt.date(2026, 1, 1)


def csv_file(*rows, name="counts.csv"):
    lines = ["町内会コード,町内会名,区域内世帯数,加入世帯数"] + [
        ",".join(str(v) for v in row) for row in rows
    ]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


def upload(client, file, **fields):
    return client.post(URL, {"file": file, "survey_date": DAY.isoformat(), **fields}, format="multipart")


def test_a_dry_run_previews_rows_and_writes_nothing(client_for, city, ward_staff_chuo):
    file = csv_file((city.a.code, city.a.name, 220, 150), (city.b.code, city.b.name, 16, 11))
    response = upload(client_for(ward_staff_chuo), file, dry_run="true")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["has_errors"] is False
    assert body["summary"]["new"] == 2
    assert [(r["code"], r["status"], r["households"]) for r in body["rows"]] == [
        (city.a.code, "new", 220),
        (city.b.code, "new", 16),
    ]
    assert not HouseholdCount.objects.filter(survey_date=DAY).exists()


def test_dry_run_is_also_a_query_parameter(client_for, city, ward_staff_chuo):
    file = csv_file((city.a.code, city.a.name, 220, 150))
    response = client_for(ward_staff_chuo).post(
        URL + "?dry_run=1", {"file": file, "survey_date": DAY.isoformat()}, format="multipart"
    )
    assert response.status_code == 200 and response.json()["summary"]["rows"] == 1
    assert not HouseholdCount.objects.filter(survey_date=DAY).exists()


@pytest.mark.parametrize("body_dry_run", ["true", "false"])
def test_a_query_dry_run_that_is_not_a_flag_is_refused_whatever_the_body_says(
    client_for, city, ward_staff_chuo, body_dry_run
):
    """Found by schemathesis: with dry_run true in the body, ?dry_run=-100000000001 was never read."""
    file = csv_file((city.a.code, city.a.name, 220, 150))
    response = client_for(ward_staff_chuo).post(
        URL + "?dry_run=-100000000001",
        {"file": file, "survey_date": DAY.isoformat(), "dry_run": body_dry_run},
        format="multipart",
    )
    assert "dry_run" in error(response, 400)["extra"]["fields"]
    assert not HouseholdCount.objects.filter(survey_date=DAY).exists()


def test_the_preview_shows_row_errors_with_their_place(client_for, city, ward_staff_chuo):
    file = csv_file((city.a.code, city.a.name, "たくさん", 150))
    body = upload(client_for(ward_staff_chuo), file, dry_run="true").json()
    assert body["has_errors"] is True
    assert body["errors"][0]["row"] == 2 and body["errors"][0]["column"] == "区域内世帯数"


def test_commit_writes_every_row_with_one_audit_event_per_ward(client_for, city, ward_staff_chuo):
    file = csv_file((city.a.code, city.a.name, 220, 150), (city.b.code, city.b.name, 16, 11))
    response = upload(client_for(ward_staff_chuo), file)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "survey_date": DAY.isoformat(),
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "warnings": [],
    }
    assert HouseholdCount.objects.filter(survey_date=DAY, source="import").count() == 2
    assert AuditEvent.objects.filter(action="counts.imported", actor=ward_staff_chuo).count() == 1


def test_a_file_with_errors_is_rejected_whole(client_for, city, ward_staff_chuo):
    file = csv_file((city.a.code, city.a.name, 220, 150), ("01101-9999", "ない町内会", 1, 1))
    body = error(upload(client_for(ward_staff_chuo), file), 400)
    assert is_japanese(body["message"])
    assert body["extra"]["summary"]["errors"] == 1
    assert "01101-9999" in body["extra"]["errors"][0]["message"]
    assert not HouseholdCount.objects.filter(survey_date=DAY).exists()


def test_a_file_with_only_its_heading_row_is_refused_with_a_message(client_for, city, ward_staff_chuo):
    client = client_for(ward_staff_chuo)
    body = upload(client, csv_file(), dry_run="true").json()
    assert body["has_errors"] is True and body["errors"][0]["message"].startswith("取り込む行がありません。")
    body = error(upload(client, csv_file()), 400)
    assert body["extra"]["errors"][0]["message"].startswith("取り込む行がありません。")
    assert AuditEvent.objects.filter(action="counts.imported").count() == 0


def test_ward_staff_cannot_import_counts_for_another_ward(client_for, city, ward_staff_kita):
    file = csv_file((city.a.code, city.a.name, 220, 150))
    body = error(upload(client_for(ward_staff_kita), file), 400)
    assert "権限がありません" in body["extra"]["errors"][0]["message"]
    error(upload(client_for(ward_staff_kita), csv_file((city.kita.code, "x", 1, 1)), ward="01101"), 404)
    assert not HouseholdCount.objects.filter(survey_date=DAY).exists()


@pytest.mark.parametrize("persona", ["leader_a", "viewer"])
def test_leaders_and_viewers_cannot_import(request, client_for, city, persona):
    client = client_for(request.getfixturevalue(persona))
    error(upload(client, csv_file((city.a.code, city.a.name, 1, 1))), 403)


def test_anonymous_cannot_import(anon, city):
    error(upload(anon, csv_file((city.a.code, city.a.name, 1, 1))), 401)


def test_missing_file_and_date_are_named(client_for, city, ward_staff_chuo):
    body = error(client_for(ward_staff_chuo).post(URL, {}, format="multipart"), 400)
    assert set(body["extra"]["fields"]) == {"file", "survey_date"}


def test_a_json_body_is_not_accepted(client_for, city, ward_staff_chuo):
    body = error(client_for(ward_staff_chuo).post(URL, {"survey_date": "2026-01-01"}, format="json"), 415)
    assert is_japanese(body["message"])


def test_a_large_file_is_imported_in_the_background_with_progress(
    client_for, city, ward_staff_chuo, settings, django_capture_on_commit_callbacks
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1  # header + rows > 1: deferred (the task runs eagerly)
    file = csv_file((city.a.code, city.a.name, 220, 150), (city.b.code, city.b.name, 16, 11))
    client = client_for(ward_staff_chuo)
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued after commit
        response = upload(client, file)
    assert response.status_code == 202, response.content
    progress = client.get(response.json()["progress_url"])
    assert progress.status_code == 200
    assert progress.json()["stage"] == "done" and progress.json()["result"]["created"] == 2
    error(client.get(URL + "00000000-0000-0000-0000-000000000000/"), 404)


def test_the_entry_sheet_of_a_ward_is_for_its_staff(
    client_for, city, ward_staff_chuo, ward_staff_kita, leader_a
):
    url = "/api/v1/wards/01101/entry-sheet.xlsx"
    response = client_for(ward_staff_chuo).get(url, {"survey_date": "2026-01-01"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    codes = {row[0] for row in sheet.iter_rows(values_only=True)}
    assert {city.a.code, city.b.code} <= codes and city.kita.code not in codes
    error(client_for(ward_staff_kita).get(url), 404)
    error(client_for(leader_a).get(url), 404)


def test_the_entry_sheet_reads_back_through_the_import(client_for, city, ward_staff_chuo):
    client = client_for(ward_staff_chuo)
    sheet = client.get("/api/v1/wards/01101/entry-sheet.xlsx", {"survey_date": DAY.isoformat()})
    workbook = load_workbook(io.BytesIO(sheet.content))
    ws = workbook.active
    for row in ws.iter_rows(min_row=5):
        if row[0].value in (city.a.code, city.b.code):
            # Within 20 % of the previous survey's counts (a: 210/147, b: 15/10).
            row[4].value, row[5].value = (200, 140) if row[0].value == city.a.code else (15, 10)
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = SimpleUploadedFile("counts.xlsx", buffer.getvalue())
    body = upload(client, file, dry_run="true").json()
    assert body["summary"]["new"] == 2 and not body["has_errors"]


def test_the_preview_of_unchanged_rows_says_so(client_for, city, ward_staff_chuo):
    file = csv_file((city.a.code, city.a.name, 210, 147))
    response = client_for(ward_staff_chuo).post(
        URL, {"file": file, "survey_date": LATEST.isoformat(), "dry_run": "true"}, format="multipart"
    )
    assert response.json()["rows"][0]["status"] == "unchanged"


def own_headings_file(*rows):
    lines = ["番号,団体,全体,うち加入"] + [",".join(str(v) for v in row) for row in rows]
    return SimpleUploadedFile("own.csv", ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


def test_a_dry_run_of_unrecognised_headings_says_a_mapping_is_needed_and_offers_the_headings(
    client_for, city, ward_staff_chuo
):
    body = upload(
        client_for(ward_staff_chuo), own_headings_file((city.a.code, city.a.name, 220, 150)), dry_run="true"
    ).json()
    assert body["has_errors"] is True and body["needs_column_mapping"] is True
    assert {e["code"] for e in body["errors"]} == {"missing_columns"}
    assert [c["headers"] for c in body["header_candidates"]] == [["番号", "団体", "全体", "うち加入"]]


def test_a_mapping_given_with_the_file_reads_it(client_for, city, ward_staff_chuo):
    mapping = '{"町内会コード": "番号", "町内会名": "団体", "区域内世帯数": "全体", "加入世帯数": "うち加入"}'
    file = own_headings_file((city.a.code, city.a.name, 220, 150))
    response = upload(client_for(ward_staff_chuo), file, columns=mapping)
    assert response.status_code == 201, response.content
    assert HouseholdCount.objects.get(survey_date=DAY, association=city.a).households == 220


def test_a_mapping_of_unknown_columns_is_refused(client_for, city, ward_staff_chuo):
    file = own_headings_file((city.a.code, city.a.name, 220, 150))
    response = upload(client_for(ward_staff_chuo), file, columns='{"番号": "番号"}')
    assert response.status_code == 400
    assert "columns" in response.json()["extra"]["fields"]
