"""Reads for subsidies: programmes and their rules, queues, application details, halls, grants.

Everything a user sees starts from the policy module (chonaikai.accounts.policy): queues from
`applications_visible_to`, halls from `halls_visible_to`, grant rows from
`grant_computations_visible_to`. Amount arithmetic lives in rules.py; this module turns rule rows
into rules.CategoryRule dataclasses and sums in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.accounts import policy
from chonaikai.accounts.models import Role
from chonaikai.associations.models import Association, HouseholdCount, SurveyRound, WardProgress
from chonaikai.calendar import fiscal_year_bounds
from chonaikai.cities.current import city, labels

from . import rules, workflow
from .errors import InvalidApplication, SubsidyError
from .models import (
    Application,
    Attachment,
    DocumentRequirement,
    ExpenseLine,
    GrantComputation,
    Hall,
    HallRepair,
    PaymentClaim,
    Programme,
    ProgrammeRule,
    Transition,
)
from .wording import action_label, status_label
from .workflow import Status

# ---------------------------------------------------------------------------------------------
# Programmes and rules
# ---------------------------------------------------------------------------------------------


def programmes(*, fiscal_year: int | None = None) -> QuerySet[Programme]:
    """Programmes, newest fiscal year first; one fiscal year's with `fiscal_year`."""
    qs = Programme.objects.all()
    return qs if fiscal_year is None else qs.filter(fiscal_year=fiscal_year)


def programme_for(*, code: str, fiscal_year: int) -> Programme | None:
    return Programme.objects.filter(code=code, fiscal_year=fiscal_year).first()


def open_programmes(*, day: dt.date) -> list[Programme]:
    """Programmes taking applications on `day`: application programmes whose window contains it and
    with at least one rule confirmed from the 要綱 (a placeholder rule is not open to applicants)."""
    candidates = (
        Programme.objects.filter(kind=Programme.Kind.APPLICATION)
        .filter(rules__needs_confirmation=False)
        .distinct()
    )
    return [p for p in candidates if application_window(p)[0] <= day <= application_window(p)[1]]


def application_window(programme: Programme) -> tuple[dt.date, dt.date]:
    """First and last day of the window; an unset end is the fiscal year's first or last day."""
    first, last = fiscal_year_bounds(programme.fiscal_year)
    return programme.opens_on or first, programme.closes_on or last


def _as_rule(row: ProgrammeRule) -> rules.CategoryRule:
    return rules.CategoryRule(
        code=row.category,
        name=row.name,
        method=row.method,
        kinds=tuple(
            rules.KindRule(k.code, k.name, k.rate_numerator, k.rate_denominator) for k in row.kinds.all()
        ),
        cap=row.cap,
        rounding_unit=row.rounding_unit,
        per_m2_amount=row.per_m2_amount,
        per_household_amount=row.per_household_amount,
        tax_numerator=row.tax_numerator,
        tax_denominator=row.tax_denominator,
        needs_confirmation=row.needs_confirmation,
        repeat_grant_interval_years=row.repeat_grant_interval_years,
        requires_hall=row.requires_hall,
    )


def programme_rules(programme: Programme) -> list[rules.CategoryRule]:
    """Every category's rule of the programme (one with code "" when it has no categories)."""
    return [_as_rule(row) for row in programme.rules.prefetch_related("kinds")]


def rule_for(programme: Programme, category: str = "") -> rules.CategoryRule:
    """The category's rule; InvalidApplication naming the categories when there is no such category."""
    row = programme.rules.prefetch_related("kinds").filter(category=category).first()
    if row is None:
        # Names only: the codes are for the API and the admin, never for the people applying.
        names = _("、").join(r.name for r in programme.rules.exclude(category=""))
        if names:
            raise InvalidApplication(
                _("%(programme)sの区分を選んでください（%(categories)s）。")
                % {"programme": programme.name, "categories": names},
                extra={"category": category},
            )
        raise InvalidApplication(
            _("%(programme)sの算定基準が登録されていません。") % {"programme": programme}
        )
    return _as_rule(row)


def open_categories(programme: Programme) -> list[ProgrammeRule]:
    """The categories applicants may choose: those whose rule is confirmed (not 「要綱で要確認」)."""
    return [row for row in programme_categories(programme) if not row.needs_confirmation]


