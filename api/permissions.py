"""DRF permission classes, all answered by chonaikai.accounts.policy.

Object-level scope is not checked here: views fetch objects through the policy's *_for_edit
functions, which answer 404 whether the object is missing or out of the user's scope.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from chonaikai.accounts import policy
from chonaikai.associations.stats import publication
from chonaikai.cities.texts import labelled


class CanEditSomeCounts(permissions.IsAuthenticated):
    """Signed in, and may enter or import counts for at least one ward (ward staff, city admin)."""

    message = labelled(_("世帯数を登録・取込する権限がありません（%(area_office)s職員と市の管理者のみ）。"))

    def has_permission(self, request, view):
        return super().has_permission(request, view) and policy.wards_editable_by(request.user).exists()


class IsCityAdmin(permissions.IsAuthenticated):
    message = _("市の管理者だけが行えます。")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and policy.is_city_admin(request.user)


def sees_small_areas(user) -> bool:
    """Whether the caller sees figures of areas below the publication threshold (the one rule:
    chonaikai.associations.stats.publication.sees_unpublished)."""
    return publication.sees_unpublished(user)
