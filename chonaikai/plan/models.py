"""The city plan's outcome indicators (成果指標) and the value each one reached in each fiscal year.

The city's plan states each indicator's baseline and target (the city profile's plan.toml: fiscal
years, values and the plan's title as their source), and the city reports the indicators' progress
every fiscal year. One indicator, the member households of associations, is already measured by
the yearly household counts and its plan figures live in associations.Target: it is linked, not
copied.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from chonaikai.associations.models import Target


class Indicator(models.Model):
    """One outcome indicator: what is measured, in what unit, its FY2022 actual and FY2028 target.

    Either the indicator's figures are its own (baseline and target years and values all set), or
    it is linked to a metric of associations.Target (all four empty): its baseline and target are
    read from there and its yearly values from the household counts.
    """

    code = models.SlugField(_("指標コード"), max_length=40, unique=True)
    name = models.CharField(_("指標名"), max_length=200)
    basic_goal = models.PositiveSmallIntegerField(
        _("基本目標"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    unit = models.CharField(_("単位"), max_length=20)
    decimals = models.PositiveSmallIntegerField(
        _("小数点以下の桁数"), default=0, validators=[MaxValueValidator(2)]
    )
    baseline_fiscal_year = models.PositiveSmallIntegerField(_("基準年度"), null=True, blank=True)
    baseline_value = models.DecimalField(
        _("基準値（実績）"), max_digits=15, decimal_places=2, null=True, blank=True
    )
    target_fiscal_year = models.PositiveSmallIntegerField(_("目標年度"), null=True, blank=True)
    target_value = models.DecimalField(_("目標値"), max_digits=15, decimal_places=2, null=True, blank=True)
    linked_target_metric = models.CharField(
        _("連動する計画指標"),
        max_length=40,
        choices=Target.Metric.choices,
        blank=True,
        help_text=_(
            "設定すると、基準値と目標値は「計画の目標・基準値」から、各年度の値は世帯数調査から読みます。"
        ),
    )
    source = models.CharField(_("出典"), max_length=300)
    order = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("成果指標")
        verbose_name_plural = _("成果指標")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        linked_target_metric="",
                        baseline_fiscal_year__isnull=False,
                        baseline_value__isnull=False,
                        target_fiscal_year__isnull=False,
                        target_value__isnull=False,
                    )
                    & Q(target_fiscal_year__gt=models.F("baseline_fiscal_year"))
                )
                | (
                    ~Q(linked_target_metric="")
                    & Q(
                        baseline_fiscal_year__isnull=True,
                        baseline_value__isnull=True,
                        target_fiscal_year__isnull=True,
                        target_value__isnull=True,
                    )
                ),
                name="indicator_own_figures_or_linked",
                violation_error_message=_(
                    "連動しない指標には基準年度・基準値・目標年度・目標値（基準年度より後）をすべて、"
                    "連動する指標にはいずれも設定しないでください。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(baseline_value__isnull=True) | Q(baseline_value__gte=0),
                name="indicator_baseline_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gte=0),
                name="indicator_target_non_negative",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_linked(self) -> bool:
        return bool(self.linked_target_metric)


class IndicatorValue(models.Model):
    """The value an indicator reached in one fiscal year, as recorded by the city."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("成果指標")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("値"), max_digits=15, decimal_places=2)
    note = models.CharField(_("備考"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("記録者"),
    )
    recorded_at = models.DateTimeField(_("記録日時"), auto_now=True)

    class Meta:
        ordering = ["indicator__order", "fiscal_year"]
        verbose_name = _("成果指標の実績値")
        verbose_name_plural = _("成果指標の実績値")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"],
                name="indicator_value_unique_per_year",
                violation_error_message=_("この指標のこの年度の値は既に記録されています。"),
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_value_non_negative"),
        ]

    def __str__(self):
        return f"{self.indicator} {self.fiscal_year}"