def programme_categories(programme: Programme) -> list[ProgrammeRule]:
    """The category rows (for a choice field), with 「要綱で要確認」 visible through needs_confirmation."""
    return list(programme.rules.exclude(category=""))


@dataclass(frozen=True)
class ProgrammeSummary:
    """A programme's money in its fiscal year. `remaining` is None while no budget is registered."""

    programme: Programme
    budget: int | None
    approved: int  # sum of the approved amounts (交付決定額) of granted applications
    committed: int  # what the grants take from the budget (paid, else confirmed, else approved)
    paid: int
    remaining: int | None
    applications: int  # all except withdrawn
    granted: int  # approved and after


def programme_summary(programme: Programme) -> ProgrammeSummary:
    """Budget, approved, paid and remaining for one programme (two queries)."""
    qs = Application.objects.filter(programme=programme)
    totals = qs.totals()
    counts = qs.aggregate(
        applications=Count("id", filter=~Q(status=Status.WITHDRAWN)),
        granted=Count("id", filter=Q(status__in=workflow.GRANTED_STATES)),
    )
    if programme.kind == Programme.Kind.COMPUTED:
        computed = (
            GrantComputation.objects.current().filter(programme=programme).aggregate(total=Sum("amount"))
        )
        totals = {**totals, "approved": computed["total"] or 0, "committed": computed["total"] or 0}
    budget = programme.budget
    return ProgrammeSummary(
        programme=programme,
        budget=budget,
        approved=totals["approved"],
        committed=totals["committed"],
        paid=totals["paid"],
        remaining=None if budget is None else budget - totals["committed"],
        applications=counts["applications"],
        granted=counts["granted"],
    )


def programme_summaries(*, fiscal_year: int | None = None) -> list[ProgrammeSummary]:
    return [programme_summary(p) for p in programmes(fiscal_year=fiscal_year)]


# ---------------------------------------------------------------------------------------------
# Queues and application pages
# ---------------------------------------------------------------------------------------------

_LIST_RELATED = ("association", "association__ward", "programme", "hall")


def application_queue(
    *,
    user,
    statuses: tuple[str, ...] | list[str] | None = None,
    programme_code: str | None = None,
    fiscal_year: int | None = None,
) -> QuerySet[Application]:
    """The user's work list: visible applications in `statuses` (default: the user's stage), oldest first.

    Defaults: ward staff see what waits for their area office (submitted, under review, completion
    reported — on programmes reviewed by the area office); city administrators what waits for the
    city (forwarded, completion reported, confirmed; on city_only programmes also submitted);
    leaders all of their association's. Age: Application.days_in_status.
    """
    qs = policy.applications_visible_to(user).select_related(*_LIST_RELATED)
    if statuses is None:
        stage = queue_stage(user)
        if stage is not None:
            qs = qs.waiting_for(stage)
    elif statuses:
        qs = qs.filter(status__in=statuses)
    if programme_code:
        qs = qs.filter(programme__code=programme_code)
    if fiscal_year is not None:
        qs = qs.filter(programme__fiscal_year=fiscal_year)
    return qs.order_by("status_changed_at", "id")


def queue_stage(user) -> str | None:
    """Whose work list the user keeps: "city", "area" (ward staff) or None (everything visible)."""
    if policy.is_city_admin(user):
        return "city"
    assignment = policy.role_of(user)
    if assignment is not None and assignment.role == Role.WARD_STAFF:
        return "area"
    return None  # a leader: everything of their association


def queue_states(stage: str) -> list[str]:
    """The states that wait for `stage` on the review paths the programmes use (for the queue's label)."""
    paths = set(Programme.objects.values_list("review_path", flat=True).distinct()) or {
        workflow.ReviewPath.AREA_THEN_CITY
    }
    waiting = {s for path in paths for s in workflow.QUEUE_STATES[(path, stage)]}
    return [s for s in Status.values if s in waiting]


@dataclass(frozen=True)
class QueueCount:
    status: str
    label: str
    count: int
    oldest_changed_at: dt.datetime | None
    newest_changed_at: dt.datetime | None


