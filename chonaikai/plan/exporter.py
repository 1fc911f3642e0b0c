"""The outcome indicators as a workbook (.xlsx) for the yearly report to the advisory table.

Every cell goes through chonaikai.files.xlsx (excel_safe), so no text (a name, a note, a source)
can start a formula. Figures come from selectors.indicator_progress; nothing here computes them.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from openpyxl import Workbook

from chonaikai.associations.survey import survey_day_label
from chonaikai.associations.templatetags.japanese import fylabel, jdate
from chonaikai.files.xlsx import TITLE, append_row, header_row

from .selectors import IndicatorProgress, report_years

SHARE_FORMAT = "0.00"


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def indicator_report(*, rows: list[IndicatorProgress], today: dt.date) -> Workbook:
    """One row per indicator: goal, name, unit, a column per fiscal year, target, progress, source."""
    years = report_years(rows)
    wb = Workbook()
    ws = wb.active
    ws.title = _("成果指標")
    append_row(ws, [_("成果指標の推移")])
    ws["A1"].font = TITLE
    append_row(
        ws,
        [
            _(
                "%(date)s作成。基準年度の値は計画の基準値、目標年度の列は実績値、"
                "「進捗率」は基準値から目標値までのうち最新の値が達した割合（%%）。"
                "町内会加入世帯数は各年%(survey_day)sの世帯数調査の合計（その日を含む年度の値）。"
            )
            % {"date": jdate(today), "survey_day": survey_day_label()}
        ],
    )
    append_row(ws, [])
    header = [
        _("基本目標"),
        _("指標"),
        _("単位"),
        *[fylabel(y) for y in years],
        _("目標値"),
        _("目標年度"),
        _("最新値"),
        _("進捗率（%）"),
        _("出典"),
    ]
    widths = [10, 44, 8, *[14] * len(years), 16, 12, 16, 12, 60]
    header_row(ws, header, widths, frozen_columns="D")

    for row in rows:
        indicator = row.indicator
        latest = row.latest
        progress = row.progress
        line = append_row(
            ws,
            [
                indicator.basic_goal,
                indicator.name,
                indicator.unit,
                *[row.value_for(y) for y in years],
                row.target_value,
                fylabel(row.target_year) if row.target_year else None,
                latest[1] if latest else None,
                progress.share_done if progress else None,
                row.source,
            ],
        )
        value_format = _number_format(indicator.decimals)
        first_year_column = 4
        for column in [
            *range(first_year_column, first_year_column + len(years)),
            len(years) + 4,
            len(years) + 6,
        ]:
            ws.cell(row=line, column=column).number_format = value_format
        ws.cell(row=line, column=len(years) + 7).number_format = SHARE_FORMAT
    return wb
