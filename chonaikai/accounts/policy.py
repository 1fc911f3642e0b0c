"""The one policy module: may this user do this to that object.

Deny by default. Pages, API views, admin querysets, exports, commands and tasks ask these functions
rather than checking user flags or roles themselves. Every function accepts AnonymousUser, None and
inactive users and answers False or an empty queryset for them.

Roles (see models.Role):
- city_admin (the city's department in charge, city().department_short_name): everything. Django superusers count as city administrators.
- ward_staff: one ward — its associations and its counts.
- association_leader: one association — reads its own data.
- viewer: read-only, city-wide, never personal data.

Objects outside a user's scope answer 404, not 403: use get_association_for_edit and
get_ward_for_edit, which cannot tell "missing" from "forbidden".
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from chonaikai.associations.models import Association
from chonaikai.subsidies.models import Application, GrantComputation, Hall
from chonaikai.subsidies.workflow import EDITABLE_STATES as SUBSIDY_EDITABLE_STATES
from chonaikai.subsidies.workflow import Action as SubsidyAction
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


def log_personal_data_access(user, association, where: str) -> None:
    """Record that `user` was shown `association`'s representative and contacts (audit trail).

    Call where a page or API response actually shows them, that is where can_view_personal_data()
    answered True for this association; nothing is written for anyone else.
    """
    if not can_view_personal_data(user, association):
        return
    from chonaikai.audit.services import audit_record

    audit_record(actor=user, action="personal_data.viewed", subject=association, comment=where)


def get_association_for_edit(user, code: str) -> Association:
    """The association with `code` if the user may edit it; Http404 if missing or forbidden."""
    return get_object_or_404(associations_editable_by(user).select_related("ward"), code=code)


# Subsidies (chonaikai.subsidies)
#
# Who acts for an association (creates, edits, submits, withdraws, reports completion): its leader;
# for a paper application (entered_by_staff) also the staff of its ward, who entered it on the
# association's behalf; city administrators always. The ward's stage (start review, return,
# forward, return a completion report, verify a paper entry): staff of the association's ward and
# city administrators — on programmes whose review path is area_then_city; on city_only programmes
# there is no ward stage and these actions are the city administrators' (can_review_application,
# the one place that decides it). The city's stage (send back, approve, reject, confirm, pay), programmes and
# their rules, 住民組織助成金 computations and accounting exports: city administrators. Viewers and
# anonymous visitors: nothing. Applications outside a user's scope answer 404. These functions
# answer "may this person, given their role and scope"; whether the application's state allows the
# action is the workflow's question (chonaikai.subsidies.workflow), which services also ask.


def _leads(user, association_id) -> bool:
    assignment = _has_role(user, Role.ASSOCIATION_LEADER)
    return (
        assignment is not None and association_id is not None and assignment.association_id == association_id
    )


def _staffs(user, ward_id) -> bool:
    assignment = _has_role(user, Role.WARD_STAFF)
    return assignment is not None and ward_id is not None and assignment.ward_id == ward_id


def _application_ward_id(application) -> int | None:
    return application.association.ward_id


def applications_visible_to(user) -> QuerySet[Application]:
    """Applications the user may see: all (city admin), their ward's (ward staff), their own (leader)."""
    if is_city_admin(user):
        return Application.objects.all()
    assignment = role_of(user)
    if assignment is not None and assignment.role == Role.WARD_STAFF:
        return Application.objects.filter(association__ward_id=assignment.ward_id)
    if assignment is not None and assignment.role == Role.ASSOCIATION_LEADER:
        return Application.objects.filter(association_id=assignment.association_id)
    return Application.objects.none()


def applications_editable_by(user) -> QuerySet[Application]:
    """Applications whose content (purpose, lines, hall, attachments) the user may change now."""
    editable = Application.objects.filter(status__in=SUBSIDY_EDITABLE_STATES)
    if is_city_admin(user):
        return editable
    assignment = role_of(user)
    if assignment is not None and assignment.role == Role.ASSOCIATION_LEADER:
        return editable.filter(association_id=assignment.association_id)
    if assignment is not None and assignment.role == Role.WARD_STAFF:
        return editable.filter(association__ward_id=assignment.ward_id, entered_by_staff=True)
    return Application.objects.none()


def get_application_for_view(user, pk) -> Application:
    """The application if the user may see it; Http404 whether it is missing or forbidden."""
    return get_object_or_404(
        applications_visible_to(user).select_related("association", "association__ward", "programme", "hall"),
        pk=pk,
    )


def get_application_for_edit(user, pk) -> Application:
    """The application if the user may change its content now; Http404 if missing or forbidden."""
    return get_object_or_404(
        applications_editable_by(user).select_related(
            "association", "association__ward", "programme", "hall"
        ),
        pk=pk,
    )


def associations_applying_as(user) -> QuerySet[Association]:
    """Associations the user may create applications for as the association: a leader's own."""
    assignment = _has_role(user, Role.ASSOCIATION_LEADER)
    if assignment is not None:
        return Association.objects.filter(pk=assignment.association_id)
    return Association.objects.none()


