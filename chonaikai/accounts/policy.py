"""The role core of the policy: who the user is (role and scope) and what the roles may do to the
accounts and the geography. Each domain app answers for its own objects on top of it
(chonaikai.associations.policy, chonaikai.subsidies.policy); this module knows no domain app
(README, Architecture).

Deny by default. Pages, API views, admin querysets, exports, commands and tasks ask these functions
(and the domains' policy modules) rather than checking user flags or roles themselves. Every
function accepts AnonymousUser, None and inactive users and answers False or an empty queryset for
them.

Roles (see models.Role):
- city_admin (the city's department in charge, city().department_short_name): everything. Django superusers count as city administrators.
- ward_staff: one ward — its associations and its counts.
- association_leader: one association — reads its own data.
- viewer: read-only, city-wide, never personal data.

Objects outside a user's scope answer 404, not 403: use the get_*_for_edit functions (here for
wards, in the domains' policy modules for their objects), which cannot tell "missing" from
"forbidden".
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from chonaikai.audit.services import audit_record
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


def remember_role(user, assignment: RoleAssignment | None) -> None:
    """Cache an assignment read elsewhere (several users' roles in one query), as role_of would."""
    if _is_active(user):
        setattr(user, _ROLE_CACHE_ATTR, assignment)


def forget_role(user) -> None:
    """Drop the cached assignment, after a service changed it."""
    if user is not None and hasattr(user, _ROLE_CACHE_ATTR):
        delattr(user, _ROLE_CACHE_ATTR)


def has_role(user, role: Role) -> RoleAssignment | None:
    """The user's assignment if it is `role`, else None."""
    assignment = role_of(user)
    return assignment if assignment is not None and assignment.role == role else None


def is_city_admin(user) -> bool:
    if not _is_active(user):
        return False
    return bool(user.is_superuser) or has_role(user, Role.CITY_ADMIN) is not None


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


def leads(user, association_id) -> bool:
    """Whether the user is the leader of the association with `association_id`."""
    assignment = has_role(user, Role.ASSOCIATION_LEADER)
    return (
        assignment is not None and association_id is not None and assignment.association_id == association_id
    )


def staffs(user, ward_id) -> bool:
    """Whether the user is staff of the ward with `ward_id`."""
    assignment = has_role(user, Role.WARD_STAFF)
    return assignment is not None and ward_id is not None and assignment.ward_id == ward_id


# Wards


def wards_editable_by(user) -> QuerySet[Ward]:
    """Wards whose counts the user may enter, import and submit."""
    if is_city_admin(user):
        return Ward.objects.all()
    assignment = has_role(user, Role.WARD_STAFF)
    if assignment is not None:
        return Ward.objects.filter(pk=assignment.ward_id)
    return Ward.objects.none()


def _is_ward_in_scope(user, ward) -> bool:
    if ward is None or ward.pk is None:
        return False
    if is_city_admin(user):
        return True
    assignment = has_role(user, Role.WARD_STAFF)
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


def log_personal_data_access(user, association, where: str) -> None:
    """Record that `user` was shown `association`'s representative and contacts (audit trail).

    Call where a page or API response actually shows them, that is where can_view_personal_data()
    answered True for this association; nothing is written for anyone else.
    """
    if not can_view_personal_data(user, association):
        return
    audit_record(actor=user, action="personal_data.viewed", subject=association, comment=where)
