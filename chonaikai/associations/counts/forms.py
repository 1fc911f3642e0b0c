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


class _PlainCopy:
    """copy.copy as a plain copy of the attributes: what the copy module's reduce protocol does for
    these fields and widgets, without its overhead. Django copies every field and widget of a form
    for each form made, and the entry grid makes a form per row (~3,000 copies a grid)."""

    def __copy__(self):
        obj = object.__new__(type(self))
        obj.__dict__.update(self.__dict__)
        return obj


class _DirectInput(_PlainCopy):
    """An <input> written directly instead of through the form renderer's templates.

    The same markup as Django's input.html and attrs.html. The entry grid shows a ward's every
    association with about eight inputs each (visible, initial and version fields): through the
    templates, a ward of 220 associations took ~300 ms to render, nearly all of it in widget
    templates; written directly, a tenth of that.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        return mark_safe(input_tag(widget["type"], widget["name"], widget["value"], widget["attrs"]))


def input_tag(input_type: str, name: str, value, attrs: dict) -> str:
    """<input> as Django's input.html and attrs.html write it (True: a bare attribute; False and
    None: none), every value escaped. The standard library's escape (the same five characters as
    Django's): Django's keep_lazy wrappers around escape/format_html cost more than the markup."""
    parts = [f'<input type="{input_type}" name="{escape(name)}"']
    if value is not None:
        parts.append(f' value="{escape(str(value))}"')
    for attr, value in attrs.items():
        if value is True:
            parts.append(f" {attr}")
        elif value is not False and value is not None:
            parts.append(f' {attr}="{escape(str(value))}"')
    parts.append(">")
    return "".join(parts)


class DirectTextInput(_DirectInput, forms.TextInput):
    pass


class DirectHiddenInput(_DirectInput, forms.HiddenInput):
    pass


class DirectCheckboxInput(_DirectInput, forms.CheckboxInput):
    pass


class CountField(_PlainCopy, forms.Field):
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


class NoteField(_PlainCopy, forms.CharField):
    hidden_widget = DirectHiddenInput


class _BooleanField(_PlainCopy, forms.BooleanField):
    pass


class _IntegerField(_PlainCopy, forms.IntegerField):
    pass


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
    confirm_members_over = _BooleanField(
        label=_("加入世帯数が区域内世帯数を上回っていることを確認しました"),
        required=False,
        widget=DirectCheckboxInput,
    )
    version = _IntegerField(min_value=0, widget=DirectHiddenInput)

    EDITABLE = (HOUSEHOLDS, MEMBERS, NOTE)

    def __init__(self, *args, association, describedby: dict[str, str] | None = None, **kwargs):
        self.association = association
        kwargs.setdefault("prefix", f"a{association.pk}")
        super().__init__(*args, **kwargs)
        self._describedby = dict(describedby or {})
        for name in self.EDITABLE:
            self.describe(name)

    def field_html(self, name: str) -> str:
        """str(self[name]): the field's <input> and, with show_hidden_initial, the hidden input of the
        value the row was loaded with, written as Django's BoundField.as_widget writes them but
        without its BoundField and widget contexts (the grid writes eight inputs on each of 300
        rows and more). For this form's fields (the Direct* widgets, the default auto_id);
        tests/rounds/test_grid_rows.py holds the two to the same markup in every state of a row."""
        field = self.fields[name]
        widget = field.widget
        html_name = self.add_prefix(name)
        auto_id = self.auto_id % html_name
        initial = self.get_initial_for_field(field, name)
        value = initial
        if self.is_bound:
            value = field.bound_data(widget.value_from_datadict(self.data, self.files, html_name), initial)
        value = field.prepare_value(value)
        errors = self.errors.get(name)
        # BoundField.build_widget_attrs: the attributes the field and its state add to the widget's.
        extra = {}
        if widget.use_required_attribute(initial) and field.required and self.use_required_attribute:
            extra["required"] = True
        if field.disabled:
            extra["disabled"] = True
        shared = dict(extra)  # what the hidden initial input gets too
        if not widget.is_hidden and errors:
            extra["aria-invalid"] = "true"
        if not widget.attrs.get("aria-describedby") and not widget.use_fieldset and not widget.is_hidden:
            described = ([f"{auto_id}_helptext"] if field.help_text else []) + (
                [f"{auto_id}_error"] if errors else []
            )
            if described:
                extra["aria-describedby"] = shared["aria-describedby"] = " ".join(described)
        if "id" not in widget.attrs:
            extra["id"] = auto_id
        if isinstance(widget, forms.CheckboxInput) and widget.check_test(value):
            extra["checked"] = True
        html = input_tag(widget.input_type, html_name, widget.format_value(value), {**widget.attrs, **extra})
        if field.show_hidden_initial:
            hidden = field.hidden_widget()
            initial_name = self.add_initial_prefix(name)
            if initial_name in self.data:
                value = hidden.value_from_datadict(self.data, self.files, initial_name)
            shared.setdefault("id", self.add_initial_prefix(auto_id))
            html += input_tag(hidden.input_type, initial_name, hidden.format_value(value), shared)
        return mark_safe(html)  # input_tag escapes every value

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
