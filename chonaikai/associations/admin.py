from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Association,
    CountsUpload,
    Federation,
    HouseholdCount,
    RoundReminder,
    SurveyRound,
    Target,
    WardColumnMapping,
    WardProgress,
)
from .stats.services import AREA_FIELDS, summaries_refresh_associations


@admin.register(Federation)
class FederationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "ward", "district", "is_sample"]
    list_filter = ["ward", "is_sample"]
    search_fields = ["code", "name", "kana"]
    list_select_related = ["ward", "district"]


class ReadOnlyAdminMixin:
    """Counts and rounds change only through their services (grid, import, API): those check the
    approval lock, bump the optimistic-locking version and write the audit event. The admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HouseholdCountInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = HouseholdCount
    extra = 0
    fields = ["survey_date", "households", "member_households", "source", "note", "entered_at"]
    readonly_fields = fields
    ordering = ["-survey_date"]


@admin.register(Association)
class AssociationAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "ward", "district", "federation", "status", "is_authorized_body"]
    list_filter = ["ward", "status", "is_authorized_body", "is_sample"]
    search_fields = ["code", "name", "kana", "search_text"]
    list_select_related = ["ward", "district", "federation"]
    autocomplete_fields = ["federation", "successor"]
    inlines = [HouseholdCountInline]

    def get_readonly_fields(self, request, obj=None):
        # An association belongs to one ward for life (services.registry): its counts are summed in
        # that ward's published totals and summaries (WardSummary), which a move would leave wrong.
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "ward"] if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and AREA_FIELDS & set(form.changed_data):
            # A new district or federation moves the association's counts between areas' summaries
            # (as services.registry.association_update does); the admin's view is one transaction.
            summaries_refresh_associations([obj.pk])


@admin.register(HouseholdCount)
class HouseholdCountAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["association", "survey_date", "households", "member_households", "source", "entered_at"]
    list_filter = ["survey_date", "source", "association__ward"]
    search_fields = ["association__code", "association__name"]
    list_select_related = ["association"]
    raw_id_fields = ["association"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["metric", "kind", "fiscal_year", "value", "source"]
    list_filter = ["metric", "kind"]


class WardProgressInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WardProgress
    extra = 0


@admin.register(SurveyRound)
class SurveyRoundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["survey_date", "deadline", "opened_by", "opened_at"]
    inlines = [WardProgressInline]


@admin.register(RoundReminder)
class RoundReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["survey_round", "ward", "kind", "created_at", "sent_at"]
    list_filter = ["kind"]


@admin.register(CountsUpload)
class CountsUploadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Uploads change only through services.uploads (and go with the purge); the admin shows them."""

    list_display = ["filename", "survey_date", "ward", "owner", "status", "rows", "created_at", "expires_at"]
    list_filter = ["status", "ward"]
    search_fields = ["filename", "owner__username"]
    list_select_related = ["ward", "owner"]
    date_hierarchy = "created_at"


@admin.register(WardColumnMapping)
class WardColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["ward", "updated_at", "updated_by"]
    list_select_related = ["ward", "updated_by"]