def queue_counts(*, user, fiscal_year: int | None = None) -> list[QueueCount]:
    """Per state: how many visible applications, and since when the oldest has waited (one query)."""
    qs = policy.applications_visible_to(user)
    if fiscal_year is not None:
        qs = qs.filter(programme__fiscal_year=fiscal_year)
    rows = {
        r["status"]: r
        for r in qs.order_by()
        .values("status")
        .annotate(n=Count("id"), oldest=Min("status_changed_at"), newest=Max("status_changed_at"))
    }
    return [
        QueueCount(
            status=status,
            label=status_label(status),
            count=rows[status]["n"] if status in rows else 0,
            oldest_changed_at=rows[status]["oldest"] if status in rows else None,
            newest_changed_at=rows[status]["newest"] if status in rows else None,
        )
        for status in Status.values
    ]


def application_detail(*, user, application_id: int) -> Application:
    """One application with its lines, attachments and transitions prefetched; Http404 if not visible."""
    qs = (
        policy.applications_visible_to(user)
        .select_related(*_LIST_RELATED, "entered_by", "prepared_by", "verified_by")
        .prefetch_related(
            Prefetch("lines", queryset=ExpenseLine.objects.order_by("phase", "position", "id")),
            "attachments",
            Prefetch("transitions", queryset=Transition.objects.select_related("actor").order_by("at", "id")),
        )
    )
    return get_object_or_404(qs, pk=application_id)


def application_for_edit(*, user, application_id: int) -> Application:
    """The application if the user may change its content now (draft or returned); Http404 otherwise."""
    return policy.get_application_for_edit(user, application_id)


def planned_lines(application: Application) -> list[ExpenseLine]:
    return [line for line in application.lines.all() if line.phase == ExpenseLine.Phase.PLANNED]


def actual_lines(application: Application) -> list[ExpenseLine]:
    return [line for line in application.lines.all() if line.phase == ExpenseLine.Phase.ACTUAL]


def available_actions(*, user, application: Application) -> list[str]:
    """Workflow actions the user may take on the application now (for buttons): state and role both."""
    return [
        action
        for action in workflow.actions_from(application.status, application.programme.review_path)
        if policy.can_take_application_action(user, application, action)
    ]


def needs_verification_by(*, user, application: Application) -> bool:
    """Whether to offer this user the 「入力内容を確認」 button for a paper application."""
    return (
        application.needs_verification
        and application.status == Status.SUBMITTED
        and policy.can_verify_paper_entry(user, application)
    )


def amount_for(application: Application, lines: Iterable) -> rules.Breakdown:
    """The amount `lines` give under the application's rule (its category, its hall's floor area).

    The one place that feeds the rules: the service computes the saved amount with it, and the
    wizard's live breakdown answers "what if" with it while the leader types. `lines`: anything
    with kind, amount and description (saved ExpenseLines or a formset's unsaved lines).
    """
    rule = rule_for(application.programme, application.category)
    area = application.hall.floor_area_m2 if application.hall is not None else None
    return rules.compute_amount(
        rule,
        lines=[rules.Line(kind=x.kind, amount=x.amount, description=x.description) for x in lines],
        floor_area_m2=area,
    )


def attachment_for(*, user, attachment_id: int) -> Attachment:
    """An attachment of an application the user may see; Http404 whether missing or forbidden."""
    return get_object_or_404(
        Attachment.objects.filter(application__in=policy.applications_visible_to(user)).select_related(
            "application", "application__programme"
        ),
        pk=attachment_id,
    )


def breakdown_of(application: Application, *, user, actual: bool = False) -> rules.Breakdown | None:
    """The stored breakdown (planned, or actual once reported) as `user` is shown it.

    Staff who review the application (the ward, the city) see the 「要綱で要確認」 note of a rule
    still to be confirmed; the association's people see the figures without it.
    """
    data = application.actual_breakdown if actual else application.breakdown
    if not data:
        return None
    breakdown = rules.Breakdown.from_dict(data)
    return breakdown if sees_rule_notes(user, application) else breakdown.for_applicants()


def sees_rule_notes(user, application: Application) -> bool:
    """Whether `user` is shown that a rule is still 「要綱で要確認」: reviewing staff, not applicants."""
    return policy.can_review_application(user, application)


# The domain events shown in an application's history besides its state changes.
_VERIFIED = "subsidy_application.verified"
_VERIFICATION_UNDONE = "subsidy_application.verification_undone"
_ATTACHMENT_ADDED = "subsidy_application.attachment_added"
_ATTACHMENT_DELETED = "subsidy_application.attachment_deleted"
_TRANSITION_EVENTS = {f"subsidy_application.{action}": action for action in workflow.Action.values}


