"""Writes for computed programmes (kind = computed, such as a 住民組織助成金): computed for every
association and federation from member households, not applied for.

The programme's rules say what is paid: the rule of category "unit" (or the programme's only rule,
category "") per association, the rule of category "federation", if there is one, per federation;
both by method per_household with the amount per household in the row (models.RESIDENT_*).

The basis is the approved member households of a survey round (selectors.resident_grant_basis):
only wards whose counts the city has approved count, only active associations get a grant, and a
federation's grant is computed from the sum of its associations' households. Each run compares
with the current computation of every recipient: unchanged ones are left alone; changed or new ones
get a new GrantComputation row with the counts used and `difference` = new − previously computed,
so a count corrected after approval shows up as a recomputation with its difference.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.associations.models import Association
from chonaikai.audit.services import audit_record
from chonaikai.subsidies import policy as subsidy_policy

from .. import rules, selectors
from ..errors import InvalidApplication
from ..models import RESIDENT_FEDERATION_CATEGORY, RESIDENT_UNIT_CATEGORY, GrantComputation, Programme


@dataclass(frozen=True)
class GrantRun:
    """What one computation run did."""

    programme: Programme
    survey_date: dt.date
    created: int  # recipients computed for the first time
    changed: int  # recipients recomputed with another amount or count
    unchanged: int
    total_amount: int  # of every current computation after the run
    difference_total: int  # sum of the differences of this run's new rows
    pending_wards: tuple[str, ...]  # ward codes left out: their counts are not approved


def computed_rules(programme: Programme) -> tuple[rules.CategoryRule, rules.CategoryRule | None]:
    """The association rule and the federation rule (None: federations get nothing) of a computed
    programme, from its rule rows; InvalidApplication when its rules cannot compute a grant."""
    by_category = {rule.code: rule for rule in selectors.programme_rules(programme)}
    unit = by_category.get(RESIDENT_UNIT_CATEGORY)
    if unit is None and set(by_category) == {""}:
        unit = by_category[""]
    federation = by_category.get(RESIDENT_FEDERATION_CATEGORY)
    if unit is None:
        raise InvalidApplication(
            _(
                "%(programme)sには町内会ごとの算定基準（区分コード「%(unit)s」）がありません。"
                "算定基準を登録してから算定してください。"
            )
            % {"programme": programme.name, "unit": RESIDENT_UNIT_CATEGORY}
        )
    for rule in (unit, federation):
        if rule is not None and (
            rule.method != rules.Method.PER_HOUSEHOLD or rule.per_household_amount is None
        ):
            raise InvalidApplication(
                _("%(programme)s（%(category)s）の算定方法は「加入世帯数 × 単価」にしてください。")
                % {"programme": programme.name, "category": rule.name}
            )
    return unit, federation


@transaction.atomic
def resident_grant_compute(*, actor, programme_id: int, survey_date: dt.date | None = None) -> GrantRun:
    """Compute (or recompute) the programme's grant for every active association and federation.

    `survey_date` picks the survey round (default: the latest). City administrators, or the
    command line (actor None). Runs of one programme are serialised by a lock on its row.
    """
    if actor is not None and not subsidy_policy.can_compute_resident_grants(actor):
        raise PermissionDenied(_("加入世帯数による助成金を算定できるのは市の管理者です。"))
    programme = Programme.objects.select_for_update().get(pk=programme_id)
    if programme.kind != Programme.Kind.COMPUTED:
        raise InvalidApplication(_("%(programme)sは申請による制度です。") % {"programme": programme.name})
    unit_rule, federation_rule = computed_rules(programme)
    basis = selectors.resident_grant_basis(survey_date=survey_date)

    federation_of = dict(Association.objects.filter(pk__in=basis.members).values_list("id", "federation_id"))
    per_federation: dict[int, list[int]] = defaultdict(list)
    for association_id, members in basis.members.items():
        if federation_of.get(association_id) is not None:
            per_federation[federation_of[association_id]].append(members)

    current = {
        ("a", row.association_id) if row.association_id else ("f", row.federation_id): row
        for row in GrantComputation.objects.current().filter(programme=programme)
    }
    user = actor if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    new_rows: list[GrantComputation] = []
    superseded: list[int] = []
    unchanged = 0

    def consider(key, rule: rules.CategoryRule, members: int, counted: int, **recipient) -> None:
        nonlocal unchanged
        breakdown = rules.compute_amount(rule, member_households=members)
        previous = current.get(key)
        if (
            previous is not None
            and previous.survey_date == basis.survey_date
            and previous.member_households == members
            and previous.amount == breakdown.amount
        ):
            unchanged += 1
            return
        if previous is not None:
            superseded.append(previous.pk)
        new_rows.append(
            GrantComputation(
                programme=programme,
                survey_date=basis.survey_date,
                member_households=members,
                associations_counted=counted,
                per_household_amount=rule.per_household_amount,
                amount=breakdown.amount,
                previous=previous,
                difference=rules.grant_difference(breakdown.amount, previous.amount if previous else None),
                is_current=True,
                breakdown=breakdown.as_dict(),
                computed_at=now,
                computed_by=user,
                **recipient,
            )
        )

    for association_id, members in sorted(basis.members.items()):
        consider(("a", association_id), unit_rule, members, 1, association_id=association_id)
    for federation_id, counts in sorted(per_federation.items() if federation_rule is not None else ()):
        consider(("f", federation_id), federation_rule, sum(counts), len(counts), federation_id=federation_id)

    # GrantComputation has no row history; this service records the run itself (audit below).
    # Superseded rows stop being current before the new ones are inserted (one current per recipient).
    GrantComputation.objects.filter(pk__in=superseded).update(is_current=False)
    GrantComputation.objects.bulk_create(new_rows, batch_size=500)
    total = sum(
        GrantComputation.objects.current().filter(programme=programme).values_list("amount", flat=True)
    )
    run = GrantRun(
        programme=programme,
        survey_date=basis.survey_date,
        created=len(new_rows) - len(superseded),
        changed=len(superseded),
        unchanged=unchanged,
        total_amount=total,
        difference_total=sum(row.difference for row in new_rows),
        pending_wards=basis.pending_wards,
    )
    audit_record(
        actor=user,
        action="resident_grant.computed",
        subject=programme,
        after={
            "survey_date": basis.survey_date.isoformat(),
            "created": run.created,
            "changed": run.changed,
            "unchanged": run.unchanged,
            "total_amount": run.total_amount,
            "difference_total": run.difference_total,
            "pending_wards": list(run.pending_wards),
        },
    )
    return run
