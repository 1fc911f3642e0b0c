from django import forms
from django.utils.translation import gettext_lazy as _

from chonaikai.associations.templatetags.japanese import jdate

from .metrics import DEFAULT_METRIC, METRICS


class WardMapForm(forms.Form):
    """The map's choices, sent by GET: a survey date that has counts and a metric."""

    survey_date = forms.TypedChoiceField(label=_("調査基準日"), required=False, coerce=str, empty_value=None)
    metric = forms.ChoiceField(
        label=_("表示する指標"),
        required=False,
        choices=[(m.key, m.label) for m in METRICS.values()],
    )

    def __init__(self, *args, survey_dates, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey_dates = list(survey_dates)
        self.fields["survey_date"].choices = [(d.isoformat(), jdate(d)) for d in self.survey_dates]

    def clean_survey_date(self):
        value = self.cleaned_data.get("survey_date")
        if not value:
            return self.survey_dates[0] if self.survey_dates else None
        return next(d for d in self.survey_dates if d.isoformat() == value)

    def clean_metric(self):
        return self.cleaned_data.get("metric") or DEFAULT_METRIC
