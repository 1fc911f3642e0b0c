from django import forms
from django.utils.translation import gettext_lazy as _

from chonaikai.associations.templatetags.japanese import jdate
from chonaikai.cities.texts import labelled

from .metrics import DEFAULT_METRIC, METRICS

DEFAULT_LEVEL = "ward"


LEVEL_CHOICES = [
    ("ward", labelled("%(area)s")),
    ("district", labelled(_("%(district)s地区"))),
    ("association", _("町内会")),
]


class WardMapForm(forms.Form):
    """The map's choices, sent by GET: a survey date that has counts, a metric, a level, public mode.

    Every level is valid (a level without boundaries shows the table and how to import them); the
    select offers the ward level and the levels whose boundaries have been imported (`levels`).
    """

    survey_date = forms.TypedChoiceField(label=_("調査基準日"), required=False, coerce=str, empty_value=None)
    metric = forms.ChoiceField(
        label=_("表示する指標"),
        required=False,
        choices=[(m.key, m.label) for m in METRICS.values()],
    )
    level = forms.ChoiceField(label=_("地図の単位"), required=False, choices=LEVEL_CHOICES)
    # Signed-in staff can see the page as the public does; anonymous visitors always do.
    public = forms.BooleanField(label=_("公表用の表示（町内会の会館の位置を表示しない）"), required=False)

    def __init__(self, *args, survey_dates, levels=("ward",), **kwargs):
        super().__init__(*args, **kwargs)
        self.survey_dates = list(survey_dates)
        self.fields["survey_date"].choices = [(d.isoformat(), jdate(d)) for d in self.survey_dates]
        asked = self.data.get("level") if self.is_bound else None
        offered = [(key, label) for key, label in LEVEL_CHOICES if key in levels or key == asked]
        if len(offered) > 1:
            self.fields["level"].widget.choices = offered
        else:  # only wards: nothing to choose
            self.fields["level"].widget = forms.HiddenInput()

    def clean_survey_date(self):
        value = self.cleaned_data.get("survey_date")
        if not value:
            return self.survey_dates[0] if self.survey_dates else None
        return next(d for d in self.survey_dates if d.isoformat() == value)

    def clean_metric(self):
        return self.cleaned_data.get("metric") or DEFAULT_METRIC

    def clean_level(self):
        return self.cleaned_data.get("level") or DEFAULT_LEVEL


class SeriesMapForm(forms.Form):
    """The time view's metric, sent by GET."""

    metric = forms.ChoiceField(
        label=_("表示する指標"),
        required=False,
        choices=[(m.key, m.label) for m in METRICS.values()],
    )

    def clean_metric(self):
        return self.cleaned_data.get("metric") or DEFAULT_METRIC
