from django import forms
from django.utils.translation import gettext_lazy as _

from chonaikai.associations.rules import fiscal_year_label


class IndicatorValueForm(forms.Form):
    """Record one indicator's value for one fiscal year. The service checks the year and precision."""

    indicator = forms.ModelChoiceField(label=_("成果指標"), queryset=None, to_field_name="code")
    fiscal_year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    value = forms.DecimalField(label=_("値"), max_digits=15, decimal_places=2, min_value=0)
    note = forms.CharField(label=_("備考（出典・調査名など）"), max_length=300, required=False)

    def __init__(self, *args, indicators, fiscal_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators
        self.fields["indicator"].label_from_instance = lambda i: f"{i.name}（{i.unit}）"
        self.fields["fiscal_year"].choices = [(y, f"{fiscal_year_label(y)}（{y}）") for y in fiscal_years]
