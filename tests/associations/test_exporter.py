"""Household-count workbooks: the ward template (round trip through the importer) and the city table."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from chonaikai.associations import selectors, services
from chonaikai.associations.imports import importer
from chonaikai.associations.models import Association, HouseholdCount
from chonaikai.associations.stats import exporter
from chonaikai.files import xlsx
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

PREVIOUS = dt.date(2023, 1, 1)
SURVEY = dt.date(2024, 1, 1)


@pytest.fixture
def chuo(db):
    a = AssociationFactory(ward=ward("01101"), code="01101-0001", name="大通町内会")
    b = AssociationFactory(ward=ward("01101"), code="01101-0002", name='=HYPERLINK("http://evil")町内会')
    gone = AssociationFactory(
        ward=ward("01101"),
        code="01101-0003",
        name="解散町内会",
        status="dissolved",
        ended_on=dt.date(2022, 3, 31),
    )
    kita = AssociationFactory(ward=ward("01102"), code="01102-0001", name="北町内会")
    HouseholdCountFactory(association=a, survey_date=PREVIOUS, households=500, member_households=400)
    HouseholdCountFactory(association=kita, survey_date=PREVIOUS, households=300, member_households=100)
    return a, b, gone, kita


def save(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_rows(data: bytes):
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return ws, [list(r) for r in ws.iter_rows(values_only=True)]


# ---------------------------------------------------------------------------------------------
# Formula injection
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+81-11-000", "'+81-11-000"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("大通町内会", "大通町内会"),
        ("01101-0001", "01101-0001"),
        ("＝全角", "＝全角"),
        (-3, -3),
        (Decimal("-0.25"), Decimal("-0.25")),
        (None, None),
    ],
)
def test_text_that_would_start_a_formula_is_prefixed_with_an_apostrophe(value, expected):
    assert xlsx.excel_safe(value) == expected


def test_template_cells_never_hold_a_formula_from_user_text(chuo):
    ws, _ = sheet_rows(save(exporter.ward_template(ward=ward("01101"), actor=None)))
    cell = next(c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and cell.value == '\'=HYPERLINK("http://evil")町内会'
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


# ---------------------------------------------------------------------------------------------
# Ward template
# ---------------------------------------------------------------------------------------------


def test_template_lists_the_wards_active_associations_with_last_surveys_counts(chuo):
    _, rows = sheet_rows(save(exporter.ward_template(ward=ward("01101"), actor=None, survey_date=SURVEY)))
    assert rows[0][0] == "中央区 町内会・自治会 世帯数調査票"
    assert "調査基準日: 令和6年1月1日" in rows[1][0] and "前回（令和5年1月1日）" in rows[1][0]
    header = rows[3]
    assert header == [
        "町内会コード",
        "町内会名",
        "前回区域内世帯数",
        "前回加入世帯数",
        "区域内世帯数",
        "加入世帯数",
        "備考",
    ]
    assert [r[:6] for r in rows[4:]] == [
        ["01101-0001", "大通町内会", 500, 400, None, None],
        ["01101-0002", '\'=HYPERLINK("http://evil")町内会', None, None, None, None],
    ]


def test_template_is_refused_outside_the_users_ward(chuo, ward_staff_kita, ward_staff_chuo):
    with pytest.raises(PermissionDenied):
        exporter.ward_template(ward=ward("01101"), actor=ward_staff_kita)
    assert exporter.ward_template(ward=ward("01101"), actor=ward_staff_chuo)


def test_filled_in_template_imports_back_as_it_is(chuo, ward_staff_chuo):
    wb = exporter.ward_template(ward=ward("01101"), actor=ward_staff_chuo, survey_date=SURVEY)
    ws = wb.active
    ws["E5"], ws["F5"] = 510, 405
    ws["E6"], ws["F6"], ws["G6"] = "１，２００", "９００", "会長交代"
    data = save(wb)

    preview = importer.preview_file(data, filename="chuo.xlsx", survey_date=SURVEY, actor=ward_staff_chuo)

    assert preview.issues == ()  # the escaped name reads back as the registered name
    result = services.counts_import_commit(actor=ward_staff_chuo, survey_date=SURVEY, preview=preview)
    assert result.created == 2
    assert set(
        HouseholdCount.objects.filter(survey_date=SURVEY).values_list(
            "association__code", "households", "member_households", "note"
        )
    ) == {("01101-0001", 510, 405, ""), ("01101-0002", 1200, 900, "会長交代")}


def test_unfilled_template_rows_are_skipped_with_one_warning(chuo):
    wb = exporter.ward_template(ward=ward("01101"), actor=None)
    wb.active["E5"], wb.active["F5"] = 1, 1
    preview = importer.preview_file(save(wb), filename="t.xlsx", survey_date=SURVEY, actor=None)
    assert [r.code for r in preview.rows] == ["01101-0001"]
    (warning,) = preview.warnings
    assert "1行は取り込みません（6行目）" in warning.message


def test_export_counts_command_writes_the_template(chuo, tmp_path):
    out = tmp_path / "chuo.xlsx"
    call_command("export_counts", "--ward", "01101", "--out", str(out), stdout=io.StringIO())
    _, rows = sheet_rows(out.read_bytes())
    assert [r[0] for r in rows[4:]] == ["01101-0001", "01101-0002"]


# ---------------------------------------------------------------------------------------------
# City table
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def city_counts(chuo):
    a, b, _, kita = chuo
    HouseholdCountFactory(association=a, survey_date=SURVEY, households=510, member_households=390)
    HouseholdCountFactory(association=b, survey_date=SURVEY, households=333, member_households=111)
    HouseholdCountFactory(association=kita, survey_date=SURVEY, households=310, member_households=101)


def test_city_table_figures_equal_membership_stats(city_counts):
    _, rows = sheet_rows(save(exporter.city_summary(survey_date=SURVEY)))
    assert rows[0][0] == "町内会・自治会 加入状況（令和6年1月1日現在）"
    assert rows[3] == [
        "区コード",
        "区名",
        "町内会数",
        "区域内世帯数",
        "加入世帯数",
        "加入率（%）",
        "前回比（ポイント）",
    ]
    body = rows[4:]
    assert len(body) == 11  # the 10 wards and the city
    expected = selectors.membership_stats(
        survey_date=SURVEY, level=selectors.Level.WARD
    ) + selectors.membership_stats(survey_date=SURVEY, level=selectors.Level.CITY)
    by_code = {r[0]: r for r in body}
    for stats in expected:
        row = by_code[stats.code]
        assert row[1:5] == [stats.name, stats.associations, stats.households, stats.member_households]
        assert Decimal(str(row[5])) == stats.rate
        assert (None if row[6] is None else Decimal(str(row[6]))) == stats.change
    assert body[-1][:2] == ["01100", "札幌市"]
    assert by_code["01103"][2:] == [None] * 5  # 東区: no counts, a blank row


def test_city_table_without_counts_is_refused(db):
    with pytest.raises(exporter.NoCounts):
        exporter.city_summary(survey_date=SURVEY)


def test_export_counts_command_writes_the_city_table(city_counts, tmp_path):
    out = tmp_path / "city.xlsx"
    stdout = io.StringIO()
    call_command("export_counts", "--city", "--survey-date", "2024-01-01", "--out", str(out), stdout=stdout)
    assert "2024-01-01 の加入状況表" in stdout.getvalue()
    _, rows = sheet_rows(out.read_bytes())
    assert rows[-1][:5] == ["01100", "札幌市", 3, 1153, 602]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--ward", "09999", "--out", "x.xlsx"], "区コード「09999」の区はありません"),
        (["--city", "--survey-date", "2030-01-01", "--out", "x.xlsx"], "2030-01-01 の世帯数はありません"),
        (["--ward", "01101", "--out", "x.csv"], ".xlsx にしてください"),
        (["--city", "--survey-date", "1/1", "--out", "x.xlsx"], "日付として読めません"),
    ],
)
def test_export_counts_command_errors(city_counts, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("export_counts", *args, stdout=io.StringIO())


def test_dissolved_associations_are_not_in_the_template(chuo):
    assert Association.objects.filter(code="01101-0003", status="dissolved").exists()
    _, rows = sheet_rows(save(exporter.ward_template(ward=ward("01101"), actor=None)))
    assert "01101-0003" not in [r[0] for r in rows]
