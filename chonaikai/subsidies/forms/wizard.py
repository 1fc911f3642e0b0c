"""Forms of the application wizard: step 1 (a new or a paper application), the programme and
purpose steps, the expense lines (a formset) and attachments."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from chonaikai.associations.models import Association
from chonaikai.associations.widgets import SearchableSelect, association_search_text

from .. import wording
from ..models import Application, ExpenseLine, Hall, Programme
from ..services import HallInput, LineInput
from .fields import (
    ACCEPT,
    YenField,
    _date_field,
    attachment_help,
)

# ---------------------------------------------------------------------------------------------
# The application wizard
# ---------------------------------------------------------------------------------------------


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Programme) -> str:
        return gettext("%(name)s（%(fiscal_year)s）") % {
            "name": obj.name,
            "fiscal_year": wording.fiscal_year_text(obj.fiscal_year),
        }


def hall_search_text(hall: Hall) -> str:
    return f"{association_search_text(hall.association)} {hall.name}"


class HallChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, with_association: bool = False, **kwargs):
        self.with_association = with_association
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Hall) -> str:
        if self.with_association:
            return gettext("%(association)s：%(hall)s") % {
                "association": obj.association.name,
                "hall": obj.name,
            }
        return obj.name


def category_choices(programmes) -> list[tuple[str, str]]:
    """The categories of the programmes that have some (e.g. a meeting-hall programme), once each, in order;
    only those open to applicants (a rule still 「要綱で要確認」 takes no applications)."""
    seen: dict[str, str] = {}
    for programme in programmes:
        for rule in programme.rules.all():
            if rule.category and not rule.needs_confirmation and rule.category not in seen:
                seen[rule.category] = rule.name
    return list(seen.items())


class _ProgrammeFields(forms.Form):
    """Programme, category and hall: what the first step asks."""

    programme = ProgrammeChoiceField(
        label=_("申請する補助金"),
        queryset=Programme.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("申請する補助金を選んでください。")},
    )
    category = forms.ChoiceField(
        label=_("区分"),
        required=False,
        help_text=_("区分のある補助金のときだけ選んでください。"),
    )
    hall = HallChoiceField(
        label=_("対象の会館"),
        required=False,
        queryset=Hall.objects.none(),
        empty_label=_("（選んでください）"),
        help_text=_("会館が必要な補助金のときだけ選んでください。"),
    )

    def __init__(self, *args, programmes, halls, with_association: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        programmes = list(programmes)
        self.fields["programme"].queryset = Programme.objects.filter(pk__in=[p.pk for p in programmes])
        categories = category_choices(programmes)
        self.fields["category"].choices = [("", _("（選んでください）")), *categories]
        if with_association:
            # Staff choose among the halls of every association they look after: found by either name.
            self.fields["hall"].widget = SearchableSelect(search_text=hall_search_text)
        self.fields["hall"].queryset = halls  # after the widget: the queryset gives it its choices
        self.fields["hall"].with_association = with_association
        if not categories:
            del self.fields["category"]
            del self.fields["hall"]
        else:
            # Name the programmes from their rules (which have categories, which need a hall).
            with_categories = [p.name for p in programmes if any(r.category for r in p.rules.all())]
            with_hall = [p.name for p in programmes if any(r.requires_hall for r in p.rules.all())]
            self.fields["category"].help_text = gettext("%(programmes)sのときだけ選んでください。") % {
                "programmes": gettext("・").join(with_categories)
            }
            if with_hall:
                self.fields["hall"].help_text = gettext("%(programmes)sのときだけ選んでください。") % {
                    "programmes": gettext("・").join(with_hall)
                }

    def values(self) -> dict:
        data = self.cleaned_data
        hall = data.get("hall")
        return {
            "programme_id": data["programme"].pk,
            "category": data.get("category") or "",
            "hall_id": hall.pk if hall else None,
        }


class PaperApplicationForm(_ProgrammeFields):
    """A paper application entered by ward staff: whose, which programme, the scan and the day received."""

    association = forms.ModelChoiceField(
        label=_("申請した町内会"),
        queryset=Association.objects.none(),
        empty_label=_("（選んでください）"),
        error_messages={"required": _("申請した町内会を選んでください。")},
        widget=SearchableSelect,
    )
    received_on = _date_field(
        _("申請書の受付日"),
        required=True,
        error_messages={"required": _("申請書の受付日を入力してください。")},
        help_text=_("窓口で紙の申請書を受け取った日です。受付期間はこの日で判定します。"),
    )
    scanned_form = forms.FileField(
        label=_("紙の申請書（スキャンしたファイル）"),
        error_messages={"required": _("紙の申請書をスキャンしたファイルを添付してください。")},
    )
    field_order = ["association", "programme", "category", "hall", "received_on", "scanned_form"]

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, with_association=True, **kwargs)
        field = self.fields["association"]
        if associations.order_by().values("ward_id").distinct()[:2].count() > 1:
            # The city's list holds every ward's associations: each names its ward, which finds it too.
            associations = associations.select_related("ward")
            field.label_from_instance = lambda a: f"{a.ward.name}　{a}"  # i18n: data (two names)
            field.widget.search_text = lambda a: f"{a.ward.name} {association_search_text(a)}"
        field.queryset = associations
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["scanned_form"].help_text = attachment_help()
        self.fields["scanned_form"].widget.attrs["accept"] = ACCEPT
        self.order_fields(self.field_order)


class AreaField(forms.DecimalField):
    """延床面積 in m², as written on a plan: 「120.5」「１２０．５」「120.5㎡」「120.5m2」."""

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip().replace(",", "")
            for unit in ("m²", "m2", "平方メートル"):  # i18n: data (units as typed; NFKC turns ㎡ into m2)
                value = value.removesuffix(unit).strip()
        return super().to_python(value)


class _StepOneFields(forms.Form):
    """The first step of an association's application: the category, and the hall it needs —
    chosen from the register or registered here (「区の確認待ち」 until the ward checks it)."""

    category = forms.ChoiceField(
        label=_("区分"),
        help_text=_(
            "補助を受ける工事などの種類です。区分ごとの補助率・上限額は補助金の説明ページにあります。"
        ),
        error_messages={"required": _("区分を選んでください。")},
    )
    hall = HallChoiceField(
        label=_("登録済みの会館から選ぶ"),
        required=False,
        queryset=Hall.objects.none(),
        empty_label=_("（選んでください）"),
    )
    hall_name = forms.CharField(label=_("会館名"), required=False, max_length=120)
    hall_address = forms.CharField(
        label=_("所在地"),
        required=False,
        max_length=200,
        help_text=_("例: 〇〇市〇〇町1丁目2番3号"),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    hall_floor_area = AreaField(
        label=_("延床面積（m²）"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        help_text=_("建物の図面や登記にある延床面積です。例: 120.5"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": _("延床面積は 120.5 のように数字で入力してください。")},
    )
    hall_tenure = forms.ChoiceField(
        label=_("所有・借上げ"), required=False, choices=Hall.Tenure.choices, widget=forms.RadioSelect
    )
    hall_year_built = forms.IntegerField(
        label=_("建築年（西暦）"),
        required=False,
        min_value=1868,
        max_value=2100,
        help_text=_("例: 1985（昭和60年）。わからなければ空欄のままで構いません。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": _("建築年は 1985 のように西暦の数字で入力してください。")},
    )
    NEW_HALL_FIELDS = ("hall_name", "hall_address", "hall_floor_area", "hall_year_built")

    def _set_up(self, *, categories, halls, needs_hall: bool) -> None:
        """`categories`: (code, name) of the categories open to applicants; `needs_hall`: whether
        any of them needs a hall. Fields the programme does not need are removed."""
        if categories:
            self.fields["category"].choices = [("", _("（選んでください）")), *categories]
        else:
            del self.fields["category"]
        if needs_hall:
            self.fields["hall"].queryset = halls
            self.fields["hall_tenure"].initial = Hall.Tenure.OWNED
            if not halls.exists():
                del self.fields["hall"]
        else:
            for name in ("hall", "hall_tenure", *self.NEW_HALL_FIELDS):
                del self.fields[name]

    @property
    def asks_for_hall(self) -> bool:
        return "hall_name" in self.fields

    def registers_hall(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return self.asks_for_hall and any(data.get(name) not in (None, "") for name in self.NEW_HALL_FIELDS)

    def clean(self):
        data = super().clean()
        if self.registers_hall():
            if data.get("hall"):
                self.add_error(
                    "hall", _("登録済みの会館を選ぶか、新しく登録するか、どちらか一方にしてください。")
                )
            for name, message in (
                ("hall_name", _("会館名を入力してください。")),
                ("hall_address", _("会館の所在地を入力してください。")),
                ("hall_floor_area", _("会館の延床面積を入力してください。")),
            ):
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, message)
        return data

    def new_hall(self) -> HallInput | None:
        if not self.registers_hall():
            return None
        data = self.cleaned_data
        return HallInput(
            name=data["hall_name"].strip(),
            address=data["hall_address"].strip(),
            floor_area_m2=data["hall_floor_area"],
            tenure=data.get("hall_tenure") or Hall.Tenure.OWNED,
            year_built=data.get("hall_year_built"),
        )

    def step_values(self) -> dict:
        hall = self.cleaned_data.get("hall")
        return {
            "category": self.cleaned_data.get("category") or "",
            "hall_id": hall.pk if hall else None,
            "new_hall": self.new_hall(),
        }


class NewApplicationForm(_StepOneFields):
    """Step 1 for an association's leader, reached from the programme's page: the programme is that
    page's (a hidden field, never chosen again); the category and hall where the programme has them."""

    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("申請する補助金を選んでください。"),
            "invalid_choice": _("この補助金はいま申請を受け付けていません。"),
        },
    )

    def __init__(self, *args, programme: Programme, open_programmes, categories, halls, needs_hall, **kwargs):
        super().__init__(*args, initial={"programme": programme.pk}, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(pk__in=[p.pk for p in open_programmes])
        self._set_up(categories=categories, halls=halls, needs_hall=needs_hall)

    def values(self) -> dict:
        return {"programme_id": self.cleaned_data["programme"].pk, **self.step_values()}


class ProgrammeStepForm(_StepOneFields):
    """Step 1 of an existing draft: the programme is fixed; its category and hall may change."""

    def __init__(self, *args, application: Application, categories, halls, needs_hall=True, **kwargs):
        initial = {"category": application.category, "hall": application.hall_id}
        super().__init__(*args, initial=initial, **kwargs)
        self._set_up(categories=categories, halls=halls, needs_hall=bool(categories) and needs_hall)

    def values(self) -> dict:
        if "category" not in self.fields:
            return {}
        return self.step_values()


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("事業の目的・内容"),
        required=False,
        max_length=4000,
        help_text=_("何のために、何をするかを書いてください。提出するときには必ず入力してください。"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    planned_start = _date_field(_("事業開始予定日"))
    planned_end = _date_field(_("事業完了予定日"))

    @classmethod
    def initial_for(cls, app: Application) -> dict:
        return {"purpose": app.purpose, "planned_start": app.planned_start, "planned_end": app.planned_end}

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ("purpose", "planned_start", "planned_end")}


class LineForm(forms.Form):
    """One expense line. A row left entirely empty is ignored; a partly filled one must be completed."""

    description = forms.CharField(
        label=_("内容"),
        required=False,
        max_length=ExpenseLine._meta.get_field("description").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "line-description"}),
    )
    kind = forms.ChoiceField(label=_("経費の種類"), required=False)
    amount = YenField(label=_("金額（円）"), required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("（選んでください）")), *kinds]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) not in (None, "") for name in ("description", "kind", "amount"))

    def clean(self):
        data = super().clean()
        if self.is_blank or data.get("DELETE"):
            return data
        if not (data.get("description") or "").strip() and "description" not in self.errors:
            self.add_error("description", _("内容を入力してください。"))
        if not data.get("kind") and "kind" not in self.errors:
            self.add_error("kind", _("経費の種類を選んでください。"))
        if data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", _("金額を入力してください。"))
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, kinds=(), **kwargs):
        self.kinds = list(kinds)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "kinds": self.kinds}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            renderer=self.renderer,
            kinds=self.kinds,
        )
        self.add_fields(form, None)
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("この行を削除")

    def lines(self) -> list[LineInput]:
        """The filled, not deleted rows as the services take them (after is_valid())."""
        return [
            LineInput(
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"].strip(),
                amount=form.cleaned_data["amount"],
            )
            for form in self.forms
            if form.is_valid() and not form.is_blank and not form.cleaned_data.get("DELETE")
        ]


