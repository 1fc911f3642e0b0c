"""The associations' part of the policy: who may see or change an association.

Built on the role core (chonaikai.accounts.policy: role_of, is_city_admin, has_role); personal data
(can_view_personal_data) and its audit trail are the role core's, for every domain.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from chonaikai.accounts.models import Role
from chonaikai.accounts.policy import has_role, is_city_admin, role_of

from .models import Association


def associations_visible_to(user) -> QuerySet[Association]:
    """Associations whose public data the user may see: all of them, for everyone.

    The public list is public; this exists so that any later restriction lives here. Personal
    data is a separate question: can_view_personal_data().
    """
    return Association.objects.all()


def associations_on_map_for(user) -> QuerySet[Association]:
    """Associations whose meeting halls (with their rates) the user's map shows. Deny by default.

    City administrators and viewers: all; ward staff: their ward's; an association's leader: their
    own; anonymous visitors and users without a role: none (the public map shows wards only). The
    map shows no personal data, so this is about whose internal figures the user works with.
    """
    if is_city_admin(user):
        return Association.objects.all()
    assignment = role_of(user)
    if assignment is None:
        return Association.objects.none()
    if assignment.role == Role.VIEWER:
        return Association.objects.all()
    if assignment.role == Role.WARD_STAFF:
        return Association.objects.filter(ward_id=assignment.ward_id)
    if assignment.role == Role.ASSOCIATION_LEADER:
        return Association.objects.filter(pk=assignment.association_id)
    return Association.objects.none()


def associations_editable_by(user) -> QuerySet[Association]:
    """Associations the user may edit: all for city admin, their ward's for ward staff."""
    if is_city_admin(user):
        return Association.objects.all()
    assignment = has_role(user, Role.WARD_STAFF)
    if assignment is not None:
        return Association.objects.filter(ward_id=assignment.ward_id)
    return Association.objects.none()


def can_edit_association(user, association) -> bool:
    if association is None or association.pk is None:
        return False
    if is_city_admin(user):
        return True
    assignment = has_role(user, Role.WARD_STAFF)
    return assignment is not None and association.ward_id == assignment.ward_id


def get_association_for_edit(user, code: str) -> Association:
    """The association with `code` if the user may edit it; Http404 if missing or forbidden."""
    return get_object_or_404(associations_editable_by(user).select_related("ward"), code=code)
