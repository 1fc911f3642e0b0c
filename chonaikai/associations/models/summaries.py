"""The maintained sums of the counts per ward, district and federation and survey date."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from wards.models import District, Ward

from .associations import Federation


class WardSummary(models.Model):
    """Sums of one ward's counts on one survey date: a maintained aggregate, never edited by hand.

    One row per (ward, survey date) that has counts. Written only by
    services.summaries.summaries_refresh, which every service that writes counts calls inside its
    own transaction for exactly the pairs it touched (and `manage.py rebuild_summaries` rebuilds
    them all). selectors.membership_stats / membership_series read the ward and city levels here:
    at 3,000,000 counts the GROUP BY takes 0.3–2 s, this table a few ms.
    """

    ward = models.ForeignKey(
        Ward, on_delete=models.CASCADE, related_name="summaries", verbose_name=_("%(area)s")
    )
    survey_date = models.DateField(_("調査基準日"))
    households = models.PositiveBigIntegerField(_("区域内世帯数"))
    member_households = models.PositiveBigIntegerField(_("加入世帯数"))
    associations = models.PositiveIntegerField(_("世帯数を記録した町内会の数"))
    # A new value with every refresh of the pair (and every rebuild), written under this row's lock,
    # like the pair's district and federation rows: a reader that finds the same revisions finds the
    # same summaries below the ward (stats.kept keeps the city-wide rows made from them).
    revision = models.UUIDField(_("更新の識別子"), default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["ward__code", "survey_date"]
        verbose_name = _("%(area)sの集計")
        verbose_name_plural = _("%(area)sの集計")
        constraints = [
            # Also the index of every read: by survey date for one ward, or (ward, date) pairs.
            models.UniqueConstraint(fields=["ward", "survey_date"], name="ward_summary_unique_per_survey"),
        ]
        indexes = [
            # The city level and the list of survey dates read all wards of a date.
            models.Index(fields=["survey_date"], name="ward_summary_survey_date"),
        ]

    def __str__(self):
        return f"{self.ward_id} {self.survey_date:%Y-%m-%d}"


class AreaSummary(models.Model):
    """A ward's counts summed per area (district or federation) and survey date, like WardSummary.

    Rewritten by services.summaries.summaries_refresh for the same (ward, date) pairs, under the
    lock of the pair's WardSummary row. Keyed by ward too: one ward's figures read only its rows,
    the city's sum an area's rows over wards. Area NULL: associations of no district/federation.
    """

    # No index of its own: the unique constraints lead with the ward.
    ward = models.ForeignKey(
        Ward, on_delete=models.CASCADE, related_name="+", verbose_name=_("%(area)s"), db_index=False
    )
    survey_date = models.DateField(_("調査基準日"))
    households = models.PositiveBigIntegerField(_("区域内世帯数"))
    member_households = models.PositiveBigIntegerField(_("加入世帯数"))
    associations = models.PositiveIntegerField(_("世帯数を記録した町内会の数"))

    AREA = ""  # the Association field that names the area: "district" or "federation"

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.ward_id} {getattr(self, f'{self.AREA}_id')} {self.survey_date:%Y-%m-%d}"


class DistrictSummary(AreaSummary):
    """Sums per (ward, district, survey date): the district level of the statistics."""

    AREA = "district"
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("地区"),
    )

    class Meta:
        ordering = ["ward__code", "district__code", "survey_date"]
        verbose_name = _("地区の集計")
        verbose_name_plural = _("地区の集計")
        constraints = [
            # Also the index of one ward's reads and of the refresh's DELETE.
            models.UniqueConstraint(
                fields=["ward", "district", "survey_date"], name="district_summary_unique_per_survey"
            ),
            # NULLs are distinct in a unique constraint: the empty district needs its own.
            models.UniqueConstraint(
                fields=["ward", "survey_date"],
                condition=models.Q(district__isnull=True),
                name="district_summary_unique_unassigned",
            ),
        ]
        # The city-wide figures read every row of one or two survey dates.
        indexes = [models.Index(fields=["survey_date"], name="district_summary_survey_date")]


class FederationSummary(AreaSummary):
    """Sums per (ward, federation, survey date): the federation (連合町内会) level of the statistics."""

    AREA = "federation"
    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("%(federation)s")
    )

    class Meta:
        ordering = ["ward__code", "federation__code", "survey_date"]
        verbose_name = _("%(federation)sの集計")
        verbose_name_plural = _("%(federation)sの集計")
        constraints = [
            models.UniqueConstraint(
                fields=["ward", "federation", "survey_date"], name="federation_summary_unique_per_survey"
            ),
            models.UniqueConstraint(
                fields=["ward", "survey_date"],
                condition=models.Q(federation__isnull=True),
                name="federation_summary_unique_unassigned",
            ),
        ]
        indexes = [models.Index(fields=["survey_date"], name="federation_summary_survey_date")]
