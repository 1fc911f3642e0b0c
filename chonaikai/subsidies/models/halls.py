"""Meeting halls (市民集会施設) as assets, and the grants a hall received before this system."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from chonaikai.associations.models import Association

from .. import wording
from ..querysets import HallQuerySet
from .programmes import code_validator

# ---------------------------------------------------------------------------------------------
# Meeting halls (市民集会施設) as assets
# ---------------------------------------------------------------------------------------------


class Hall(models.Model):
    """A meeting hall (市民集会施設) an association owns or leases.

    A hall its association's leader registers (on the first step of a hall application) is
    「区の確認待ち」 until the ward's staff or a city administrator checks it against the papers
    (services.hall_confirm, during review; forwarding to the city waits for it). A hall registered
    by staff is checked when registered; a leader's later change of it needs a new check.
    """

    class Tenure(models.TextChoices):
        OWNED = "owned", _("所有")
        LEASED = "leased", _("借上げ")

    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, related_name="halls", verbose_name=_("町内会")
    )
    name = models.CharField(_("会館名"), max_length=120)
    address = models.CharField(_("所在地"), max_length=200, blank=True)
    tenure = models.CharField(_("所有・借上げ"), max_length=10, choices=Tenure.choices, default=Tenure.OWNED)
    year_built = models.PositiveSmallIntegerField(_("建築年"), null=True, blank=True)
    floor_area_m2 = models.DecimalField(
        _("延床面積（m²）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("経度"), max_digits=9, decimal_places=6, null=True, blank=True)
    notes = models.TextField(_("備考"), blank=True)
    checked_at = models.DateTimeField(_("%(area)sが確認した日時"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確認した職員"),
    )
    is_sample = models.BooleanField(_("サンプルデータ"), default=False)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    history = HistoricalRecords()
    objects = HallQuerySet.as_manager()

    class Meta:
        ordering = ["association__code", "name"]
        verbose_name = _("会館")
        verbose_name_plural = _("会館")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(floor_area_m2__isnull=True) | models.Q(floor_area_m2__gt=0),
                name="hall_floor_area_positive",
                violation_error_message=_("延床面積は0より大きい値にしてください。"),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def awaiting_check(self) -> bool:
        """Registered by the association and not yet checked by the ward."""
        return self.checked_at is None


class HallRepair(models.Model):
    """Works on a hall recorded outside this system's applications (earlier files, own funds).

    A row with `grant_amount` is a grant the hall received before the system existed; it counts for
    the repeat-grant rule like an approved application does.
    """

    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="repairs", verbose_name=_("会館"))
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("区分コード"), max_length=40, blank=True, validators=[code_validator])
    description = models.CharField(_("内容"), max_length=200)
    cost = models.PositiveBigIntegerField(_("工事費等（円）"), null=True, blank=True)
    grant_amount = models.PositiveBigIntegerField(_("補助金の額（円）"), null=True, blank=True)
    note = models.TextField(_("備考"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("記録した人"),
    )
    recorded_at = models.DateTimeField(_("記録日時"), auto_now_add=True)

    class Meta:
        ordering = ["hall", "-fiscal_year", "-id"]
        verbose_name = _("会館の修繕・補助の履歴")
        verbose_name_plural = _("会館の修繕・補助の履歴")

    def __str__(self):
        return f"{self.hall} {wording.fiscal_year_text(self.fiscal_year)} {self.description}"
