"""Reads of the 住民組織助成金: the household counts a computation uses and the computed rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from chonaikai.associations.models import Association, HouseholdCount, SurveyRound, WardProgress
from chonaikai.cities.current import labels
from chonaikai.subsidies import policy as subsidy_policy

from ..errors import SubsidyError
from ..models import (
    GrantComputation,
    Programme,
)

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
        subsidy_policy.grant_computations_visible_to(user)
        .filter(programme=programme, is_current=True)
        .select_related("association", "federation", "previous")
        .order_by("federation__code", "association__code")
    )


def resident_grant_history(
    *, user, programme: Programme, association=None, federation=None
) -> QuerySet[GrantComputation]:
    """Every computation of one recipient, newest first (each with its difference to the previous)."""
    qs = subsidy_policy.grant_computations_visible_to(user).filter(programme=programme)
    qs = qs.filter(association=association) if association is not None else qs.filter(federation=federation)
    return qs.order_by("-computed_at", "-id")
