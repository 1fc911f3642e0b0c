from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the record of what happened is never edited."""

    list_display = ["at", "actor_name", "action", "subject_type", "subject_repr"]
    list_filter = ["action", "subject_type"]
    search_fields = ["actor_name", "subject_repr", "comment"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
