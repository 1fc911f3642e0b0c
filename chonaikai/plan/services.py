"""Writes for the plan's outcome indicators: recording the value of a fiscal year."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.accounts import policy
from chonaikai.audit.services import audit_record, snapshot
from chonaikai.calendar import fiscal_year_of

from . import rules
from .models import Indicator, IndicatorValue

VALUE_FIELDS = ["indicator", "fiscal_year", "value", "note", "recorded_by"]


@transaction.atomic
def indicator_value_record(
    *, indicator_id: int, fiscal_year: int, value: Decimal, note: str = "", actor
) -> IndicatorValue:
    """Record (or correct) an indicator's value for one fiscal year: city administrators only.

    Linked indicators (member households) are measured by the household counts and cannot be
    recorded here. The indicator row is locked so that two corrections of the same indicator are
    applied one after the other, each with its own before/after audit event.
    """
    if not policy.is_city_admin(actor):
        raise PermissionDenied(_("成果指標の値を記録できるのは市の管理者だけです。"))
    indicator = Indicator.objects.select_for_update().get(pk=indicator_id)
    if indicator.is_linked:
        raise ValidationError(
            _("この指標の値は町内会の世帯数調査から集計されるため、ここでは記録できません。"), code="linked"
        )
    years = rules.recordable_fiscal_years(
        baseline_year=indicator.baseline_fiscal_year,
        target_year=indicator.target_fiscal_year,
        current_year=fiscal_year_of(timezone.localdate()),
    )
    if fiscal_year not in years:
        raise ValidationError(
            _("記録できる年度は、基準年度の翌年度から目標年度まで（今年度まで）です。"),
            code="fiscal_year",
        )
    value = Decimal(value)
    if value < 0:
        raise ValidationError(_("値は0以上で入力してください。"), code="negative")
    if not rules.has_at_most_decimals(value, indicator.decimals):
        raise ValidationError(
            _("この指標は小数点以下%(n)d桁までで入力してください。"),
            code="decimals",
            params={"n": indicator.decimals},
        )

    record = (
        IndicatorValue.objects.select_for_update()
        .filter(indicator=indicator, fiscal_year=fiscal_year)
        .first()
    )
    before = snapshot(record, VALUE_FIELDS) if record else None
    user = actor if getattr(actor, "is_authenticated", False) else None
    if record is None:
        record = IndicatorValue.objects.create(
            indicator=indicator, fiscal_year=fiscal_year, value=value, note=note, recorded_by=user
        )
    else:
        record.value, record.note, record.recorded_by = value, note, user
        record.save(update_fields=["value", "note", "recorded_by", "recorded_at"])
    audit_record(
        actor=actor,
        action="plan.value_recorded",
        subject=record,
        before=before,
        after=snapshot(record, VALUE_FIELDS),
    )
    return record
