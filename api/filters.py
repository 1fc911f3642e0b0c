"""Filtersets for the API's lists. Associations reuse the pages' AssociationFilter (same parameters).

Every filter takes codes, never database ids. An unknown ward, district or federation code is a
400 with the field named, not an empty list, so that a typo is noticed.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter

from chonaikai.associations.filters import AssociationFilter
from chonaikai.associations.models import Association, Federation, HouseholdCount
from chonaikai.cities.texts import labelled
from wards.models import District, Ward


def _ward_filter(field_name="ward"):
    return django_filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=Ward.objects.all(),
        to_field_name="code",
        label=labelled(_("%(area)sコード")),
    )


class DistrictFilter(django_filters.FilterSet):
    ward = _ward_filter()

    class Meta:
        model = District
        fields = ["ward"]


class FederationFilter(django_filters.FilterSet):
    ward = _ward_filter()
    district = django_filters.ModelChoiceFilter(
        queryset=District.objects.all(), to_field_name="code", label=labelled(_("%(district)s地区コード"))
    )

    class Meta:
        model = Federation
        fields = ["ward", "district"]


class PresentDateField(forms.DateField):
    """A date parameter that, when given, must be a date: "survey_date=" is an error, not "no filter"."""

    def clean(self, value):
        if value == "":
            raise forms.ValidationError(_("日付を YYYY-MM-DD の形で指定してください。"), code="required")
        return super().clean(value)


class PresentDateFilter(django_filters.DateFilter):
    field_class = PresentDateField


class PresentChoiceField(django_filters.fields.ChoiceField):
    """A choice parameter that, when given, must be one of the choices ("status=" included)."""

    def clean(self, value):
        if value == "":
            raise forms.ValidationError(_("選択肢のいずれかを指定してください。"), code="required")
        return super().clean(value)


class PresentChoiceFilter(django_filters.ChoiceFilter):
    field_class = PresentChoiceField


class ApiAssociationFilter(AssociationFilter):
    """The association list page's filters; the API also refuses an empty status (the page's "all")."""

    status = PresentChoiceFilter(choices=Association.Status.choices, label=_("状態"), empty_label=None)

    class Meta(AssociationFilter.Meta):
        pass


class CountFilter(django_filters.FilterSet):
    survey_date = PresentDateFilter(label=_("調査基準日（YYYY-MM-DD）"))
    ward = _ward_filter("association__ward")
    association = django_filters.CharFilter(field_name="association__code", label=_("町内会コード"))

    class Meta:
        model = HouseholdCount
        fields = ["survey_date", "ward", "association"]


class StrictOrderingFilter(OrderingFilter):
    """`ordering` as DRF's, but an unknown field is a 400 instead of being silently ignored."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is not None:
            fields = [param.strip() for param in params.split(",")]
            allowed = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [f for f in fields if f.lstrip("-") not in allowed]
            if unknown:
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            _("並べ替えに使えない項目です: %(fields)s（使えるもの: %(allowed)s）")
                            % {"fields": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if fields and fields != "__all__":
            choices = [prefix + f for f in fields for prefix in ("", "-")]
            for parameter in parameters:
                if parameter["name"] == self.ordering_param:
                    parameter["schema"] = {"type": "string", "enum": choices}
                    parameter["description"] = str(_("並べ替え（- を付けると降順）"))
        return parameters
