"""Chainable, read-only filters for subsidies. Who may see what is policy's question, not these."""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from .workflow import GRANTED_STATES, QUEUE_STATES, ReviewPath, Status


class ApplicationQuerySet(models.QuerySet):
    def in_status(self, *statuses: str):
        return self.filter(status__in=statuses)

    def for_programme(self, code: str, fiscal_year: int | None = None):
        qs = self.filter(programme__code=code)
        return qs if fiscal_year is None else qs.filter(programme__fiscal_year=fiscal_year)

    def in_fiscal_year(self, fiscal_year: int):
        return self.filter(programme__fiscal_year=fiscal_year)

    def in_ward(self, ward):
        return self.filter(association__ward=ward)

    def waiting_for(self, stage: str):
        """Applications waiting for `stage` ("area": the area office, "city": the city), each by its
        programme's review path (workflow.QUEUE_STATES): a city_only application never waits for
        the area office."""
        condition = Q(pk__in=[])
        for path in ReviewPath.values:
            states = QUEUE_STATES[(path, stage)]
            if states:
                condition |= Q(programme__review_path=path, status__in=states)
        return self.filter(condition)

    def granted(self):
        """Applications the city has granted money to (approved and after)."""
        return self.filter(status__in=GRANTED_STATES)

    def oldest_first(self):
        return self.order_by("status_changed_at", "id")

    def totals(self) -> dict[str, int]:
        """approved / committed / paid sums over the queryset, in one query.

        committed: what the grants take from the budget — the paid amount once paid, the confirmed
        amount once confirmed (額の確定 can only lower it), the approved amount before that.
        """
        committed = Case(
            When(status=Status.PAID, then=F("paid_amount")),
            When(status=Status.CONFIRMED, then=F("confirmed_amount")),
            When(status__in=[Status.APPROVED, Status.COMPLETION_REPORTED], then=F("approved_amount")),
            default=Value(0),
            output_field=models.BigIntegerField(),
        )
        granted = Q(status__in=GRANTED_STATES)
        sums = self.aggregate(
            approved=Coalesce(Sum("approved_amount", filter=granted), 0),
            committed=Coalesce(Sum(committed), 0),
            paid=Coalesce(Sum("paid_amount", filter=Q(status=Status.PAID)), 0),
        )
        return {key: int(value) for key, value in sums.items()}


class HallQuerySet(models.QuerySet):
    def of_association(self, association):
        return self.filter(association=association)


class GrantComputationQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True)
