from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import transaction

from . import tokens
from .models import RoleAssignment
from .policy import is_city_admin


class CityAdminOnlyMixin:
    """Roles are granted by city administrators only, whatever Django permissions a user holds."""

    def has_module_permission(self, request):
        return is_city_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_city_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_city_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_city_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_city_admin(request.user)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(CityAdminOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "role", "ward", "association", "created_at"]
    list_filter = ["role", "ward"]
    search_fields = ["user__username", "user__email", "association__code", "association__name"]
    list_select_related = ["user", "ward", "association"]
    autocomplete_fields = ["user", "association"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if is_city_admin(request.user) else qs.none()


class RoleAssignmentInline(CityAdminOnlyMixin, admin.StackedInline):
    model = RoleAssignment
    extra = 0
    max_num = 1
    can_delete = True
    autocomplete_fields = ["association"]
    readonly_fields = ["created_at"]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class RoleUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, RoleAssignmentInline]
    list_display = [*UserAdmin.list_display, "role_label"]

    @admin.display(description=RoleAssignment._meta.get_field("role").verbose_name)
    def role_label(self, obj):
        assignment = next(iter(obj.role_assignments.all()), None)
        return assignment.get_role_display() if assignment else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("role_assignments")

    @transaction.atomic
    def user_change_password(self, request, id, form_url=""):
        """Django's password form; a password it changed (or disabled) revokes the user's API tokens,
        audited with the administrator as actor (tokens.api_tokens_revoke_all)."""
        User = get_user_model()
        before = User._default_manager.filter(pk=unquote(id)).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and before is not None:
            user = User._default_manager.get(pk=unquote(id))
            if user.password != before:
                tokens.api_tokens_revoke_all(
                    actor=request.user, owner=user, reason=tokens.PasswordChange.CHANGED_BY_ADMIN
                )
        return response
