"""Forms of the counts import page that are not the upload's own (forms_registry.CountsUploadForm)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .importer import MAPPABLE_COLUMNS, REQUIRED_COLUMNS


class ColumnMappingForm(forms.Form):
    """Which of the file's headings holds each required column, and 備考 if the file has one
    (services.columns)."""

    def __init__(self, *args, headings: list[str], initial_columns: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("（選んでください）")), *((h, h) for h in headings)]
        initial_columns = initial_columns or {}
        for index, column in enumerate(MAPPABLE_COLUMNS):
            required = column in REQUIRED_COLUMNS
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column,
                choices=choices if required else [("", _("（なし）")), *choices[1:]],
                initial=initial_columns.get(column, column if column in headings else ""),
                required=required,
                help_text="" if required else _("備考の列がなければ「（なし）」のままにしてください。"),
                error_messages={"required": _("この列に当たる見出しを選んでください。")},
            )

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(f"column_{i}") for i in range(len(MAPPABLE_COLUMNS))]
        picked = [c for c in chosen if c]
        if len(picked) != len(set(picked)):
            raise forms.ValidationError(
                _("同じ見出しを2つの列に選んでいます。列ごとに別の見出しを選んでください。")
            )
        return cleaned

    @property
    def mapping(self) -> dict[str, str]:
        chosen = {column: self.cleaned_data.get(f"column_{i}") for i, column in enumerate(MAPPABLE_COLUMNS)}
        return {column: heading for column, heading in chosen.items() if heading}
