from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Association, Federation, HouseholdCount, Target


@admin.register(Federation)
class FederationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "ward", "district", "is_sample"]
    list_filter = ["ward", "is_sample"]
    search_fields = ["code", "name", "kana"]
    list_select_related = ["ward", "district"]


class HouseholdCountInline(admin.TabularInline):
    model = HouseholdCount
    extra = 0
    fields = ["survey_date", "households", "member_households", "source", "note"]
    ordering = ["-survey_date"]


@admin.register(Association)
class AssociationAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "ward", "district", "federation", "status", "is_authorized_body"]
    list_filter = ["ward", "status", "is_authorized_body", "is_sample"]
    search_fields = ["code", "name", "kana", "search_text"]
    list_select_related = ["ward", "district", "federation"]
    autocomplete_fields = ["federation", "successor"]
    inlines = [HouseholdCountInline]


@admin.register(HouseholdCount)
class HouseholdCountAdmin(SimpleHistoryAdmin):
    list_display = ["association", "survey_date", "households", "member_households", "source", "entered_at"]
    list_filter = ["survey_date", "source", "association__ward"]
    search_fields = ["association__code", "association__name"]
    list_select_related = ["association"]
    raw_id_fields = ["association"]
    readonly_fields = ["entered_by", "entered_at"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["metric", "kind", "fiscal_year", "value", "source"]
    list_filter = ["metric", "kind"]