BLANK_ROWS = 3
LINES_PREFIX = "lines"
LineFormSet = forms.formset_factory(
    LineForm, formset=BaseLineFormSet, extra=BLANK_ROWS, can_delete=True, max_num=100, absolute_max=200
)


def line_formset(
    data=None, *, kinds, lines=(), add_rows: int = 0, extra: int = BLANK_ROWS
) -> BaseLineFormSet:
    """The lines form: the saved lines then `extra` empty rows; bound to `data` after a post.

    `add_rows` adds that many empty rows to a posted form (the 「行を追加」 button).
    """
    if data is not None:
        if add_rows:
            data = data.copy()
            key = f"{LINES_PREFIX}-TOTAL_FORMS"
            try:
                data[key] = str(min(int(data.get(key, 0)) + add_rows, 100))
            except ValueError:
                pass
        return LineFormSet(data, prefix=LINES_PREFIX, kinds=kinds)
    initial = [{"description": x.description, "kind": x.kind, "amount": x.amount} for x in lines]
    formset_class = LineFormSet
    if extra != BLANK_ROWS:
        formset_class = forms.formset_factory(
            LineForm,
            formset=BaseLineFormSet,
            extra=max(extra, 0),
            can_delete=True,
            max_num=100,
            absolute_max=200,
        )
    return formset_class(initial=initial, prefix=LINES_PREFIX, kinds=kinds)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("書類の種類"))
    file = forms.FileField(label=_("ファイル"), required=False)

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        """`kinds`: selectors.attachment_kinds of the application's programme (the documents its page
        lists, then 「その他」)."""
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["file"].help_text = attachment_help()
        self.fields["file"].widget.attrs["accept"] = ACCEPT
