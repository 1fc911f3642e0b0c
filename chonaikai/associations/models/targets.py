"""The city's plan figures: baselines and targets per fiscal year."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Target(models.Model):
    """A figure of the city's plan: a baseline (actual) or a target for one fiscal year."""

    class Metric(models.TextChoices):
        MEMBER_HOUSEHOLDS = "member_households", _("町内会加入世帯数")
        MEMBERSHIP_RATE = "membership_rate", _("町内会加入率（%）")

    class Kind(models.TextChoices):
        BASELINE = "baseline", _("基準値（実績）")
        TARGET = "target", _("目標値")

    metric = models.CharField(_("指標"), max_length=40, choices=Metric.choices)
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("値"), max_digits=14, decimal_places=2)
    source = models.CharField(_("出典"), max_length=300, blank=True)

    class Meta:
        ordering = ["metric", "fiscal_year"]
        verbose_name = _("計画の目標・基準値")
        verbose_name_plural = _("計画の目標・基準値")
        constraints = [
            models.UniqueConstraint(fields=["metric", "kind", "fiscal_year"], name="target_unique_per_year"),
        ]

    def __str__(self):
        return f"{self.get_metric_display()} {self.fiscal_year} {self.get_kind_display()}"
