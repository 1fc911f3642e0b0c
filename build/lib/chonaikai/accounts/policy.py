"""The one policy module: may this user do this to that object.

Deny by default. Pages, API views, admin querysets, exports, commands and tasks ask these functions
rather than checking user flags or roles themselves. Every function accepts AnonymousUser, None and
inactive users and answers False or an empty queryset for them.

Roles (see models.Role):
- city_admin (市民自治推進室): everything. Django superusers count as city administrators.
- ward_staff: one ward — its associations and its counts.
- association_leader: one association — reads its own data.
- viewer: read-only, city-wide, never personal data.

Objects outside a user's scope answer 404, not 403: use get_association_for_edit and
get_ward_for_edit, which cannot tell "missing" from "forbidden".
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from chonaikai.associations.models import Association
from wards.models import Ward

from .models import Role, RoleAssignment

# role_of() caches the assignment on the user object for the life of that object (one request, in
# views). Services that change a role call forget_role() so the same object does not answer stale.
_ROLE_CACHE_ATTR = "_chonaikai_role_assignment"


def _is_active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_of(user) -> RoleAssignment | None:
    """The user's role assignment, or None for anonymous, inactive and role-less users."""
    if not _is_active(user):
        return None
    try:
        return getattr(user, _ROLE_CACHE_ATTR)
    except AttributeError:
        pass
    assignment = (
        RoleAssignment.objects.select_related("ward", "association", "association__ward")
        .filter(user_id=user.pk)
        .first()
    )
    setattr(user, _ROLE_CACHE_ATTR, assignment)
    return assignment


def forget_role(user) -> None:
    """Drop the cached assignment, after a service changed it."""
    if user is not None and hasattr(user, _ROLE_CACHE_ATTR):
        delattr(user, _ROLE_CACHE_ATTR)


def _has_role(user, role: Role) -> RoleAssignment | None:
    assignment = role_of(user)
    return assignment if assignment is not None and assignment.role == role else None


def is_city_admin(user) -> bool:
    if not _is_active(user):
        return False
    return bool(user.is_superuser) or _has_role(user, Role.CITY_ADMIN) is not None


def can_manage_accounts(user) -> bool:
    """Create accounts and grant roles: city administrators only."""
    return is_city_admin(user)


def can_view_personal_data(user, association=None) -> bool:
    """Representatives' names and contacts.

    With an association: city admin always, ward staff for associations of their ward, a leader
    for their own association. Without one: whether the user's role may ever see personal data
    (to decide, say, whether to offer a column at all); the per-object check still applies.
    Viewers and anonymous visitors never.
    """
    if is_city_admin(user):
        return True
    assignment = role_of(user)
    if assignment is None:
        return False
    if assignment.role == Role.WARD_STAFF:
        return association is None or association.ward_id == assignment.ward_id
    if assignment.role == Role.ASSOCIATION_LEADER:
        return association is None or (
            association.pk is not None and association.pk == assignment.association_id
        )
    return False


# Wards


def wards_editable_by(user) -> QuerySet[Ward]:
    """Wards whose counts the user may enter, import and submit."""
    if is_city_admin(user):
        return Ward.objects.all()
    assignment = _has_role(user, Role.WARD_STAFF)
    if assignment is not None:
        return Ward.objects.filter(pk=assignment.ward_id)
    return Ward.objects.none()


def _is_ward_in_scope(user, ward) -> bool:
    if ward is None or ward.pk is None:
        return False
    if is_city_admin(user):
        return True
    assignment = _has_role(user, Role.WARD_STAFF)
    return assignment is not None and assignment.ward_id == ward.pk


def can_edit_counts(user, ward) -> bool:
    """Enter or import household counts for the associations of `ward`."""
    return _is_ward_in_scope(user, ward)


def can_submit_ward(user, ward) -> bool:
    """Submit a ward's counts for a survey round: the ward's staff or a city administrator."""
    return _is_ward_in_scope(user, ward)


def can_approve_ward(user, ward) -> bool:
    """Accept (or send back) a ward's submitted counts: city administrators only."""
    return ward is not None and ward.pk is not None and is_city_admin(user)


def can_manage_rounds(user) -> bool:
    """Open and close survey rounds: city administrators only."""
    return is_city_admin(user)


def get_ward_for_edit(user, code: str) -> Ward:
    """The ward with `code` if the user may edit it; Http404 whether it is missing or forbidden."""
    return get_object_or_404(wards_editable_by(user), code=code)


# Associations


def associations_visible_to(user) -> QuerySet[Association]:
    """Associations whose public data the user may see: all of them, for everyone.

    The public list is public; this exists so that any later restriction lives here. Personal
    data is a separate question: can_view_personal_data().
    """
    return Association.objects.all()


def associations_editable_by(user) -> QuerySet[Association]:
    """Associations the user may edit: all for city admin, their ward's for ward staff."""
    if is_city_admin(user):
        return Association.objects.all()
    assignment = _has_role(user, Role.WARD_STAFF)
    if assignment is not None:
        return Association.objects.filter(ward_id=assignment.ward_id)
    return Association.objects.none()


def can_edit_association(user, association) -> bool:
    if association is None or association.pk is None:
        return False
    if is_city_admin(user):
        return True
    assignment = _has_role(user, Role.WARD_STAFF)
    return assignment is not None and association.ward_id == assignment.ward_id


def get_association_for_edit(user, code: str) -> Association:
    """The association with `code` if the user may edit it; Http404 if missing or forbidden."""
    return get_object_or_404(associations_editable_by(user).select_related("ward"), code=code)