@dataclass(frozen=True)
class HistoryEntry:
    """One line of an application's history (これまでの経過)."""

    at: dt.datetime
    what: str  # the action, e.g. 「提出」「添付書類の追加」
    actor_name: str
    from_status: str = ""  # for state changes
    to_status: str = ""
    detail: str = ""  # the comment, or which file

    @property
    def status_text(self) -> str:
        if not self.to_status:
            return ""
        return f"{status_label(self.from_status)} → {status_label(self.to_status)}"


def application_history(application: Application) -> list[HistoryEntry]:
    """State changes, second-person checks and attachment changes, oldest first (two queries).

    The services write an audit event with every one of them in the same transaction, so the events
    give one order. Transition rows without an event (sample data written straight to the tables)
    are added by their time.
    """
    from django.contrib.contenttypes.models import ContentType

    from chonaikai.audit.models import AuditEvent

    events = list(
        AuditEvent.objects.filter(
            subject_type=ContentType.objects.get_for_model(Application),
            subject_id=str(application.pk),
            action__in=[
                *_TRANSITION_EVENTS,
                _VERIFIED,
                _VERIFICATION_UNDONE,
                _ATTACHMENT_ADDED,
                _ATTACHMENT_DELETED,
            ],
        ).order_by("at", "id")
    )
    entries = [_history_entry(e) for e in events]
    recorded: dict[str, int] = {}
    for event in events:
        action = _TRANSITION_EVENTS.get(event.action)
        if action is not None:
            recorded[action] = recorded.get(action, 0) + 1
    transitions = sorted(application.transitions.all(), key=lambda t: (t.at, t.id))
    unrecorded = []
    for t in transitions:
        if recorded.get(t.action, 0) > 0:
            recorded[t.action] -= 1
            continue
        unrecorded.append(
            HistoryEntry(
                at=t.at,
                what=action_label(t.action),
                actor_name=t.actor_name,
                from_status=t.from_status,
                to_status=t.to_status,
                detail=t.comment,
            )
        )
    if not unrecorded:
        return entries
    return sorted(unrecorded + entries, key=lambda entry: entry.at)  # stable: events keep their order


def _history_entry(event) -> HistoryEntry:
    before, after = event.before or {}, event.after or {}
    action = _TRANSITION_EVENTS.get(event.action)
    if action is not None:
        return HistoryEntry(
            at=event.at,
            what=action_label(action),
            actor_name=event.actor_name,
            from_status=before.get("status", ""),
            to_status=after.get("status", ""),
            detail=event.comment,
        )
    if event.action == _VERIFIED:
        return HistoryEntry(
            at=event.at, what=_("入力内容の確認"), actor_name=event.actor_name, detail=event.comment
        )
    if event.action == _VERIFICATION_UNDONE:
        return HistoryEntry(
            at=event.at,
            what=_("入力内容の確認の取消し"),
            actor_name=event.actor_name,
            detail=_("%(name)sの確認の後に内容か添付書類が変わったため、別の職員がもう一度確認します。")
            % {"name": before.get("verified_by_name") or _("職員")},
        )
    added = event.action == _ATTACHMENT_ADDED
    file = after if added else before
    kinds = dict(Attachment.Kind.choices)
    detail = _("「%(name)s」（%(kind)s）") % {
        "name": file.get("name", ""),
        "kind": kinds.get(file.get("kind"), file.get("kind", "")),
    }
    if before.get("verified_by") is not None and after.get("verified_by") is None:
        detail += _("。紙の申請の入力内容の確認をやり直す必要があります。")
    return HistoryEntry(
        at=event.at,
        what=_("添付書類の追加") if added else _("添付書類の削除"),
        actor_name=event.actor_name,
        detail=detail,
    )


# ---------------------------------------------------------------------------------------------
# Meeting halls
# ---------------------------------------------------------------------------------------------


def halls_for(*, user, association: Association | None = None) -> QuerySet[Hall]:
    qs = policy.halls_visible_to(user).select_related("association")
    return qs if association is None else qs.filter(association=association)


@dataclass(frozen=True)
class HallGrant:
    """A grant a hall received: an approved-or-later application, or an earlier recorded grant."""

    fiscal_year: int
    category: str
    amount: int | None
    label: str
    application: Application | None = None
    repair: HallRepair | None = None


