"""The membership table as files: one list of columns for the API's CSV and Excel downloads and the
command line (manage.py membership_stats --format csv), and the Excel workbook of it.

The rows are the selectors' MembershipRow as chonaikai.associations.stats.publication publishes them
(with `suppressed` and `sample`); nothing here computes a figure.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from chonaikai.cities.texts import labelled
from chonaikai.downloads import code_text
from chonaikai.files.xlsx import BOLD, append_row

from .. import rules
from ..selectors import Level
from .exporter import CHANGE_FORMAT, COUNT_FORMAT, RATE_FORMAT

# The API's files, in this order: English names, as the rows' attributes (code_text: the code as text).
COLUMNS = (
    "level",
    "code",
    "name",
    "survey_date",
    "fiscal_year",
    "associations",
    "households",
    "member_households",
    "rate",
    "denominator",
    "previous_survey_date",
    "change",
    "registry_households",
    "registry_rate",
    "suppressed",
    "sample",
    "code_text",
)
# The command line prints the selector's rows, before publication: no count of associations nor
# fiscal year, no publication flags, no spreadsheet helper. A column both have means the same.
COMMAND_COLUMNS = tuple(
    c for c in COLUMNS if c not in ("fiscal_year", "associations", "suppressed", "sample", "code_text")
)
HEADINGS = {  # the Excel file is for people: headings in the chosen language
    "level": gettext_lazy("単位"),
    "code": gettext_lazy("コード"),
    "name": gettext_lazy("名称"),
    "survey_date": gettext_lazy("調査基準日"),
    "fiscal_year": gettext_lazy("年度"),
    "associations": gettext_lazy("町内会数"),
    "households": gettext_lazy("区域内世帯数"),
    "member_households": gettext_lazy("加入世帯数"),
    "rate": gettext_lazy("加入率（%）"),
    "denominator": gettext_lazy("分母"),
    "previous_survey_date": gettext_lazy("前回調査基準日"),
    "change": gettext_lazy("前回比（ポイント）"),
    "registry_households": gettext_lazy("住民基本台帳世帯数"),
    "registry_rate": gettext_lazy("住民基本台帳による加入率（%）"),
    "suppressed": gettext_lazy("非公表"),
    "sample": gettext_lazy("サンプルデータ"),
    "code_text": gettext_lazy("コード（文字列）"),
}
# The workbook is for people: levels and denominators as words, not the API's codes.
LEVEL_LABELS = {
    Level.CITY: gettext_lazy("全市"),
    Level.WARD: labelled("%(area)s"),
    Level.DISTRICT: labelled(gettext_lazy("%(district)s地区")),
    Level.FEDERATION: labelled("%(federation)s"),
}
DENOMINATOR_LABELS = {
    rules.Denominator.AREA: gettext_lazy("区域内世帯数"),
    rules.Denominator.REGISTRY: gettext_lazy("住民基本台帳世帯数"),
}
TEXT_COLUMNS = ("code", "code_text")  # stored as text cells (format "@"): a code keeps its leading 0
FORMATS = {
    "associations": COUNT_FORMAT,
    "households": COUNT_FORMAT,
    "member_households": COUNT_FORMAT,
    "registry_households": COUNT_FORMAT,
    "rate": RATE_FORMAT,
    "registry_rate": RATE_FORMAT,
    "change": CHANGE_FORMAT,
}


def value(row, column):
    """A row's value in a column (code_text derived from the code)."""
    if column == "code_text":
        return code_text(row.code)
    return getattr(row, column)


def _workbook_value(row, column):
    """A workbook cell: flags as 0/1 like the CSV, levels and denominators as words."""
    cell = value(row, column)
    if isinstance(cell, bool):
        return int(cell)
    if column == "level":
        return str(LEVEL_LABELS.get(cell, cell))
    if column == "denominator":
        return str(DENOMINATOR_LABELS.get(cell, cell))
    return cell


def workbook(rows, *, survey_date: dt.date) -> Workbook:
    """One sheet named by the survey date: bold headings, frozen, numbers formatted, codes as text."""
    book = Workbook()
    sheet = book.active
    sheet.title = survey_date.strftime("%Y%m%d")
    append_row(sheet, [HEADINGS[c] for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = "A2"
    for row in rows:
        number = append_row(sheet, [_workbook_value(row, column) for column in COLUMNS])
        for index, column in enumerate(COLUMNS, start=1):
            if column in FORMATS:
                sheet.cell(row=number, column=index).number_format = FORMATS[column]
            elif column in TEXT_COLUMNS:
                sheet.cell(row=number, column=index).number_format = "@"
    return book
