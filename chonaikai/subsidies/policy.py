"""The subsidies' part of the policy: who may see or act on an application, a grant computation, a hall.

Built on the role core (chonaikai.accounts.policy) and the associations' part
(chonaikai.associations.policy.can_edit_association).

Who acts for an association (creates, edits, submits, withdraws, reports completion): its leader;
for a paper application (entered_by_staff) also the staff of its ward, who entered it on the
association's behalf; city administrators always. The ward's stage (start review, return,
forward, return a completion report, verify a paper entry): staff of the association's ward and
city administrators — on programmes whose review path is area_then_city; on city_only programmes
there is no ward stage and these actions are the city administrators' (can_review_application,
the one place that decides it). The city's stage (send back, approve, reject, confirm, pay), programmes and
their rules, 住民組織助成金 computations and accounting exports: city administrators. Viewers and
anonymous visitors: nothing. Applications outside a user's scope answer 404. These functions
answer "may this person, given their role and scope"; whether the application's state allows the
action is the workflow's question (chonaikai.subsidies.workflow), which services also ask.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from chonaikai.accounts.models import Role
from chonaikai.accounts.policy import has_role, is_city_admin, leads, role_of, staffs
from chonaikai.associations.models import Association
from chonaikai.associations.policy import can_edit_association

from .models import Application, GrantComputation, Hall
from .workflow import EDITABLE_STATES as SUBSIDY_EDITABLE_STATES
from .workflow import Action as SubsidyAction


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
    assignment = has_role(user, Role.ASSOCIATION_LEADER)
    if assignment is not None:
        return Association.objects.filter(pk=assignment.association_id)
    return Association.objects.none()


def can_create_application(user, association) -> bool:
    return association is not None and leads(user, association.pk)


def can_enter_paper_application(user, association) -> bool:
    """Enter a paper application on the association's behalf: its ward's staff, city administrators."""
    return can_edit_association(user, association)


def can_act_for_association(user, application) -> bool:
    """Edit, submit, withdraw, report completion: the leader, the ward staff of a paper entry, the city."""
    if application is None or application.pk is None:
        return False
    if is_city_admin(user) or leads(user, application.association_id):
        return True
    return application.entered_by_staff and staffs(user, _application_ward_id(application))


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
    return application.reviewed_by_area_office and staffs(user, _application_ward_id(application))


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
    return leads(user, association.pk) or can_edit_association(user, association)


def can_record_hall_history(user, hall) -> bool:
    """Record works and earlier grants of a hall (they decide eligibility): ward staff, the city."""
    return hall is not None and can_edit_association(user, hall.association)


def get_hall_for_view(user, pk) -> Hall:
    return get_object_or_404(halls_visible_to(user).select_related("association", "association__ward"), pk=pk)
