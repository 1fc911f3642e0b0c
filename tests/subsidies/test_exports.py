"""Accounting workbooks: totals per programme and year, and payment lists, safe from formulas."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from chonaikai.subsidies import exports
from chonaikai.subsidies.models import GrantComputation
from chonaikai.subsidies.workflow import Status
from tests.factories import AssociationFactory, ward

pytestmark = pytest.mark.django_db


def values(ws):
    """The sheet's rows as a spreadsheet program will read them (saved and loaded again)."""
    buffer = io.BytesIO()
    ws.parent.save(buffer)
    reloaded = load_workbook(buffer)[ws.title]
    return [list(row) for row in reloaded.iter_rows(values_only=True)]


@pytest.fixture
def granted(make_app, association_a, association_b):
    nasty = AssociationFactory(ward=ward("01101"), name='=HYPERLINK("http://evil","x")')
    return {
        "paid": make_app(association_a, status=Status.PAID),
        "confirmed": make_app(nasty, status=Status.CONFIRMED, lines=(("service", "x", 10_000),)),
        "approved": make_app(association_b, status=Status.APPROVED),
        "pending": make_app(AssociationFactory(ward=ward("01102")), status=Status.FORWARDED),
        "nasty": nasty,
    }


def test_the_accounting_workbook_sums_approved_and_paid_per_programme(city_admin, granted):
    wb = exports.accounting_workbook(actor=city_admin, fiscal_year=2026)
    rows = values(wb["制度別集計"])
    assert rows[0][0] == "補助金 交付決定額・支払額（令和8年度）"
    header = rows[3]
    assert header == list(exports.SUMMARY_COLUMNS)
    digital = next(r for r in rows[4:] if r[1] == "digital")
    assert digital == [
        "令和8年度",
        "digital",
        "町内会デジタル活用促進補助金",
        13_000_000,
        150_000,
        70_000,
        13_000_000 - 150_000,
        3,
        1,
    ]
    hall = next(r for r in rows[4:] if r[1] == "meeting_hall")
    assert hall[3] is None and hall[6] is None  # no budget registered
    detail = values(wb["申請別"])
    assert {r[2] for r in detail[1:]} == {granted[k].number for k in ("paid", "confirmed", "approved")}


def test_the_payment_list_has_code_name_amount_and_empty_bank_columns_escaped_from_formulas(
    city_admin, granted, digital
):
    wb = exports.payment_list_workbook(actor=city_admin, programme=digital)
    rows = values(wb.active)
    header = rows[3]
    assert header[:6] == ["町内会コード", "町内会名", "申請番号", "状態", "金額", "支払日"]
    assert header[6:] == ["金融機関名", "支店名", "口座種別", "口座番号", "口座名義"]
    body = {r[0]: r for r in rows[4:]}
    paid = body[granted["paid"].association.code]
    assert paid[4:6] == [70_000, dt.datetime(2026, 11, 1)]
    assert paid[6:] == [None] * 5
    nasty = body[granted["nasty"].code]
    assert nasty[1] == '\'=HYPERLINK("http://evil","x")'  # text, not a formula
    assert nasty[4] == 10_000
    assert granted["approved"].association.code not in body  # not confirmed yet


def test_the_resident_grant_payment_list_lists_current_computations(
    city_admin, association_a, resident_grant
):
    GrantComputation.objects.create(
        programme=resident_grant,
        association=association_a,
        survey_date=dt.date(2026, 1, 1),
        member_households=100,
        per_household_amount=260,
        amount=26_000,
        difference=26_000,
    )
    rows = values(exports.payment_list_workbook(actor=city_admin, programme=resident_grant).active)
    assert rows[4][:8] == [
        "単位町内会",
        association_a.code,
        association_a.name,
        dt.datetime(2026, 1, 1),
        100,
        260,
        26_000,
        26_000,
    ]


def test_an_empty_payment_list_is_an_error_not_an_empty_file(city_admin, meeting_hall):
    with pytest.raises(exports.NothingToPay):
        exports.payment_list_workbook(actor=city_admin, programme=meeting_hall)


@pytest.mark.parametrize("name", ["ward_staff_chuo", "leader_a", "viewer"])
def test_only_city_admins_export(name, request, digital):
    user = request.getfixturevalue(name)
    with pytest.raises(PermissionDenied):
        exports.accounting_workbook(actor=user)
    with pytest.raises(PermissionDenied):
        exports.payment_list_workbook(actor=user, programme=digital)


def test_the_export_command_writes_both_workbooks(granted, tmp_path):
    call_command(
        "export_subsidies", "accounting", "--fiscal-year", "2026", "--output", str(tmp_path / "a.xlsx")
    )
    call_command(
        "export_subsidies",
        "payments",
        "--programme",
        "digital",
        "--fiscal-year",
        "2026",
        "--output",
        str(tmp_path / "p.xlsx"),
    )
    assert load_workbook(tmp_path / "a.xlsx").sheetnames == ["制度別集計", "申請別"]
    assert load_workbook(tmp_path / "p.xlsx").active.title == "支払一覧"
    with pytest.raises(CommandError, match="--programme"):
        call_command("export_subsidies", "payments", "--output", str(tmp_path / "x.xlsx"))
