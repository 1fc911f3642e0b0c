"""Writes for programmes and their rules: confirm a rule, start a new fiscal year from the last.

Day-to-day editing of budgets, windows and rule rows is the admin site's (city administrators;
row history records who changed what). These services do what needs more than one row or a rule.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.audit.services import audit_record
from chonaikai.calendar import fiscal_year_label
from chonaikai.subsidies import policy as subsidy_policy

from .. import wording
from ..errors import SubsidyError
from ..models import DocumentRequirement, ExpenseKindRule, Programme, ProgrammeRule


def _require_manager(actor) -> None:
    if actor is not None and not subsidy_policy.can_manage_programmes(actor):
        raise PermissionDenied(_("補助制度と算定基準を変更できるのは市の管理者です。"))


@transaction.atomic
def rule_confirm(*, actor, rule_id: int, comment: str = "") -> ProgrammeRule:
    """Mark a category's rule as checked against the 要綱: it loses 「要綱で要確認」 and approvals may use it."""
    _require_manager(actor)
    rule = get_object_or_404(
        ProgrammeRule.objects.select_for_update().select_related("programme"), pk=rule_id
    )
    if not rule.needs_confirmation:
        raise SubsidyError(_("%(rule)sは既に確認済みです。") % {"rule": rule})
    rule.needs_confirmation = False
    rule.confirmed_by = actor
    rule.confirmed_at = timezone.now()
    rule._history_user = actor
    rule.save(update_fields=["needs_confirmation", "confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor,
        action="programme_rule.confirmed",
        subject=rule,
        before={"needs_confirmation": True},
        after={
            "needs_confirmation": False,
            "cap": rule.cap,
            "rates": [(k.code, k.rate_numerator, k.rate_denominator) for k in rule.kinds.all()],
        },
        comment=comment,
    )
    return rule


def _shift(day: dt.date | None, years: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def programme_copy_to_fiscal_year(
    *, actor, programme_id: int, fiscal_year: int, budget: int | None = None
) -> Programme:
    """Start `fiscal_year` of a programme from another year's row: settings, rules and rates copied.

    Every copied rule is marked 「要綱で要確認」: a new year's rates and caps are assumed, not known,
    until a city administrator confirms them (rule_confirm). The budget is `budget` (None: not yet
    registered, no approvals possible) and the window moves by the years between.
    """
    _require_manager(actor)
    source = get_object_or_404(Programme, pk=programme_id)
    if Programme.objects.filter(code=source.code, fiscal_year=fiscal_year).exists():
        raise SubsidyError(
            _("%(programme)sの%(fiscal_year)sは既に登録されています。")
            % {"programme": source.name, "fiscal_year": wording.fiscal_year_text(fiscal_year)}
        )
    years = fiscal_year - source.fiscal_year
    programme = Programme.objects.create(
        code=source.code,
        fiscal_year=fiscal_year,
        name=source.name,
        short_name=source.short_name,
        kind=source.kind,
        review_path=source.review_path,
        budget=budget,
        opens_on=_shift(source.opens_on, years),
        closes_on=_shift(source.closes_on, years),
        one_application_per_year=source.one_application_per_year,
        summary=source.summary,
        source=source.source,
        # A stored note, kept in the language of the record (and of the note it extends).
        note=f"{fiscal_year_label(source.fiscal_year)}の設定から複写。{source.note}".strip(),  # i18n: data
    )
    for rule in source.rules.prefetch_related("kinds"):
        kinds = list(rule.kinds.all())
        copied = ProgrammeRule.objects.create(
            programme=programme,
            category=rule.category,
            name=rule.name,
            method=rule.method,
            cap=rule.cap,
            rounding_unit=rule.rounding_unit,
            per_m2_amount=rule.per_m2_amount,
            per_household_amount=rule.per_household_amount,
            tax_numerator=rule.tax_numerator,
            tax_denominator=rule.tax_denominator,
            requires_hall=rule.requires_hall,
            repeat_grant_interval_years=rule.repeat_grant_interval_years,
            needs_confirmation=True,
            source=rule.source,
            note=rule.note,
            position=rule.position,
        )
        ExpenseKindRule.objects.bulk_create(
            ExpenseKindRule(
                rule=copied,
                code=k.code,
                name=k.name,
                rate_numerator=k.rate_numerator,
                rate_denominator=k.rate_denominator,
                examples=k.examples,
                position=k.position,
            )
            for k in kinds
        )
    DocumentRequirement.objects.bulk_create(
        DocumentRequirement(programme=programme, kind=d.kind, description=d.description, position=d.position)
        for d in source.document_requirements.all()
    )
    audit_record(
        actor=actor,
        action="programme.copied",
        subject=programme,
        after={"from_fiscal_year": source.fiscal_year, "fiscal_year": fiscal_year, "budget": budget},
    )
    return programme
