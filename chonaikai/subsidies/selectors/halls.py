"""Reads of meeting halls: the halls a user may see and each hall's grant history (for the
repeat-grant rule)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from chonaikai.associations.models import Association
from chonaikai.subsidies import policy as subsidy_policy

from .. import rules, wording, workflow
from ..models import (
    Application,
    Hall,
    HallRepair,
    ProgrammeRule,
)

# ---------------------------------------------------------------------------------------------
# Meeting halls
# ---------------------------------------------------------------------------------------------


def halls_for(*, user, association: Association | None = None) -> QuerySet[Hall]:
    qs = subsidy_policy.halls_visible_to(user).select_related("association")
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
            % {"description": r.description, "amount": wording.format_yen(r.grant_amount)},
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
