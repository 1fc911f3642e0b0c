"""Household-count workbooks (.xlsx): a ward's entry template and the city's published table.

Every value goes into a sheet through chonaikai.files.xlsx (excel_safe), so that no text from
users (an association's name, a note) can start a formula. Figures come from the selectors; nothing here computes a rate.

Text is translated (gettext) in the active language, except the template's column headings: they
are the import format (importer.Col), Japanese in every language.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from chonaikai.accounts import policy
from chonaikai.cities.texts import fill, labelled
from chonaikai.files.xlsx import BOLD, TITLE, append_row, header_row
from wards.models import Ward

from .. import selectors
from ..imports.importer import Col
from ..models import Association, HouseholdCount
from ..templatetags.japanese import jdate

# Reference columns of the template: headings of the import format (the importer ignores them).
PREVIOUS_HOUSEHOLDS = "前回区域内世帯数"  # i18n: data
PREVIOUS_MEMBERS = "前回加入世帯数"  # i18n: data
TEMPLATE_COLUMNS = (
    Col.CODE,
    Col.NAME,
    PREVIOUS_HOUSEHOLDS,
    PREVIOUS_MEMBERS,
    Col.HOUSEHOLDS,
    Col.MEMBERS,
    Col.NOTE,
)
TEMPLATE_WIDTHS = (14, 36, 16, 16, 14, 14, 40)
# The published table's headings: output, not read back, so in the reader's language.
CITY_COLUMNS = (
    labelled(gettext_lazy("%(area)sコード")),
    labelled(gettext_lazy("%(area)s名")),
    gettext_lazy("町内会数"),
    gettext_lazy("区域内世帯数"),
    gettext_lazy("加入世帯数"),
    gettext_lazy("加入率（%）"),
    gettext_lazy("前回比（ポイント）"),
)
CITY_WIDTHS = (10, 14, 10, 14, 14, 12, 16)

COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00"
CHANGE_FORMAT = "+0.00;-0.00;0.00"
_FILL_IN = PatternFill("solid", fgColor="FFF2CC")  # the cells to fill in
_REFERENCE = PatternFill("solid", fgColor="EDEDED")  # last survey's figures, for reference


# ---------------------------------------------------------------------------------------------
# Ward template: fill in, then import back
# ---------------------------------------------------------------------------------------------


def ward_template(*, ward: Ward, actor, survey_date: dt.date | None = None) -> Workbook:
    """The ward's active associations, last survey's counts for reference, columns to fill in.

    Its header row is one the importer reads (the reference columns are named 前回…, which the
    importer ignores), so the filled-in workbook can be imported as it is. `survey_date` (the
    survey being collected) is only shown in the title and picks the previous survey; without it
    the latest survey is the reference. `actor` None: the command line.
    """
    if actor is not None and not policy.can_edit_counts(actor, ward):
        raise PermissionDenied(fill(_("この%(area)sの調査票を作成する権限がありません。")))
    reference_date = (
        selectors.previous_survey_date(survey_date) if survey_date else selectors.latest_survey_date()
    )
    associations = list(
        Association.objects.active().in_ward(ward).order_by("code").values_list("id", "code", "name")
    )
    previous = {}
    if reference_date is not None:
        previous = {
            association_id: (households, members)
            for association_id, households, members in HouseholdCount.objects.filter(
                survey_date=reference_date, association__ward=ward
            ).values_list("association_id", "households", "member_households")
        }

    wb = Workbook()
    ws = wb.active
    ws.title = ward.name
    append_row(ws, [_("%(ward)s 町内会・自治会 世帯数調査票") % {"ward": ward.name}])
    ws["A1"].font = TITLE
    if survey_date:
        target = _("調査基準日: %(date)s") % {"date": jdate(survey_date)}
    else:
        target = _("調査基準日: 取込時に指定")
    if reference_date:
        reference = _("前回（%(date)s）") % {"date": jdate(reference_date)}
    else:
        reference = _("前回")
    append_row(
        ws,
        [
            _(
                "%(target)s。「%(households)s」「%(members)s」の列に記入してください（%(reference)sの値は参考）。"
            )
            % {
                "target": target,
                "households": Col.HOUSEHOLDS,
                "members": Col.MEMBERS,
                "reference": reference,
            }
        ],
    )
    append_row(ws, [])
    header = header_row(ws, TEMPLATE_COLUMNS, TEMPLATE_WIDTHS)
    for association_id, code, name in associations:
        households, members = previous.get(association_id, (None, None))
        row = append_row(ws, [code, name, households, members, None, None, None])
        for column in (3, 4):
            ws.cell(row=row, column=column).fill = _REFERENCE
        for column in (3, 4, 5, 6):
            ws.cell(row=row, column=column).number_format = COUNT_FORMAT
        for column in (5, 6, 7):
            ws.cell(row=row, column=column).fill = _FILL_IN
    if associations:
        whole = DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1="0",
            showErrorMessage=True,
            errorTitle=_("世帯数"),
            error=_("0以上の整数を入力してください。"),
        )
        ws.add_data_validation(whole)
        whole.add(f"E{header + 1}:F{header + len(associations)}")
    return wb


# ---------------------------------------------------------------------------------------------
# City table: the published layout
# ---------------------------------------------------------------------------------------------


class NoCounts(Exception):
    """There are no counts for the survey date asked for."""


def city_summary(*, survey_date: dt.date) -> Workbook:
    """Per ward 区域内世帯数, 加入世帯数, 加入率, 前回比 (points) and the city's total row.

    Figures are selectors.membership_stats' (the published rate: members ÷ households in the
    associations' areas, rounded by rules.membership_rate). Every ward has a row, blank when it
    has no counts yet. Raises NoCounts when the survey date has none at all.
    """
    city_rows = selectors.membership_stats(survey_date=survey_date, level=selectors.Level.CITY)
    if not city_rows:
        raise NoCounts(_("%(date)s の世帯数はありません。") % {"date": f"{survey_date:%Y-%m-%d}"})
    city = city_rows[0]
    by_ward = {
        r.code: r for r in selectors.membership_stats(survey_date=survey_date, level=selectors.Level.WARD)
    }

    wb = Workbook()
    ws = wb.active
    ws.title = f"{survey_date:%Y%m%d}"
    append_row(ws, [_("町内会・自治会 加入状況（%(date)s現在）") % {"date": jdate(survey_date)}])
    ws["A1"].font = TITLE
    note = _("加入率 = 加入世帯数 ÷ 区域内世帯数（%、小数第3位を四捨五入）。")
    if city.previous_survey_date:
        note += _("前回比は前回調査（%(date)s）の加入率との差（ポイント）。") % {
            "date": jdate(city.previous_survey_date)
        }
    append_row(ws, [note])
    append_row(ws, [])
    header_row(ws, CITY_COLUMNS, CITY_WIDTHS)
    for code, name in Ward.objects.order_by("code").values_list("code", "name"):
        _stats_row(ws, code, name, by_ward.get(code))
    total = _stats_row(ws, city.code, city.name, city)
    for cell in ws[total]:
        cell.font = BOLD
    return wb


def _stats_row(ws, code: str, name: str, stats: selectors.MembershipRow | None) -> int:
    if stats is None:
        return append_row(ws, [code, name])
    row = append_row(
        ws,
        [code, name, stats.associations, stats.households, stats.member_households, stats.rate, stats.change],
    )
    for column, number_format in (
        (3, COUNT_FORMAT),
        (4, COUNT_FORMAT),
        (5, COUNT_FORMAT),
        (6, RATE_FORMAT),
        (7, CHANGE_FORMAT),
    ):
        ws.cell(row=row, column=column).number_format = number_format
    return row
