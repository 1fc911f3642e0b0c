"""住民組織助成金: computed from approved household counts, not applied for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chonaikai.associations.models import Association, Federation

from ..querysets import GrantComputationQuerySet
from ..wording import format_yen
from .programmes import Programme

# ---------------------------------------------------------------------------------------------
# 住民組織助成金: computed, not applied for
# ---------------------------------------------------------------------------------------------


class GrantComputation(models.Model):
    """One computation of the 住民組織助成金 for an association or a federation, with the counts used.

    Never updated: a recomputation with different counts adds a row pointing at the previous one,
    with `difference` = new amount − previously computed amount, and becomes the current row.
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="grant_computations", verbose_name=_("補助制度")
    )
    association = models.ForeignKey(
        Association,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grant_computations",
        verbose_name=_("町内会"),
    )
    federation = models.ForeignKey(
        Federation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grant_computations",
        verbose_name=_("%(federation)s"),
    )
    survey_date = models.DateField(_("調査基準日"))
    member_households = models.PositiveIntegerField(_("加入世帯数"))
    associations_counted = models.PositiveIntegerField(_("集計した町内会数"), default=1)
    per_household_amount = models.PositiveIntegerField(_("1世帯あたりの額（円）"))
    amount = models.PositiveBigIntegerField(_("助成額（円）"))
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("前回の算定"),
    )
    difference = models.BigIntegerField(_("前回との差額（円）"))
    is_current = models.BooleanField(_("最新"), default=True)
    breakdown = models.JSONField(_("算定の内訳"), default=dict)
    computed_at = models.DateTimeField(_("算定日時"), default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("算定した人"),
    )

    objects = GrantComputationQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "association__code", "federation__code", "-computed_at", "-id"]
        verbose_name = _("住民組織助成金の算定")
        verbose_name_plural = _("住民組織助成金の算定")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(association__isnull=False, federation__isnull=True)
                | models.Q(association__isnull=True, federation__isnull=False),
                name="grant_computation_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["programme", "association"],
                condition=models.Q(is_current=True, association__isnull=False),
                name="grant_computation_one_current_per_association",
            ),
            models.UniqueConstraint(
                fields=["programme", "federation"],
                condition=models.Q(is_current=True, federation__isnull=False),
                name="grant_computation_one_current_per_federation",
            ),
        ]

    def __str__(self):
        return f"{self.programme} {self.recipient} {format_yen(self.amount)}"

    @property
    def recipient(self) -> Association | Federation:
        return self.association or self.federation
