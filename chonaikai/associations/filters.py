"""The association list's search box and filters (GET parameters q, ward, district, federation, status)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from chonaikai.cities.texts import labelled
from wards.models import District, Ward

from .models import Association, Federation


class WardPrefixedChoiceField(forms.ModelChoiceField):
    """Districts and federations are listed city-wide, so each label starts with its ward's name."""

    def label_from_instance(self, obj):
        return f"{obj.ward.name}　{obj.name}"  # i18n: data (two names)


class WardPrefixedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = WardPrefixedChoiceField


class AssociationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("名称・よみがな"),
        method="filter_search",
        help_text=_("ひらがな・カタカナ、全角・半角のどちらで入力しても探せます。"),
    )
    # Filters take codes, not database ids, so that a filtered list's address is meaningful.
    ward = django_filters.ModelChoiceFilter(
        queryset=Ward.objects.all(),
        to_field_name="code",
        label=labelled("%(area)s"),
        empty_label=labelled(_("すべての%(area)s")),
    )
    district = WardPrefixedChoiceFilter(
        queryset=District.objects.select_related("ward"),
        to_field_name="code",
        label=labelled(_("%(district)s地区")),
        empty_label=_("すべての地区"),
    )
    federation = WardPrefixedChoiceFilter(
        queryset=Federation.objects.select_related("ward"),
        to_field_name="code",
        label=_("連合町内会"),
        empty_label=_("すべての連合町内会"),
    )
    status = django_filters.ChoiceFilter(
        choices=Association.Status.choices, label=_("状態"), empty_label=_("すべての状態")
    )

    class Meta:
        model = Association
        fields = ["q", "ward", "district", "federation", "status"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)
