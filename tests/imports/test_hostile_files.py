"""Hostile counts files: each gives a clear message on every route (the importer, the page, the API,
the command), the process survives, and nothing is written (issue 13, points 2–4)."""

import io
import multiprocessing
import resource

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from chonaikai.associations.imports import importer
from chonaikai.associations.imports.importer import Col
from chonaikai.associations.models import HouseholdCount
from tests.imports import hostile
from tests.imports.conftest import SURVEY, upload

FAR = "シートの範囲が広すぎるため読み込めません"
BOMB = "展開すると"
LONG = "1つのセルの文字数が多すぎます"
ENCODING = "文字コードを判別できませんでした"


@pytest.fixture(scope="module")
def zip_bomb():
    return hostile.zip_bomb_xlsx(300)


def test_the_zip_bomb_is_small_and_unpacks_to_300_mb(zip_bomb):
    import zipfile

    with zipfile.ZipFile(io.BytesIO(zip_bomb)) as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
    assert len(zip_bomb) < 1024 * 1024 and unpacked > 300 * 1024 * 1024


def test_the_far_cell_workbook_is_the_issues_1_6_kb_file():
    assert len(hostile.far_cell_xlsx()) < 2048


# ---------------------------------------------------------------------------------------------
# The importer (what the page's preview, the API, the command and the task all call)
# ---------------------------------------------------------------------------------------------


def _read_in_child(data, name, conn):
    # 1 GB of address space beyond what the forked child already maps (a test process that has run
    # the whole suite maps more than 1 GB by itself): were the reader reached, it would abort here,
    # not in the test process. A pipe, not a Queue: a Queue's feeder thread needs memory of its own.
    with open("/proc/self/statm") as statm:
        mapped = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (mapped + (1 << 30), mapped + (1 << 30)))
    try:
        importer.read_tables(data, name)
    except importer.ImportFileError as e:
        conn.send(str(e))
    else:
        conn.send("read")
    conn.close()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (hostile.far_cell_xlsx, FAR),
        (hostile.far_cell_xlsx_without_references, FAR),
        (lambda: hostile.zip_bomb_xlsx(200), BOMB),
    ],
    ids=["far-cell", "far-cell-without-references", "zip-bomb"],
)
def test_a_hostile_workbook_is_refused_before_any_reader_allocates(make, expected):
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_read_in_child, args=(make(), "counts.xlsx", sender))
    child.start()
    sender.close()
    try:
        assert receiver.poll(60), "the reader gave no answer within 60 s"
        message = receiver.recv()
    finally:
        child.join(10)
        if child.exitcode is None:
            child.kill()
    assert child.exitcode == 0, f"the reader died (exit code {child.exitcode})"
    assert expected in message


def test_a_sheet_that_only_claims_to_be_large_is_read(chuo, city_admin):
    """<dimension ref="A1:XFD1048576"> and an empty styled cell there: readers ignore both."""
    preview = importer.preview_file(
        hostile.declared_only_xlsx(), filename="counts.xlsx", survey_date=SURVEY, actor=city_admin
    )
    assert not preview.has_errors, preview.errors
    assert [(r.code, r.households) for r in preview.rows] == [("01101-0002", 20)]


def test_xls_and_ods_are_refused_by_name():
    for name in ("counts.xls", "counts.ods"):
        with pytest.raises(importer.ImportFileError, match="読み込めない形式です"):
            importer.read_tables(b"anything", name)


def test_a_csv_field_over_the_csv_limit_is_a_row_message(chuo, city_admin):
    preview = importer.preview_file(
        hostile.long_field_csv(), filename="counts.csv", survey_date=SURVEY, actor=city_admin
    )
    (error,) = preview.errors
    assert LONG in error.message and error.row == 3


def test_broken_encoding_names_the_line(chuo, city_admin):
    preview = importer.preview_file(
        hostile.broken_encoding_csv(), filename="counts.csv", survey_date=SURVEY, actor=city_admin
    )
    (error,) = preview.errors
    assert ENCODING in error.message and error.row == 3


def test_a_csv_row_of_a_million_fields_is_refused_naming_the_row(chuo, city_admin):
    preview = importer.preview_file(
        hostile.wide_csv(), filename="counts.csv", survey_date=SURVEY, actor=city_admin
    )
    (error,) = preview.errors
    assert "列が多すぎます（1,000,005列。16,384列まで）" in error.message and error.row == 2


def test_a_csv_of_more_cells_than_a_sheet_may_hold_is_refused(chuo, city_admin, settings):
    settings.COUNTS_IMPORT_MAX_SHEET_CELLS = 20
    data = hostile.csv_text(*[f"01101-0001,大通町内会,{n},1," for n in range(10)])
    preview = importer.preview_file(data, filename="counts.csv", survey_date=SURVEY, actor=city_admin)
    (error,) = preview.errors
    assert "セルが多すぎる" in error.message and error.row == 5  # 5 fields a row: 25 > 20


def test_huge_cells_get_row_and_column_messages_that_do_not_repeat_them(chuo, city_admin):
    preview = importer.preview_file(
        hostile.huge_cells_csv(), filename="counts.csv", survey_date=SURVEY, actor=city_admin
    )
    assert {(e.row, e.column) for e in preview.errors} == {(2, Col.CODE), (2, Col.HOUSEHOLDS)}
    assert all(len(e.message) < 300 for e in preview.errors)


# ---------------------------------------------------------------------------------------------
# The page, the API and the command
# ---------------------------------------------------------------------------------------------

