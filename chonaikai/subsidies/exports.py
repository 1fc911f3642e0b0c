"""Workbooks (.xlsx) for accounting: totals per programme and fiscal year, and payment lists.

Every value goes into a sheet through chonaikai.files.xlsx (excel_safe), so no name or
purpose typed by a user can start a formula. Figures come from the selectors. The bank-transfer
columns of payment lists (金融機関名, 支店名, 口座種別, 口座番号, 口座名義) are left empty and shaded
for the city to fill in: the system holds no bank details.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from chonaikai.cities.current import labels
from chonaikai.files.xlsx import TITLE, append_row, header_row
from chonaikai.subsidies import policy as subsidy_policy

from . import selectors, wording
from .models import Application, GrantComputation, Programme, ProgrammeRule
from .wording import with_area
from .workflow import GRANTED_STATES, Status

YEN_FORMAT = "#,##0"
BANK_COLUMNS = (
    gettext_lazy("金融機関名"),
    gettext_lazy("支店名"),
    gettext_lazy("口座種別"),
    gettext_lazy("口座番号"),
    gettext_lazy("口座名義"),
)
SUMMARY_COLUMNS = (
    gettext_lazy("年度"),
    gettext_lazy("制度コード"),
    gettext_lazy("制度名"),
    gettext_lazy("予算額"),
    gettext_lazy("交付決定額"),
    gettext_lazy("支払額"),
    gettext_lazy("残額"),
    gettext_lazy("交付決定件数"),
    gettext_lazy("支払済み件数"),
)
SUMMARY_WIDTHS = (12, 20, 32, 14, 14, 14, 14, 12, 12)
DETAIL_COLUMNS = (
    gettext_lazy("年度"),
    gettext_lazy("制度名"),
    gettext_lazy("申請番号"),
    gettext_lazy("町内会コード"),
    gettext_lazy("町内会名"),
    with_area(lambda w: w["area"]),  # the city's word for its areas (区, 市 …)
    gettext_lazy("区分"),
    gettext_lazy("状態"),
    gettext_lazy("交付決定額"),
    gettext_lazy("確定額"),
    gettext_lazy("支払額"),
    gettext_lazy("支払日"),
)
DETAIL_WIDTHS = (12, 30, 24, 14, 32, 10, 16, 14, 14, 14, 14, 12)
_FILL_IN = PatternFill("solid", fgColor="FFF2CC")


class NothingToPay(Exception):
    """The programme has nothing confirmed or paid to list."""


def _require(actor) -> None:
    if actor is not None and not subsidy_policy.can_export_subsidies(actor):
        raise PermissionDenied(_("補助金の会計用ファイルを作成できるのは市の管理者です。"))


def _yen(ws, row: int, columns) -> None:
    for column in columns:
        ws.cell(row=row, column=column).number_format = YEN_FORMAT


def accounting_workbook(*, actor, fiscal_year: int | None = None) -> Workbook:
    """Approved and paid amounts per programme (and fiscal year), and every granted application.

    Sheet 「制度別集計」: one row per programme and year (for the 住民組織助成金 the 交付決定額 is
    the total of the current computations). Sheet 「申請別」: the granted applications.
    `actor` None: the command line.
    """
    _require(actor)
    wb = Workbook()
    ws = wb.active
    ws.title = _("制度別集計")
    scope = wording.fiscal_year_text(fiscal_year) if fiscal_year is not None else _("全年度")
    append_row(ws, [_("補助金 交付決定額・支払額（%(scope)s）") % {"scope": scope}])
    ws["A1"].font = TITLE
    append_row(
        ws,
        [_("残額 = 予算額 − 交付決定額（額の確定後は確定額、支払後は支払額）。予算額が未登録の制度は空欄。")],
    )
    append_row(ws, [])
    header_row(ws, SUMMARY_COLUMNS, SUMMARY_WIDTHS)
    for summary in selectors.programme_summaries(fiscal_year=fiscal_year):
        p = summary.programme
        paid_count = p.applications.filter(status=Status.PAID).count()
        row = append_row(
            ws,
            [
                wording.fiscal_year_text(p.fiscal_year),
                p.code,
                p.name,
                summary.budget,
                summary.approved,
                summary.paid if p.kind == Programme.Kind.APPLICATION else None,
                summary.remaining,
                summary.granted if p.kind == Programme.Kind.APPLICATION else None,
                paid_count if p.kind == Programme.Kind.APPLICATION else None,
            ],
        )
        _yen(ws, row, (4, 5, 6, 7))

    detail = wb.create_sheet(_("申請別"))
    header_row(detail, DETAIL_COLUMNS, DETAIL_WIDTHS)
    applications = (
        Application.objects.filter(status__in=GRANTED_STATES)
        .select_related("programme", "association", "association__ward")
        .order_by("programme__fiscal_year", "programme__code", "association__code", "id")
    )
    if fiscal_year is not None:
        applications = applications.filter(programme__fiscal_year=fiscal_year)
    names = _category_names()
    for a in applications:
        row = append_row(
            detail,
            [
                wording.fiscal_year_text(a.programme.fiscal_year),
                a.programme.name,
                a.number,
                a.association.code,
                a.association.name,
                a.association.ward.name,
                names.get((a.programme_id, a.category), a.category),
                a.get_status_display(),
                a.approved_amount,
                a.confirmed_amount,
                a.paid_amount,
                a.paid_on,
            ],
        )
        _yen(detail, row, (9, 10, 11))
        detail.cell(row=row, column=12).number_format = "yyyy-mm-dd"
    return wb


def _category_names() -> dict[tuple[int, str], str]:
    return {
        (programme_id, category): name
        for programme_id, category, name in ProgrammeRule.objects.exclude(category="").values_list(
            "programme_id", "category", "name"
        )
    }


def payment_list_workbook(*, actor, programme: Programme) -> Workbook:
    """The payment list of one programme and year: code, name, amount, bank-transfer columns to fill.

    Application programmes: confirmed (to pay: the confirmed amount) and paid (the paid amount)
    applications. The 住民組織助成金: the current computation of every association and federation.
    NothingToPay when the list would be empty.
    """
    _require(actor)
    wb = Workbook()
    ws = wb.active
    ws.title = _("支払一覧")
    append_row(ws, [_("%(programme)s 支払一覧") % {"programme": programme}])
    ws["A1"].font = TITLE
    append_row(ws, [_("口座の欄（黄色）は会計担当が記入してください。")])
    append_row(ws, [])
    if programme.kind == Programme.Kind.COMPUTED:
        _computed_rows(ws, programme)
    else:
        _application_rows(ws, programme)
    if ws.max_row <= 4:
        raise NothingToPay(_("%(programme)sには支払の対象がありません。") % {"programme": programme})
    return wb


def _application_rows(ws, programme: Programme) -> None:
    columns = (
        _("町内会コード"),
        _("町内会名"),
        _("申請番号"),
        _("状態"),
        _("金額"),
        _("支払日"),
        *BANK_COLUMNS,
    )
    header_row(ws, columns, (14, 32, 24, 12, 14, 12, 20, 16, 10, 14, 24))
    applications = (
        Application.objects.filter(programme=programme, status__in=[Status.CONFIRMED, Status.PAID])
        .select_related("association", "programme")
        .order_by("association__code", "id")
    )
    for a in applications:
        amount = a.paid_amount if a.status == Status.PAID else a.confirmed_amount
        row = append_row(
            ws,
            [a.association.code, a.association.name, a.number, a.get_status_display(), amount, a.paid_on],
        )
        _yen(ws, row, (5,))
        ws.cell(row=row, column=6).number_format = "yyyy-mm-dd"
        for column in range(7, 12):
            ws.cell(row=row, column=column).fill = _FILL_IN


def _computed_rows(ws, programme: Programme) -> None:
    columns = (
        _("区分"),
        _("コード"),
        _("名称"),
        _("調査基準日"),
        _("加入世帯数"),
        _("1世帯あたり"),
        _("金額"),
        _("前回との差額"),
        *BANK_COLUMNS,
    )
    header_row(ws, columns, (12, 14, 32, 12, 12, 12, 14, 14, 20, 16, 10, 14, 24))
    rows = (
        GrantComputation.objects.current()
        .filter(programme=programme)
        .select_related("association", "federation")
        .order_by("federation__code", "association__code")
    )
    for g in rows:
        recipient = g.association or g.federation
        kind = _("単位町内会") if g.association_id else labels().federation
        row = append_row(
            ws,
            [
                kind,
                recipient.code,
                recipient.name,
                g.survey_date,
                g.member_households,
                g.per_household_amount,
                g.amount,
                g.difference,
            ],
        )
        ws.cell(row=row, column=4).number_format = "yyyy-mm-dd"
        _yen(ws, row, (5, 6, 7, 8))
        for column in range(9, 14):
            ws.cell(row=row, column=column).fill = _FILL_IN
