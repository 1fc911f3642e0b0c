"""The fields every subsidy form uses: dates, amounts in yen as people write them (YenField,
through wording.parse_yen), comments, and the attachment types accepted."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import attachments, wording

ACCEPT = ",".join(ext for t in attachments.ACCEPTED for ext in t.extensions)
COMMENT_MAX = 2000


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}MB"


def attachment_help() -> str:
    return gettext(
        "PDF、JPEG・PNG画像、Excelファイル（.xlsx）を添付できます。1つのファイルは%(size)sまでです。"
    ) % {"size": _megabytes(attachments.max_bytes())}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date_field(label, *, required=False, error_messages=None, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"],  # i18n: data (formats read, not shown)
        error_messages={
            "invalid": _("日付は 2026-12-01 のように入力してください。"),
            **(error_messages or {}),
        },
        **kwargs,
    )


class YenField(forms.Field):
    """Whole yen as people write them (wording.parse_yen): 「30,000」「３００００」「3万円」 are 30000;
    negative and fractional amounts are refused."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "yen-input"})
    default_error_messages = {
        "invalid": _("金額は 30000 や 3万円 のように、円単位で入力してください。"),
        "negative": _("金額は0円以上で入力してください。"),
    }

    def to_python(self, value):
        if value in (None, "") or not str(value).strip():
            return None
        try:
            return wording.parse_yen(value)
        except wording.AmountNotReadable as e:
            raise forms.ValidationError(self.error_messages[e.reason], code=e.reason) from e


OPTIONAL_COMMENT = _("コメント（任意）")


def _comment_field(label=OPTIONAL_COMMENT, *, required=False, required_message=None, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=COMMENT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": required_message} if required_message else None,
    )