CASES = [
    ("far-cell", hostile.far_cell_xlsx, "counts.xlsx", FAR),
    ("zip-bomb", None, "counts.xlsx", BOMB),
    ("long-field", hostile.long_field_csv, "counts.csv", LONG),
    ("encoding", hostile.broken_encoding_csv, "counts.csv", ENCODING),
]


@pytest.fixture(params=CASES, ids=[c[0] for c in CASES])
def case(request, zip_bomb):
    _id, make, name, expected = request.param
    return (make() if make else zip_bomb), name, expected


def test_the_page_refuses_each_with_its_message_and_stores_nothing(client, chuo, ward_staff_chuo, case):
    """At the upload, or (a CSV whose cells are read only then) on the preview it leads to."""
    data, name, expected = case
    before = HouseholdCount.objects.count()
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/import/",
        {"file": upload(data, name), "survey_date": SURVEY.isoformat(), "ward": "01101"},
        follow=True,
    )
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert HouseholdCount.objects.count() == before


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_the_api_refuses_each_with_its_message_and_writes_nothing(chuo, ward_staff_chuo, case, dry_run):
    data, name, expected = case
    before = HouseholdCount.objects.count()
    client = APIClient()
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/api/v1/counts/import/",
        {"file": upload(data, name), "survey_date": SURVEY.isoformat(), "dry_run": dry_run},
        format="multipart",
    )
    body = response.json()
    if dry_run == "true":
        assert response.status_code == 200 and body["has_errors"] is True
        messages = [e["message"] for e in body["errors"]]
    else:
        assert response.status_code == 400
        messages = [e["message"] for e in body["extra"]["errors"]]
    assert any(expected in m for m in messages), messages
    assert len(response.content) < 10_000
    assert HouseholdCount.objects.count() == before


def test_the_command_refuses_each_with_its_message_and_writes_nothing(chuo, case, tmp_path):
    data, name, expected = case
    path = tmp_path / name
    path.write_bytes(data)
    before = HouseholdCount.objects.count()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="取り込みませんでした"):
        call_command("import_counts", str(path), "--survey-date", SURVEY.isoformat(), stdout=out, stderr=err)
    assert expected in err.getvalue() and "Traceback" not in err.getvalue()
    assert HouseholdCount.objects.count() == before


def test_the_api_takes_the_pages_upload_limit(chuo, ward_staff_chuo, settings):
    settings.COUNTS_IMPORT_MAX_UPLOAD_BYTES = 1024
    client = APIClient()
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/api/v1/counts/import/",
        {"file": upload(hostile.duplicates_csv(100), "counts.csv"), "survey_date": SURVEY.isoformat()},
        format="multipart",
    )
    assert response.status_code == 400
    assert "ファイルが大きすぎます" in response.json()["message"]


# ---------------------------------------------------------------------------------------------
# 4,000 copies of one row: one error, a line long, on every route (time: bench/bench_hostile.py)
# ---------------------------------------------------------------------------------------------

DUPLICATE = "町内会コード 01101-0001 が4,000行にあります（2行目、3行目、4行目、5行目、6行目ほか3,995行）"


def test_the_api_answers_4000_duplicates_with_one_short_error(chuo, ward_staff_chuo, settings):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 10_000  # answered at once, not by the background task
    client = APIClient()
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/api/v1/counts/import/",
        {"file": upload(hostile.duplicates_csv(), "counts.csv"), "survey_date": SURVEY.isoformat()},
        format="multipart",
    )
    assert response.status_code == 400
    errors = response.json()["extra"]["errors"]
    assert len(errors) == 1 and DUPLICATE in errors[0]["message"]
    assert len(response.content) < 2_000

    response = client.post(
        "/api/v1/counts/import/",
        {"file": upload(hostile.duplicates_csv(), "counts.csv"), "survey_date": SURVEY.isoformat()},
        QUERY_STRING="dry_run=1",
        format="multipart",
    )
    body = response.json()
    assert len(body["errors"]) == 1 and len(body["rows"]) == 4_000


def test_the_page_and_the_command_answer_4000_duplicates_with_one_error(
    client, chuo, ward_staff_chuo, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(ward_staff_chuo)
    # 4,000 rows are over COUNTS_IMPORT_ASYNC_THRESHOLD: the preview is made by the background check.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/import/",
            {"file": upload(hostile.duplicates_csv(), "counts.csv"), "survey_date": SURVEY.isoformat()},
        )
    response = client.get(response["Location"])
    html = response.content.decode()
    # Once in the file's errors, once on its first row; never once per copy.
    assert response.status_code == 200 and 1 <= html.count(DUPLICATE) <= 2

    path = tmp_path / "counts.csv"
    path.write_bytes(hostile.duplicates_csv())
    err = io.StringIO()
    with pytest.raises(CommandError, match="エラーが1件"):
        call_command(
            "import_counts", str(path), "--survey-date", SURVEY.isoformat(), stdout=io.StringIO(), stderr=err
        )
    assert err.getvalue().count("エラー:") == 1 and DUPLICATE in err.getvalue()


@pytest.mark.postgres
def test_the_fast_path_gives_the_same_one_duplicate_error(chuo, settings):
    from chonaikai.associations import services

    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1  # the fast path's own preview, not the detailed one
    data = hostile.duplicates_csv()
    expected = importer.preview_file(data, filename="counts.csv", survey_date=SURVEY, actor=None)
    with pytest.raises(services.CountsImportRejected) as rejected:
        services.counts_import_file(actor=None, data=data, filename="counts.csv", survey_date=SURVEY)
    got = rejected.value.preview
    assert got.issues == expected.issues and len(got.errors) == 1
    assert got.summary == expected.summary
