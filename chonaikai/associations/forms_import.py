"""Forms of the counts import page that are not the upload's own (forms_registry.CountsUploadForm)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .importer import REQUIRED_COLUMNS


class ColumnMappingForm(forms.Form):
    """Which of the file's headings holds each required column (services.columns)."""

    def __init__(self, *args, headings: list[str], initial_columns: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("（選んでください）")), *((h, h) for h in headings)]
        initial_columns = initial_columns or {}
        for index, column in enumerate(REQUIRED_COLUMNS):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column,
                choices=choices,
                initial=initial_columns.get(column, column if column in headings else ""),
                error_messages={"required": _("この列に当たる見出しを選んでください。")},
            )

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(f"column_{i}") for i in range(len(REQUIRED_COLUMNS))]
        picked = [c for c in chosen if c]
        if len(picked) != len(set(picked)):
            raise forms.ValidationError(
                _("同じ見出しを2つの列に選んでいます。列ごとに別の見出しを選んでください。")
            )
        return cleaned

    @property
    def mapping(self) -> dict[str, str]:
        return {column: self.cleaned_data[f"column_{i}"] for i, column in enumerate(REQUIRED_COLUMNS)}
