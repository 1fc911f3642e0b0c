"""Reads of programmes: the programmes of a year, their windows and rule rows (as
rules.CategoryRule dataclasses), budget summaries, the guide page's categories and the documents
and contact an applicant needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from chonaikai.associations.models import Association
from chonaikai.calendar import fiscal_year_bounds
from chonaikai.cities.current import city

from .. import rules, wording, workflow
from ..errors import InvalidApplication
from ..models import (
    Application,
    Attachment,
    DocumentRequirement,
    GrantComputation,
    Programme,
    ProgrammeRule,
)
from ..workflow import Status

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


@dataclass(frozen=True)
class GuideKind:
    name: str
    rate: str  # wording.rate_text
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
                    GuideKind(name=k.name, rate=wording.rate_text(rk), examples=k.examples)
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
