"""Forms of the survey-round pages: opening a round, a ward's progress actions, the entry grid.

Forms only parse and describe input; the rules (transitions, the grid's checks, the approval lock)
live in services.rounds and services.entry, which the views call.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from chonaikai.cities.texts import labelled

from ..imports import importer
from ..models import HouseholdCount
from ..survey import survey_day_label
from .services.entry import CONFIRM, HOUSEHOLDS, MEMBERS, NOTE, CountChange
from .services.rounds import default_survey_date


class RoundOpenForm(forms.Form):
    survey_date = forms.DateField(
        label=_("調査基準日"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    deadline = forms.DateField(
        label=_("提出期限"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=labelled(
            _(
                "%(area_office)sが世帯数を提出する期限です。"
                "期限の7日前と前日に未入力の%(area)sへお知らせメールが届きます。"
            )
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey_date"].initial = default_survey_date()
        self.fields["survey_date"].help_text = _("毎年%(survey_day)sです。") % {
            "survey_day": survey_day_label()
        }


class ProgressActionForm(forms.Form):
    comment = forms.CharField(
        label=_("コメント"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmissionForm(forms.Form):
    """Submitting a ward's counts: a comment, required (the reason) while associations have no count."""

    comment = forms.CharField(
        label=_("コメント"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, missing: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        if missing:
            field = self.fields["comment"]
            field.required = True
            field.label = _("未入力のまま提出する理由")
            field.help_text = _(
                "世帯数が未入力の町内会が%(n)s件あります。理由は提出状況と操作記録に残ります。"
            ) % {"n": missing}
            field.error_messages["required"] = _("未入力のまま提出する理由を入力してください。")


class _DirectInput:
    """An <input> written directly instead of through the form renderer's templates.

    The same markup as Django's input.html and attrs.html. The entry grid shows a ward's every
    association with about eight inputs each (visible, initial and version fields): through the
    templates, a ward of 220 associations took ~300 ms to render, nearly all of it in widget
    templates; written directly, a tenth of that.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        # The standard library's escape (the same five characters as Django's): Django's
        # keep_lazy wrappers around escape/format_html cost more than the markup itself here.
        parts = [f'<input type="{widget["type"]}" name="{escape(widget["name"])}"']
        if widget["value"] is not None:
            parts.append(f' value="{escape(str(widget["value"]))}"')
        for attr, value in widget["attrs"].items():
            if value is True:
                parts.append(f" {attr}")
            elif value is not False and value is not None:
                parts.append(f' {attr}="{escape(str(value))}"')
        parts.append(">")
        return mark_safe("".join(parts))  # every value above is escaped


class DirectTextInput(_DirectInput, forms.TextInput):
    pass


class DirectHiddenInput(_DirectInput, forms.HiddenInput):
    pass


class DirectCheckboxInput(_DirectInput, forms.CheckboxInput):
    pass


class CountField(forms.Field):
    """A household count as typed: full-width digits, commas and spaces accepted (importer.parse_count)."""

    widget = DirectTextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "size": 8, "class": "count-input"}
    )
    hidden_widget = DirectHiddenInput

    def to_python(self, value):
        try:
            return importer.parse_count(value)
        except ValueError as e:  # importer's cell error: a Japanese message about the value
            raise forms.ValidationError(str(e), code="invalid") from e


class NoteField(forms.CharField):
    hidden_widget = DirectHiddenInput


class CountRowForm(forms.Form):
    """One association's line of the grid; prefixed with the association's id (``a<id>``).

    The numbers and the note keep the values the grid was loaded with in hidden fields
    (show_hidden_initial), so that has_changed() tells the rows the user edited from rows that are
    merely shown; `version` is the version of the count those values came from (0: none).
    """

    households = CountField(label=_("区域内世帯数"), required=False, show_hidden_initial=True)
    member_households = CountField(label=_("加入世帯数"), required=False, show_hidden_initial=True)
    note = NoteField(
        label=_("備考"),
        required=False,
        max_length=HouseholdCount._meta.get_field("note").max_length,
        show_hidden_initial=True,
        widget=DirectTextInput(attrs={"class": "note-input", "autocomplete": "off"}),
    )
    confirm_members_over = forms.BooleanField(
        label=_("加入世帯数が区域内世帯数を上回っていることを確認しました"),
        required=False,
        widget=DirectCheckboxInput,
    )
    version = forms.IntegerField(min_value=0, widget=DirectHiddenInput)

    EDITABLE = (HOUSEHOLDS, MEMBERS, NOTE)

    def __init__(self, *args, association, describedby: dict[str, str] | None = None, **kwargs):
        self.association = association
        kwargs.setdefault("prefix", f"a{association.pk}")
        super().__init__(*args, **kwargs)
        self._describedby = dict(describedby or {})
        for name in self.EDITABLE:
            self.describe(name)

    def make_read_only(self) -> None:
        """Shown but not editable (a submitted ward): disabled inputs are neither focused nor posted."""
        for name in self.EDITABLE:
            self.fields[name].widget.attrs["disabled"] = True

    def user_changed(self) -> bool:
        """Whether the user edited the numbers or the note since the grid was loaded."""
        return any(name in self.changed_data for name in self.EDITABLE)

    def to_change(self) -> CountChange:
        data = self.cleaned_data
        return CountChange(
            association_id=self.association.pk,
            households=data.get(HOUSEHOLDS),
            member_households=data.get(MEMBERS),
            note=(data.get(NOTE) or "").strip(),
            base_version=data.get("version") or 0,
            confirm_members_over=bool(data.get(CONFIRM)),
        )

    def error_id(self, name: str) -> str:
        return f"{self[name].auto_id}-errors"

    def mark_errors(self) -> None:
        """Point each field with errors at its messages (aria-describedby) and flag it invalid."""
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
                self.describe(name, self.error_id(name))

    def describe(self, name: str, *ids: str) -> None:
        """Add element ids to the field's aria-describedby."""
        current = self._describedby.get(name, "")
        self._describedby[name] = " ".join(filter(None, [current, *ids]))
        if self._describedby[name]:
            self.fields[name].widget.attrs["aria-describedby"] = self._describedby[name]


def count_row_initial(current: HouseholdCount | None) -> dict:
    if current is None:
        return {"version": 0, "note": ""}
    return {
        HOUSEHOLDS: current.households,
        MEMBERS: current.member_households,
        NOTE: current.note,
        "version": current.version,
    }


class GridReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("修正理由"),
        required=False,
        max_length=500,
        help_text=labelled(
            _("承認済みの%(area)sの世帯数を変更する場合に入力してください（市の管理者は省略できます）。")
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def parse_survey_date(text: str) -> dt.date | None:
    """A survey date from a URL segment (YYYY-MM-DD), or None."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