def hall_grant_history(hall: Hall, *, exclude_application_id: int | None = None) -> list[HallGrant]:
    """Grants the hall received, newest first: granted applications naming it, and recorded grants."""
    applications = (
        Application.objects.filter(hall=hall, status__in=workflow.GRANTED_STATES)
        .select_related("programme")
        .order_by("-programme__fiscal_year", "-id")
    )
    if exclude_application_id is not None:
        applications = applications.exclude(pk=exclude_application_id)
    category_names = dict(
        ProgrammeRule.objects.filter(programme__in={a.programme_id for a in applications}).values_list(
            "category", "name"
        )
    )
    grants = [
        HallGrant(
            fiscal_year=a.programme.fiscal_year,
            category=a.category,
            amount=a.paid_amount or a.confirmed_amount or a.approved_amount,
            label=_("%(programme)s（%(category)s、申請番号 %(number)s）")
            % {
                "programme": a.programme.name,
                "category": category_names.get(a.category, a.category),
                "number": a.number,
            },
            application=a,
        )
        for a in applications
    ]
    grants += [
        HallGrant(
            fiscal_year=r.fiscal_year,
            category=r.category,
            amount=r.grant_amount,
            label=_("補助金（%(description)s、%(amount)s、過去の記録）")
            % {"description": r.description, "amount": rules.format_yen(r.grant_amount)},
            repair=r,
        )
        for r in hall.repairs.filter(grant_amount__gt=0)
    ]
    return sorted(grants, key=lambda g: g.fiscal_year, reverse=True)


def hall_earlier_grants(hall: Hall, *, exclude_application_id: int | None = None) -> list[rules.EarlierGrant]:
    """The hall's grants as rules.EarlierGrant, for the repeat-grant rule."""
    return [
        rules.EarlierGrant(fiscal_year=g.fiscal_year, label=g.label)
        for g in hall_grant_history(hall, exclude_application_id=exclude_application_id)
    ]


# ---------------------------------------------------------------------------------------------
# 住民組織助成金
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantBasis:
    """The counts a 住民組織助成金 computation uses: approved member households of one survey round."""

    survey_date: dt.date
    members: dict[int, int]  # active association id → approved member households
    approved_wards: tuple[str, ...]  # ward codes whose counts the city has approved
    pending_wards: tuple[str, ...]  # ward codes not yet approved: their associations are left out


def resident_grant_basis(*, survey_date: dt.date | None = None) -> GrantBasis:
    """Approved member households of the survey round on `survey_date` (default: the latest round).

    Only wards whose counts the city has approved for that round (WardProgress "承認済み") count;
    only active associations get a grant. SubsidyError when there is no such round.
    """
    rounds = SurveyRound.objects.order_by("-survey_date")
    survey_round = rounds.filter(survey_date=survey_date).first() if survey_date else rounds.first()
    if survey_round is None:
        if survey_date:
            message = _(
                "%(date)s の調査がありません。世帯数の調査で%(area)sの承認を済ませてから算定してください。"
            ) % {"date": f"{survey_date:%Y-%m-%d}", "area": labels().area}
        else:
            message = _("調査がありません。世帯数の調査で%(area)sの承認を済ませてから算定してください。") % {
                "area": labels().area
            }
        raise SubsidyError(message)
    progress = list(
        WardProgress.objects.filter(survey_round=survey_round).values_list("ward_id", "ward__code", "status")
    )
    approved_ids = {ward_id for ward_id, _code, status in progress if status == WardProgress.Status.APPROVED}
    members = dict(
        HouseholdCount.objects.filter(
            survey_date=survey_round.survey_date,
            association__ward_id__in=approved_ids,
            association__status=Association.Status.ACTIVE,
        ).values_list("association_id", "member_households")
    )
    return GrantBasis(
        survey_date=survey_round.survey_date,
        members=members,
        approved_wards=tuple(sorted(code for ward_id, code, _s in progress if ward_id in approved_ids)),
        pending_wards=tuple(sorted(code for ward_id, code, _s in progress if ward_id not in approved_ids)),
    )


def resident_grants(*, user, programme: Programme) -> QuerySet[GrantComputation]:
    """The current computation of every recipient the user may see, associations then federations."""
    return (
        policy.grant_computations_visible_to(user)
        .filter(programme=programme, is_current=True)
        .select_related("association", "federation", "previous")
        .order_by("federation__code", "association__code")
    )


