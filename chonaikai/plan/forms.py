from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from chonaikai.associations.templatetags.japanese import fylabel


def fiscal_year_choice_label(year: int) -> str:
    """令和10年度（2028） on a Japanese page; FY2028 on an English one (the era means nothing there)."""
    if (get_language() or "ja").startswith("ja"):
        return _("%(label)s（%(year)s）") % {"label": fylabel(year), "year": year}
    return fylabel(year)


class IndicatorValueForm(forms.Form):
    """Record one indicator's value for one fiscal year. The service checks the year and precision."""

    indicator = forms.ModelChoiceField(label=_("成果指標"), queryset=None, to_field_name="code")
    fiscal_year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    value = forms.DecimalField(label=_("値"), max_digits=15, decimal_places=2, min_value=0)
    note = forms.CharField(label=_("備考（出典・調査名など）"), max_length=300, required=False)

    def __init__(self, *args, indicators, fiscal_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators
        self.fields["indicator"].label_from_instance = lambda i: (
            _("%(name)s（%(unit)s）")
            % {
                "name": i.name,
                "unit": i.unit,
            }
        )
        self.fields["fiscal_year"].choices = [(y, fiscal_year_choice_label(y)) for y in fiscal_years]
