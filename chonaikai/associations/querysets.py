"""Chainable, read-only filters for associations and counts."""

from django.db import models
from django.db.models import OuterRef, Subquery

from .rules import normalize_for_search


class AssociationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status="active")

    def in_ward(self, ward):
        return self.filter(ward=ward)

    def search(self, text: str):
        """Match name or kana whatever the width or kana type of `text`."""
        key = normalize_for_search(text)
        return self.filter(search_text__contains=key) if key else self

    def with_latest_count(self):
        """Annotate each association's most recent count (three correlated subqueries, one query)."""
        from .models import HouseholdCount

        latest = HouseholdCount.objects.filter(association=OuterRef("pk")).order_by("-survey_date")
        return self.annotate(
            latest_survey_date=Subquery(latest.values("survey_date")[:1]),
            latest_households=Subquery(latest.values("households")[:1]),
            latest_members=Subquery(latest.values("member_households")[:1]),
        )


class HouseholdCountQuerySet(models.QuerySet):
    def on(self, survey_date):
        return self.filter(survey_date=survey_date)

    def survey_dates(self):
        """Distinct survey dates that have counts, newest first."""
        return self.order_by("-survey_date").values_list("survey_date", flat=True).distinct()
