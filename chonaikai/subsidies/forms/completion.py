"""Forms after the decision: the completion report (実績報告: actual lines and receipts) and the
claim (交付請求: the account the confirmed amount is paid into)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import PaymentClaim
from .fields import (
    ACCEPT,
    _comment_field,
    attachment_help,
)

# ---------------------------------------------------------------------------------------------
# Completion report
# ---------------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class CompletionReportForm(forms.Form):
    receipts = MultipleFileField(label=_("領収書"), required=False)
    comment = _comment_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        more = gettext("複数のファイルをまとめて選べます。既に添付した領収書があれば省略できます。")
        self.fields["receipts"].help_text = f"{attachment_help()} {more}"
        self.fields["receipts"].widget.attrs["accept"] = ACCEPT


class ClaimForm(forms.Form):
    """交付請求 (請求書): the account the confirmed amount is paid into (振込先)."""

    bank_name = forms.CharField(
        label=_("金融機関名"), max_length=60, help_text=_("例: 北洋銀行、北海道信用金庫、ゆうちょ銀行")
    )
    branch_name = forms.CharField(label=_("支店名"), max_length=60, help_text=_("例: 本店営業部、中央支店"))
    account_type = forms.ChoiceField(
        label=_("預金種目"),
        choices=PaymentClaim.AccountType.choices,
        initial=PaymentClaim.AccountType.ORDINARY,
        widget=forms.RadioSelect,
    )
    account_number = forms.CharField(
        label=_("口座番号"),
        max_length=10,
        help_text=_(
            "7桁の数字です。通帳の表紙の裏などに書いてあります。ゆうちょ銀行の口座は、記号・番号ではなく、"
            "通帳に書いてある振込用の店名（〇一八 など、支店名の欄へ）と口座番号（7桁）を入力してください。"
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_holder_kana = forms.CharField(
        label=_("口座名義（カナ）"),
        max_length=100,
        help_text=_("通帳のとおりに全角カタカナで入力してください。例: チュウオウテストチョウナイカイ"),
    )

    @classmethod
    def initial_for(cls, claim: PaymentClaim | None) -> dict:
        if claim is None:
            return {}
        return {name: getattr(claim, name) for name in cls.base_fields}
