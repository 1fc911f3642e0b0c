"""Forms of the ward offices' register work: associations (register, edit, dissolve, merge), the
counts upload and the workbook downloads.

Forms only parse and check what was typed; the rules (scope, same ward, dates against counts…) are
the services' (services.registry, services.counts). Service errors come back onto the form through
add_service_errors, next to the field they are about.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from chonaikai.accounts import policy
from chonaikai.cities.current import labels
from chonaikai.cities.texts import labelled
from wards.models import District, Ward

from .. import code_format
from ..imports import importer
from ..models import Association, Federation
from ..templatetags.japanese import jdate
from ..widgets import SearchableCheckboxSelectMultiple, SearchableSelect
from .services import EDITABLE_FIELDS, PERSONAL_FIELDS

UPLOAD_SUFFIXES = (".xlsx", ".csv")


def max_upload_bytes() -> int:
    return importer.max_upload_bytes()


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: by field where the form has that field."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class WardChoiceField(forms.ModelChoiceField):
    """Wards by code, so addresses and forms name a ward the way people do."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, to_field_name="code", **kwargs)

    def label_from_instance(self, obj):
        return obj.name


class SurveyDateChoiceField(forms.TypedChoiceField):
    def __init__(self, dates, **kwargs):
        super().__init__(
            choices=[(d.isoformat(), jdate(d)) for d in dates],
            coerce=lambda value: forms.DateField().to_python(value),
            **kwargs,
        )


def _ward_field(user, *, required: bool, empty_label=None) -> WardChoiceField:
    """The wards the user may work on. A user with one ward gets it fixed (a disabled field keeps
    its initial value whatever is posted)."""
    wards = policy.wards_editable_by(user).order_by("code")
    only = list(wards[:2])
    label = labels().area
    if len(only) == 1:
        return WardChoiceField(wards, label=label, initial=only[0], disabled=True, empty_label=None)
    return WardChoiceField(wards, label=label, required=required, empty_label=empty_label)


# ---------------------------------------------------------------------------------------------
# Counts: upload and downloads
# ---------------------------------------------------------------------------------------------


class CountsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("取り込むファイル"),
        help_text=labelled(
            _("Excel（.xlsx）または CSV（.csv）。%(area)sの調査票に記入したものをそのまま選べます。")
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    survey_date = forms.DateField(label=_("調査基準日"), widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        area = {"area": labels().area}
        self.fields["ward"] = _ward_field(
            user, required=False, empty_label=_("すべての%(area)s（市全体）") % area
        )
        self.fields["ward"].help_text = _("選んだ%(area)sの町内会だけを取り込みます。") % area
        self.order_fields(["file", "survey_date", "ward"])
        self.file_data: bytes = b""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = PurePath(upload.name).name
        if PurePath(name).suffix.lower() not in UPLOAD_SUFFIXES:
            raise ValidationError(
                _(
                    "「%(name)s」は取り込めない形式です。Excel（.xlsx）か CSV（.csv）のファイルを選んでください。"
                ),
                params={"name": name},
            )
        limit = max_upload_bytes()
        if upload.size > limit:
            raise ValidationError(
                _("ファイルが大きすぎます（%(size)s）。%(limit)s 以下のファイルにしてください。"),
                params={"size": _megabytes(upload.size), "limit": _megabytes(limit)},
            )
        data = upload.read()
        if PurePath(name).suffix.lower() == ".xlsx":
            _check_xlsx(data, name)
        else:
            _check_csv(data, name)
        self.file_data = data
        return upload


class ImportReasonForm(forms.Form):
    """Why an upload changes counts of a ward whose counts are approved, or changes counts by more
    than rules.LARGE_CHANGE against the previous survey without a note (the preview page).

    For approved wards asked of ward staff only: a city administrator may change approved counts
    without a reason. A large change needs a reason from anyone (as on the grid).
    """

    reason = forms.CharField(
        label=_("変更理由"),
        max_length=500,
        help_text=labelled(
            _(
                "承認済みの%(area)sの世帯数の変更や、前回から20%%を超える変更（備考のない行）の理由です。"
                "履歴と操作記録に残ります。"
            )
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("変更理由を入力してください。")},
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _check_xlsx(data: bytes, name: str) -> None:
    """An .xlsx is a zip archive holding [Content_Types].xml; judge by content, not by name."""
    not_xlsx = ValidationError(
        _(
            "「%(name)s」は Excel（.xlsx）ファイルではありません。"
            "Excel で開いて「Excel ブック（.xlsx）」として保存し直してください。"
        ),
        params={"name": name},
    )
    if not data.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise not_xlsx from e
    if "[Content_Types].xml" not in {entry.filename for entry in entries}:
        raise not_xlsx
    _check_readable(data, name)


def _check_readable(data: bytes, name: str) -> None:
    """The importer's own checks (expansion, sheet extents, encoding): the API, the command and the
    task meet the same ones when they read the file."""
    try:
        importer.check_file(data, name)
    except importer.ImportFileError as e:
        raise ValidationError(str(e)) from e


def _check_csv(data: bytes, name: str) -> None:
    """A CSV is text in UTF-8 or Shift_JIS: no NUL bytes, not an archive, decodable."""
    if data.startswith(b"PK\x03\x04") or b"\x00" in data:
        raise ValidationError(
            _(
                "「%(name)s」は CSV（テキスト）ファイルではありません。"
                "Excel のファイルなら拡張子 .xlsx のまま選んでください。"
            ),
            params={"name": name},
        )
    _check_readable(data, name)


class WardTemplateForm(forms.Form):
    """The ward's entry template (GET)."""

    survey_date = forms.DateField(
        label=_("調査基準日"),
        required=False,
        widget=DateInput(),
        help_text=_("これから集める調査の基準日。前回の世帯数が参考として入ります。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ward"] = _ward_field(user, required=True)
        self.order_fields(["ward", "survey_date"])


class CityExportForm(forms.Form):
    """The city's published table for a survey date (GET)."""

    def __init__(self, *args, survey_dates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey_date"] = SurveyDateChoiceField(survey_dates, label=_("調査基準日"))


# ---------------------------------------------------------------------------------------------
# Associations
# ---------------------------------------------------------------------------------------------


class AssociationForm(forms.ModelForm):
    """Register (with a code) or edit an association of `ward`.

    Districts and federations are those of the ward. Representative and contact fields are left
    out unless `include_personal` (policy.can_view_personal_data).
    """

    comment = forms.CharField(
        label=_("変更の理由・メモ"),
        required=False,
        max_length=100,
        help_text=_("変更履歴に残ります（100字まで）。"),
    )

    class Meta:
        model = Association
        fields = ["code", *EDITABLE_FIELDS]
        widgets = {"founded_on": DateInput()}

    def __init__(self, *args, ward: Ward, include_personal: bool, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.fields["code"].help_text = _(
                "「%(prefix)s」に続く%(digits)s桁の番号。次の空き番号を入れてあります。"
            ) % {"prefix": f"{ward.code}-", "digits": code_format.number_digits()}
        else:
            del self.fields["code"]
        if not include_personal:
            for name in PERSONAL_FIELDS:
                del self.fields[name]
        words = labels()
        if words.has_districts:
            self.fields["district"].queryset = District.objects.filter(ward=ward).order_by("code")
            self.fields["district"].empty_label = _("（未設定）")
            self.fields["district"].label = _("%(district)s地区") % {"district": words.district}
        else:  # a city without districts: no district to choose
            del self.fields["district"]
        self.fields["federation"].queryset = Federation.objects.filter(ward=ward).order_by("code")
        self.fields["federation"].label = words.federation
        self.fields["federation"].empty_label = _("（%(federation)sに属さない）") % {
            "federation": words.federation
        }

    @property
    def personal_field_names(self) -> list[str]:
        return [name for name in PERSONAL_FIELDS if name in self.fields]

    def values(self) -> dict:
        """What the service takes: the editable fields this form has."""
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.fields}


class DissolveForm(forms.Form):
    dissolved_on = forms.DateField(label=_("解散日"), widget=DateInput())
    reason = forms.CharField(
        label=_("解散の理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("変更履歴に残ります（500字まで）。"),
    )


class AssociationMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class MergeForm(forms.Form):
    EXISTING, NEW = "existing", "new"

    predecessors = AssociationMultipleChoiceField(
        queryset=Association.objects.none(),
        to_field_name="code",
        label=_("合併により廃止する町内会"),
        widget=SearchableCheckboxSelectMultiple,
    )
    successor_kind = forms.ChoiceField(
        label=_("合併の形"),
        choices=[
            (EXISTING, _("既存の町内会に合併する（吸収合併）")),
            (NEW, _("新しい町内会を設立する（新設合併）")),
        ],
        widget=forms.RadioSelect,
        initial=EXISTING,
    )
    successor = forms.ModelChoiceField(
        queryset=Association.objects.none(),
        to_field_name="code",
        required=False,
        label=_("存続する町内会（吸収合併）"),
        empty_label=_("（選んでください）"),
        widget=SearchableSelect,
    )
    new_code = forms.CharField(
        label=_("新しい町内会の町内会コード（新設合併）"),
        required=False,
        max_length=code_format.CODE_MAX_LENGTH,
    )
    new_name = forms.CharField(label=_("新しい町内会の名前（新設合併）"), required=False, max_length=120)
    new_kana = forms.CharField(label=_("新しい町内会のよみがな（新設合併）"), required=False, max_length=240)
    merged_on = forms.DateField(label=_("合併日"), widget=DateInput())
    comment = forms.CharField(
        label=_("合併の経緯・メモ"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("変更履歴に残ります（500字まで）。"),
    )

    def __init__(self, *args, ward: Ward, suggested_code: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        active = Association.objects.active().in_ward(ward).order_by("code")
        self.fields["predecessors"].queryset = active
        self.fields["successor"].queryset = active
        if suggested_code:
            self.fields["new_code"].initial = suggested_code
            self.fields["new_code"].help_text = _("空欄にすると次の空き番号（%(code)s）になります。") % {
                "code": suggested_code
            }

    def clean(self):
        data = super().clean()
        if data.get("successor_kind") == self.EXISTING and not data.get("successor"):
            self.add_error("successor", _("存続する町内会を選んでください。"))
        if data.get("successor_kind") == self.NEW and not data.get("new_name"):
            self.add_error("new_name", _("新しい町内会の名前を入力してください。"))
        return data

    def new_successor(self) -> dict | None:
        if self.cleaned_data["successor_kind"] != self.NEW:
            return None
        return {
            "code": self.cleaned_data["new_code"],
            "name": self.cleaned_data["new_name"],
            "kana": self.cleaned_data["new_kana"],
        }
