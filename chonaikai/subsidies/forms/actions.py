"""Forms of the workflow's actions: a comment (optional, or required for a return), the decision
(交付決定 with its amount, 不交付 with its reason) and the payment."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import (
    YenField,
    _comment_field,
    _date_field,
)


class CommentForm(forms.Form):
    comment = _comment_field()


# ---------------------------------------------------------------------------------------------
# Ward and city actions
# ---------------------------------------------------------------------------------------------


class RequiredCommentForm(forms.Form):
    comment = _comment_field()

    def __init__(self, *args, label, required_message, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"] = _comment_field(label, required=True, required_message=required_message)


class ApproveForm(forms.Form):
    amount = YenField(
        label=_("交付決定額（円）"),
        help_text=_("算定額以下で入力してください。予算の残額を超える額は決定できません。"),
        error_messages={"required": _("交付決定額を入力してください。")},
    )
    comment = _comment_field()


class RejectForm(forms.Form):
    reason = _comment_field(
        _("不交付決定の理由"),
        required=True,
        required_message=_("不交付決定の理由を入力してください。"),
        help_text=_("町内会に通知されます。分かりやすい言葉で書いてください。"),
    )


class PayForm(forms.Form):
    paid_on = _date_field(
        _("支払日"), required=True, error_messages={"required": _("支払日を入力してください。")}
    )
    amount = YenField(label=_("支払額（円）"), help_text=_("確定額以下で入力してください。"))
    comment = _comment_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