def resident_grant_history(
    *, user, programme: Programme, association=None, federation=None
) -> QuerySet[GrantComputation]:
    """Every computation of one recipient, newest first (each with its difference to the previous)."""
    qs = policy.grant_computations_visible_to(user).filter(programme=programme)
    qs = qs.filter(association=association) if association is not None else qs.filter(federation=federation)
    return qs.order_by("-computed_at", "-id")


@dataclass(frozen=True)
class GuideKind:
    name: str
    rate: str  # rules.rate_text
    examples: str


@dataclass(frozen=True)
class GuideCategory:
    """One category of a programme as its page explains it, with an example computed by the rules."""

    row: ProgrammeRule
    rule: rules.CategoryRule
    kinds: list[GuideKind]
    example: rules.WorkedExample
    example_kinds: dict[str, str]  # kind code → name, for the example's lines

    @property
    def open_to_applicants(self) -> bool:
        return not self.row.needs_confirmation


def programme_guide(programme: Programme) -> list[GuideCategory]:
    """The categories of an application programme for its page: kinds with their rates in words and
    examples, and a worked example computed by rules.worked_example from the rule rows."""
    result = []
    for row in programme.rules.prefetch_related("kinds"):
        rule = _as_rule(row)
        result.append(
            GuideCategory(
                row=row,
                rule=rule,
                kinds=[
                    GuideKind(name=k.name, rate=rules.rate_text(rk), examples=k.examples)
                    for k, rk in zip(row.kinds.all(), rule.kinds, strict=True)
                ],
                example=rules.worked_example(rule),
                example_kinds={k.code: k.name for k in rule.kinds},
            )
        )
    return result


def document_requirements(programme: Programme) -> list[DocumentRequirement]:
    """The documents the programme asks for, in order: its page lists them and the attachment step
    offers their kinds (attachment_kinds), so the two say the same."""
    return list(programme.document_requirements.order_by("position", "id"))


def attachment_kinds(programme: Programme, *, staff: bool = False) -> list[tuple[str, str]]:
    """(kind, name) an applicant chooses from when attaching: the programme's documents, then
    「その他」; staff entering a paper application also 「紙の申請書（スキャン）」."""
    kinds = [r.kind for r in document_requirements(programme)]
    kinds += [k for k in (Attachment.Kind.OTHER,) if k not in kinds]
    if staff:
        kinds.append(Attachment.Kind.SCANNED_FORM)
    return [(k, str(Attachment.Kind(k).label)) for k in kinds]


@dataclass(frozen=True)
class Contact:
    office_name: str
    office_phone: str
    office_address: str


def contact_for(association: Association | None, programme: Programme | None = None) -> Contact | None:
    """Whom an applicant asks: the office that checks the programme's applications — their ward's
    office (name, address, telephone as data) on an area_then_city programme, the city's department
    in charge on a city_only one — or None when it is not known."""
    if programme is not None and programme.review_path == workflow.ReviewPath.CITY_ONLY:
        current = city()
        name = current.department_name or current.department_short_name
        return Contact(name, current.department_phone, current.department_address) if name else None
    if association is None or association.ward_id is None:
        return None
    ward = association.ward
    return Contact(ward.office_name, ward.office_phone, ward.office_address)


def sees_bank_account(user, application: Application) -> bool:
    """The 振込先 of a claim: the association's own leaders and the city, which pays; not the ward's
    staff, viewers or other associations."""
    if policy.is_city_admin(user):
        return True
    return policy.associations_applying_as(user).filter(pk=application.association_id).exists()


def claim_of(application: Application):
    """The application's 交付請求, or None."""
    return PaymentClaim.objects.filter(application=application).first()


# The printable documents of an application: key → (title, whether the application has reached it).
DOCUMENTS = ("decision", "confirmation", "claim")


def documents_available(user, application: Application) -> list[str]:
    """Which of 交付決定通知書, 額の確定通知書 and 請求書 exist for the application and the user may open."""
    available = []
    if application.status in workflow.GRANTED_STATES and application.approved_amount is not None:
        available.append("decision")
    if application.confirmed_amount is not None:
        available.append("confirmation")
    if claim_of(application) is not None and sees_bank_account(user, application):
        available.append("claim")
    return available


def transition_day(application: Application, action: str) -> dt.date | None:
    """The (local) day of the application's last `action`, or None."""
    last = application.transitions.filter(action=action).order_by("-at", "-id").first()
    return timezone.localtime(last.at).date() if last is not None else None