def can_create_application(user, association) -> bool:
    return association is not None and _leads(user, association.pk)


def can_enter_paper_application(user, association) -> bool:
    """Enter a paper application on the association's behalf: its ward's staff, city administrators."""
    return can_edit_association(user, association)


def can_act_for_association(user, application) -> bool:
    """Edit, submit, withdraw, report completion: the leader, the ward staff of a paper entry, the city."""
    if application is None or application.pk is None:
        return False
    if is_city_admin(user) or _leads(user, application.association_id):
        return True
    return application.entered_by_staff and _staffs(user, _application_ward_id(application))


def can_edit_application(user, application) -> bool:
    """Change the content now: acting for the association and the application is a draft or returned."""
    return application is not None and (
        application.status in SUBSIDY_EDITABLE_STATES and can_act_for_association(user, application)
    )


def can_review_application(user, application) -> bool:
    """The first check (start review, return, forward, return a completion report, verify a paper
    entry): city administrators; staff of the association's ward only where the programme's review
    path gives the ward office that stage (area_then_city). On city_only the ward staff act on none."""
    if application is None or application.pk is None:
        return False
    if is_city_admin(user):
        return True
    return application.reviewed_by_area_office and _staffs(user, _application_ward_id(application))


def can_verify_paper_entry(user, application) -> bool:
    """Check a paper entry (four-eyes): ward stage, and not the person who entered or last edited it."""
    if not can_review_application(user, application) or not application.entered_by_staff:
        return False
    return user.pk not in {application.entered_by_id, application.prepared_by_id}


def can_decide_application(user, application) -> bool:
    """The city's stage: send back to the ward, approve, reject, confirm the amount, pay."""
    return application is not None and application.pk is not None and is_city_admin(user)


_SUBSIDY_ACTION_CHECKS = {
    SubsidyAction.SUBMIT: can_act_for_association,
    SubsidyAction.WITHDRAW: can_act_for_association,
    SubsidyAction.REPORT_COMPLETION: can_act_for_association,
    SubsidyAction.START_REVIEW: can_review_application,
    SubsidyAction.RETURN: can_review_application,
    SubsidyAction.FORWARD: can_review_application,
    SubsidyAction.RETURN_COMPLETION: can_review_application,
    SubsidyAction.SEND_BACK: can_decide_application,
    SubsidyAction.APPROVE: can_decide_application,
    SubsidyAction.REJECT: can_decide_application,
    SubsidyAction.CONFIRM: can_decide_application,
    SubsidyAction.PAY: can_decide_application,
}


def can_take_application_action(user, application, action: str) -> bool:
    """May the user take a workflow action (subsidies.workflow.Action) on the application."""
    check = _SUBSIDY_ACTION_CHECKS.get(action)
    return check is not None and check(user, application)


def can_manage_programmes(user) -> bool:
    """Budgets, application windows and rules (confirm 「要綱で要確認」): city administrators."""
    return is_city_admin(user)


def can_compute_resident_grants(user) -> bool:
    return is_city_admin(user)


def can_export_subsidies(user) -> bool:
    """Accounting workbooks and payment lists: city administrators."""
    return is_city_admin(user)


def grant_computations_visible_to(user) -> QuerySet[GrantComputation]:
    """住民組織助成金 computations: all (city admin), their ward's (ward staff), their own (leader)."""
    if is_city_admin(user):
        return GrantComputation.objects.all()
    assignment = role_of(user)
    if assignment is not None and assignment.role == Role.WARD_STAFF:
        return GrantComputation.objects.filter(
            Q(association__ward_id=assignment.ward_id) | Q(federation__ward_id=assignment.ward_id)
        )
    if assignment is not None and assignment.role == Role.ASSOCIATION_LEADER:
        return GrantComputation.objects.filter(association_id=assignment.association_id)
    return GrantComputation.objects.none()


def halls_visible_to(user) -> QuerySet[Hall]:
    """Meeting halls: all (city admin), their ward's (ward staff), their association's (leader)."""
    if is_city_admin(user):
        return Hall.objects.all()
    assignment = role_of(user)
    if assignment is not None and assignment.role == Role.WARD_STAFF:
        return Hall.objects.filter(association__ward_id=assignment.ward_id)
    if assignment is not None and assignment.role == Role.ASSOCIATION_LEADER:
        return Hall.objects.filter(association_id=assignment.association_id)
    return Hall.objects.none()


def can_edit_hall(user, association) -> bool:
    """Register or change an association's halls: its leader, its ward's staff, city administrators."""
    if association is None or association.pk is None:
        return False
    return _leads(user, association.pk) or can_edit_association(user, association)


def can_record_hall_history(user, hall) -> bool:
    """Record works and earlier grants of a hall (they decide eligibility): ward staff, the city."""
    return hall is not None and can_edit_association(user, hall.association)


def get_hall_for_view(user, pk) -> Hall:
    return get_object_or_404(halls_visible_to(user).select_related("association", "association__ward"), pk=pk)
