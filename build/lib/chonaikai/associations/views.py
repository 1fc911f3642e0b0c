"""Public pages: the city dashboard, the association list and an association's page.

Views parse the request, call selectors, querysets and rules, and render. Rates always come from
rules.membership_rate; personal data is shown only where accounts.policy allows it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, render

from chonaikai.accounts import policy

from . import rules, selectors
from .filters import AssociationFilter
from .models import Association, HouseholdCount
from .selectors import Level

ASSOCIATIONS_PER_PAGE = 50
PERSONAL_FIELDS = ("representative_name", "contact_phone", "contact_email", "contact_address")


def dashboard(request):
    board = selectors.city_dashboard()
    series = selectors.membership_series(level=Level.CITY)
    wards = []
    if board.city is not None:
        wards = selectors.membership_stats(survey_date=board.city.survey_date, level=Level.WARD)
    return render(
        request,
        "associations/dashboard.html",
        {
            "board": board,
            "city": board.city,
            "progress": board.progress,
            "city_series": series,
            "series_has_registry": any(row.registry_rate is not None for row in series),
            "ward_rows": wards,
            "wards_have_registry": any(row.registry_rate is not None for row in wards),
        },
    )


def _with_latest_count(queryset):
    """Each association's most recent count, as three correlated subqueries (one query in all)."""
    latest = HouseholdCount.objects.filter(association=OuterRef("pk")).order_by("-survey_date")
    return queryset.annotate(
        latest_survey_date=Subquery(latest.values("survey_date")[:1]),
        latest_households=Subquery(latest.values("households")[:1]),
        latest_members=Subquery(latest.values("member_households")[:1]),
    )


def association_list(request):
    filterset = AssociationFilter(
        request.GET or None,
        queryset=policy.associations_visible_to(request.user)
        .select_related("ward", "federation")
        .defer(*PERSONAL_FIELDS)  # never shown in the list, so never read for it
        .order_by("code"),
    )
    page = Paginator(_with_latest_count(filterset.qs), ASSOCIATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for association in page:
        association.latest_rate = rules.membership_rate(
            association.latest_members, association.latest_households
        )
    return render(
        request,
        "associations/association_list.html",
        {
            "filter": filterset,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "latest_survey_date": selectors.latest_survey_date(),
            "is_filtered": any(request.GET.get(name) for name in filterset.filters),
        },
    )


@dataclass(frozen=True)
class CountRow:
    """One line of an association's count history."""

    survey_date: dt.date
    households: int
    member_households: int
    rate: Decimal | None
    change: Decimal | None  # against the association's previous count

    @property
    def fiscal_year(self) -> int:
        return rules.fiscal_year_of(self.survey_date)


def _count_history(association: Association) -> list[CountRow]:
    rows: list[CountRow] = []
    for count in association.counts.order_by("survey_date"):
        rate = rules.membership_rate(count.member_households, count.households)
        previous = rows[-1].rate if rows else None
        rows.append(
            CountRow(
                survey_date=count.survey_date,
                households=count.households,
                member_households=count.member_households,
                rate=rate,
                change=rules.rate_change(rate, previous),
            )
        )
    return rows


def association_detail(request, code: str):
    association = get_object_or_404(
        policy.associations_visible_to(request.user).select_related(
            "ward", "district", "federation", "successor"
        ),
        code=code,
    )
    return render(
        request,
        "associations/association_detail.html",
        {
            "association": association,
            "predecessors": list(association.predecessors.order_by("code")),
            "history": _count_history(association),
            # Representative's name and contacts: only where the one policy module says so.
            "show_personal_data": policy.can_view_personal_data(request.user, association),
        },
    )
