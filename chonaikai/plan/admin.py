from django.contrib import admin

from .models import Indicator, IndicatorValue


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """Read-only: the indicators come from the plan (a data migration); values are recorded at /plan/record/."""

    list_display = ("order", "code", "name", "unit", "baseline_value", "target_value", "linked_target_metric")
    list_display_links = ("code", "name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    """Read-only: recording goes through services.indicator_value_record, which writes the audit event."""

    list_display = ("indicator", "fiscal_year", "value", "recorded_by", "recorded_at")
    list_filter = ("indicator",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
