"""Forms of the programme pages: confirming a rule, computing the 住民組織助成金, the accounting
export's year."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import wording
from .fields import (
    _comment_field,
)

# ---------------------------------------------------------------------------------------------
# Programmes, 住民組織助成金, exports
# ---------------------------------------------------------------------------------------------


class RuleConfirmForm(forms.Form):
    comment = _comment_field(_("確認した要綱・資料（任意）"))


class GrantComputeForm(forms.Form):
    survey_date = forms.TypedChoiceField(
        label=_("使う世帯数調査"),
        required=False,
        coerce=dt.date.fromisoformat,
        empty_value=None,
        help_text=wording.with_area(
            lambda w: gettext("承認が済んだ%(area)sの加入世帯数だけを使います。") % w
        ),
    )

    def __init__(self, *args, survey_dates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey_date"].choices = [
            ("", _("最新の調査")),
            *((d.isoformat(), wording.date_text(d)) for d in survey_dates),
        ]


class AccountingExportForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(
        label=_("年度"), required=False, coerce=int, empty_value=None, help_text=_("空欄なら全年度です。")
    )

    def __init__(self, *args, fiscal_years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = [
            ("", _("全年度")),
            *((year, wording.fiscal_year_text(year)) for year in fiscal_years),
        ]
