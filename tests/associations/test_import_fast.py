"""The fast counts import (PostgreSQL): the same issues and the same writes as the preview → commit path."""

import datetime as dt
import io
import sys
import unicodedata

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from chonaikai.associations import services
from chonaikai.associations.imports import importer
from chonaikai.associations.imports.importer import Col
from chonaikai.associations.imports.services import counts_fast
from chonaikai.associations.models import HouseholdCount, WardProgress, WardSummary
from chonaikai.associations.stats.services import summaries_mismatches
from chonaikai.audit.models import AuditEvent
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

SURVEY = dt.date(2024, 1, 1)
PREVIOUS = dt.date(2023, 1, 1)
HEADER = [Col.CODE, Col.NAME, Col.HOUSEHOLDS, Col.MEMBERS, Col.NOTE]


def csv_bytes(rows, *, header=HEADER, title_rows=()) -> bytes:
    lines = [",".join(str(c) for c in r) for r in [*title_rows, header, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode()


def xlsx(sheets: dict) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Shared parsing (no database)
# ---------------------------------------------------------------------------------------------


def test_only_the_character_kei_folds_into_a_text_holding_kei():
    """RowStream skips folding names without 計 when it looks for total rows; this is why that is safe."""
    assert all("計" in label for label in importer.TOTAL_LABELS)
    others = [
        c
        for c in range(sys.maxunicode + 1)
        if chr(c) != "計" and "計" in unicodedata.normalize("NFKC", chr(c))
    ]
    assert others == []


def test_streamed_sheets_hold_the_cells_where_the_whole_sheet_read_puts_them():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "中央区"
    ws["C3"], ws["D3"] = Col.CODE, Col.NAME
    ws["C4"], ws["F6"] = "01101-0001", 12.0
    wb.create_sheet("空")
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    whole = [workbook.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in workbook.sheet_names]
    streamed = [list(rows) for _sheet, rows in importer.iter_tables(data, "c.xlsx")]
    assert streamed == whole
    assert importer.count_rows(data, "c.xlsx") == sum(len(rows) for rows in whole)


def test_the_row_stream_gives_what_parse_tables_gives():
    tables = importer.read_tables(
        csv_bytes(
            [["01101-0001", "大通", "10", "5", ""], ["合計", "", "10", "5", ""], ["x", "y", "a", "", ""]]
        ),
        "c.csv",
    )
    stream = importer.RowStream((t.sheet, t.rows) for t in tables)
    rows = list(stream)
    parsed = importer.parse_tables(tables)
    assert tuple(rows) == parsed.rows and tuple(stream.issues) == parsed.issues


def test_the_fast_path_writes_the_columns_the_models_have():
    """A new field on counts must be written by the fast path too (or given a database default)."""
    count_fields = {f.column for f in HouseholdCount._meta.concrete_fields} - {"id"}
    assert set(counts_fast.COUNT_COLUMNS) == count_fields
    history_fields = {f.column for f in HouseholdCount.history.model._meta.concrete_fields} - {"history_id"}
    assert set(counts_fast.HISTORY_COLUMNS) == history_fields


# ---------------------------------------------------------------------------------------------
# PostgreSQL: the same answers as check_rows, the same writes as counts_import_commit
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def register(db):
    a = AssociationFactory(ward=ward("01101"), code="01101-0001", name="大通町内会")
    b = AssociationFactory(ward=ward("01101"), code="01101-0002", name="円山町内会")
    c = AssociationFactory(ward=ward("01101"), code="01101-0003", name="桑園町内会")
    k = AssociationFactory(ward=ward("01102"), code="01102-0001", name="北町内会")
    gone = AssociationFactory(
        ward=ward("01101"),
        code="01101-0004",
        name="解散町内会",
        status="dissolved",
        ended_on=dt.date(2023, 3, 31),
    )
    h = AssociationFactory(ward=ward("01103"), code="01103-0001", name="東町内会")
    HouseholdCountFactory(
        association=a, survey_date=SURVEY, households=100, member_households=70, note="前の備考"
    )
    HouseholdCountFactory(association=b, survey_date=SURVEY, households=200, member_households=150)
    HouseholdCountFactory(association=h, survey_date=SURVEY, households=30, member_households=20)
    # The previous survey, for the plausibility rule (93 → 930 is a typo the checks must catch).
    for code, name, previous in (
        ("01101-0005", "創成町内会", (93, 60)),
        ("01101-0006", "豊平町内会", (100, 90)),
        ("01101-0007", "苗穂町内会", (40, 30)),
        ("01101-0008", "桑園東町内会", (100, 70)),
    ):
        association = AssociationFactory(ward=ward("01101"), code=code, name=name)
        HouseholdCountFactory(
            association=association,
            survey_date=PREVIOUS,
            households=previous[0],
            member_households=previous[1],
        )
    return a, b, c, k, gone, h


def _approve(ward_code):
    round_ = services.round_open(actor=None, survey_date=SURVEY, deadline=dt.date(2024, 3, 31))
    WardProgress.objects.filter(survey_round=round_, ward__code=ward_code).update(status="approved")


def _fast(data, *, actor=None, filename="counts.csv", ward_=None):
    return services.counts_import_file(
        actor=actor, data=data, filename=filename, survey_date=SURVEY, ward=ward_
    )


PROBLEM_FILE = {
    "中央区": [
        ["令和6年1月1日現在"],
        HEADER,
        ["01101-0001", "大通町内会", 110, 70, ""],
        [
            "０１１０１－０００２",
            "円山 町内会",
            "1,200",
            900,
            "増えた",
        ],  # folded code; name differs only in space
        ["01101-0003", "別の名前", 10, 20, ""],  # name warning, members above households
        ["01101-0004", "解散町内会", 5, 5, ""],  # dissolved
        ["01101-9999", "ない町内会", 5, 5, ""],  # not registered
        ["1101-1", "形式違い", 5, 5, ""],  # bad code
        ["01101-0001", "大通町内会", "abc", 12.5, ""],  # duplicate, not numbers
        ["", "", "", "", ""],
        ["合計", "", 999, 999, ""],
        ["01101-0003", "別の名前", "", "", ""],  # blank counts: skipped with a warning
        ["01101-0005", "創成町内会", 930, 60, ""],  # 93 → 930 against the previous survey, no note
        ["01101-0006", "豊平町内会", 95, 96, ""],  # members above households, name as registered
        ["01101-0007", "苗穂町内会", 0, 0, "全戸転出"],  # zero, and a large change with its note
        ["01101-0008", "桑園東町内会", 101, 71, ""],  # within a fifth: nothing to say
    ],
    "北区": [
        HEADER,
        ["01102-0001", "北町内会", 50, 40, ""],  # outside 中央区 staff's ward
        ["01103-0001", "東町内会", 31, 20, ""],  # approved ward
    ],
    "メモ": [["見出しのないシート"]],
}


@pytest.mark.postgres
@pytest.mark.parametrize(
    "persona, ward_code", [("system", None), ("system", "01101"), ("ward_staff_chuo", None)]
)
def test_the_fast_path_gives_the_issues_check_rows_gives_in_the_same_order(
    register, persona, ward_code, request, settings
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1  # no second look by the preview path
    _approve("01103")
    actor = None if persona == "system" else request.getfixturevalue(persona)
    only = ward(ward_code) if ward_code else None
    data = xlsx(PROBLEM_FILE)
    expected = importer.preview_file(data, filename="c.xlsx", survey_date=SURVEY, actor=actor, ward=only)
    before = list(HouseholdCount.objects.order_by("pk").values_list())
    with pytest.raises(services.CountsImportRejected) as rejected:
        _fast(data, actor=actor, filename="c.xlsx", ward_=only)
    got = rejected.value.preview
    assert [str(i) for i in got.issues] == [str(i) for i in expected.issues]
    assert got.issues == expected.issues
    assert got.summary == expected.summary
    assert list(HouseholdCount.objects.order_by("pk").values_list()) == before


@pytest.mark.postgres
def test_the_fast_path_refuses_a_submitted_ward_s_counts_as_check_rows_does(
    register, ward_staff_chuo, settings
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    round_ = services.round_open(actor=None, survey_date=SURVEY, deadline=dt.date(2024, 3, 31))
    WardProgress.objects.filter(survey_round=round_, ward__code="01101").update(status="submitted")
    data = csv_bytes([["01101-0003", "桑園町内会", 10, 5, ""]])
    expected = importer.preview_file(data, filename="c.csv", survey_date=SURVEY, actor=ward_staff_chuo)
    assert [i.code for i in expected.errors] == [importer.SUBMITTED]
    with pytest.raises(services.CountsImportRejected) as rejected:
        _fast(data, actor=ward_staff_chuo)
    assert rejected.value.preview.issues == expected.issues
    _fast(data)  # the system (the command without --user) still may
    assert HouseholdCount.objects.filter(association__code="01101-0003", survey_date=SURVEY).exists()


@pytest.mark.postgres
def test_a_rejected_small_file_gets_the_preview_with_its_rows(register):
    data = csv_bytes([["01101-9999", "ない", 1, 1, ""]])
    with pytest.raises(services.CountsImportRejected) as rejected:
        _fast(data)
    assert len(rejected.value.preview.rows) == 1


@pytest.mark.postgres
def test_an_unreadable_file_is_refused_with_the_preview_paths_message(register, settings):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    with pytest.raises(services.CountsImportRejected) as rejected:
        _fast(b"not a workbook", filename="c.xlsx")
    expected = importer.preview_file(b"not a workbook", filename="c.xlsx", survey_date=SURVEY, actor=None)
    assert rejected.value.preview.issues == expected.issues


@pytest.mark.postgres
def test_an_empty_template_is_refused_with_the_preview_paths_message(register, settings):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    data = csv_bytes([])
    with pytest.raises(services.CountsImportRejected) as rejected:
        _fast(data)
    expected = importer.preview_file(data, filename="counts.csv", survey_date=SURVEY, actor=None)
    assert expected.has_errors and rejected.value.preview.issues == expected.issues
    assert not HouseholdCount.objects.filter(survey_date=SURVEY, source="import").exists()


@pytest.mark.postgres
def test_the_fast_path_writes_what_the_commit_writes(register, city_admin, settings):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    data = csv_bytes(
        [
            ["01101-0001", "大通町内会", 120, 80, ""],  # changed; blank note keeps 前の備考
            ["01101-0002", "円山町内会", 200, 150, ""],  # unchanged
            ["01101-0003", "桑園町内会", 10, 5, "新規"],  # new
            ["01102-0001", "北町内会", 50, 40, ""],  # new, another ward
        ],
        title_rows=[["令和6年1月1日現在"]],
    )
    history_before = HouseholdCount.history.count()
    result = _fast(data, actor=city_admin, filename="upload/counts.csv")

    assert (result.created, result.updated, result.unchanged) == (2, 1, 1)
    assert result.as_dict()["warnings"] == []
    rows = {
        c.association.code: (c.households, c.member_households, c.note, c.version, c.source, c.entered_by_id)
        for c in HouseholdCount.objects.filter(survey_date=SURVEY).select_related("association")
    }
    assert rows["01101-0001"] == (120, 80, "前の備考", 2, "import", city_admin.pk)
    assert rows["01101-0002"] == (200, 150, "", 1, "entry", None)  # untouched (the factory's)
    assert rows["01101-0003"] == (10, 5, "新規", 1, "import", city_admin.pk)
    assert rows["01102-0001"] == (50, 40, "", 1, "import", city_admin.pk)

    history = list(
        HouseholdCount.history.filter(history_user=city_admin).values_list(
            "association__code", "history_type", "history_change_reason", "version", "households"
        )
    )
    assert sorted(history) == [
        ("01101-0001", "~", "ファイル取込 counts.csv", 2, 120),
        ("01101-0003", "+", "ファイル取込 counts.csv", 1, 10),
        ("01102-0001", "+", "ファイル取込 counts.csv", 1, 50),
    ]
    assert HouseholdCount.history.count() == history_before + 3
    events = {
        e.subject_repr: e.after for e in AuditEvent.objects.filter(action="counts.imported", actor=city_admin)
    }
    assert events == {
        "中央区": {
            "survey_date": "2024-01-01",
            "file": "counts.csv",
            "source": "import",
            "created": 1,
            "updated": 1,
            "after_approval": False,
        },
        "北区": {
            "survey_date": "2024-01-01",
            "file": "counts.csv",
            "source": "import",
            "created": 1,
            "updated": 0,
            "after_approval": False,
        },
    }
    assert summaries_mismatches() == []
    assert WardSummary.objects.get(ward__code="01101", survey_date=SURVEY).households == 330

    # The same file again changes nothing: no write, no history row, no event.
    again = _fast(data, actor=city_admin, filename="counts.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert HouseholdCount.history.count() == history_before + 3
    assert AuditEvent.objects.filter(action="counts.imported").count() == 2


@pytest.mark.postgres
def test_the_fast_path_starts_the_wards_of_an_open_round(register, settings):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    services.round_open(actor=None, survey_date=SURVEY, deadline=dt.date(2024, 3, 31))
    _fast(csv_bytes([["01102-0001", "北町内会", 50, 40, ""]]))
    statuses = dict(WardProgress.objects.values_list("ward__code", "status"))
    assert statuses["01102"] == "in_progress"
