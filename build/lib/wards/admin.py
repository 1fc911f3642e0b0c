from django.contrib import admin

from .models import District, Ward, WardTotal


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kana", "romaji", "established_on", "area_km2"]
    search_fields = ["code", "name", "kana", "romaji"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "ward", "is_sample"]
    list_filter = ["ward", "is_sample"]
    search_fields = ["code", "name", "kana"]
    list_select_related = ["ward"]


@admin.register(WardTotal)
class WardTotalAdmin(admin.ModelAdmin):
    list_display = ["ward", "survey_date", "registry_households", "source"]
    list_filter = ["ward", "survey_date"]
    list_select_related = ["ward"]
