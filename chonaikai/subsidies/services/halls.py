"""Writes for meeting halls (市民集会施設): the register and the record of earlier works and grants."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from chonaikai.accounts import policy
from chonaikai.associations.models import Association
from chonaikai.audit.services import audit_record, snapshot

from ..errors import InvalidApplication
from ..models import Hall, HallRepair

HALL_FIELDS = ("name", "tenure", "year_built", "floor_area_m2", "latitude", "longitude", "notes")


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _validated(hall: Hall) -> None:
    try:
        hall.full_clean(exclude=["association"])
    except ValidationError as e:
        messages = [
            _("%(field)s: %(errors)s")
            % {"field": hall._meta.get_field(f).verbose_name, "errors": _("、").join(m)}
            for f, m in e.message_dict.items()
        ]
        raise InvalidApplication(
            _("会館の登録内容を確認してください（%(errors)s）。") % {"errors": " / ".join(messages)}
        ) from e


@transaction.atomic
def hall_create(
    *,
    actor,
    association_id: int,
    name: str,
    tenure: str = Hall.Tenure.OWNED,
    year_built: int | None = None,
    floor_area_m2: Decimal | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    notes: str = "",
) -> Hall:
    """Register a hall of an association: its leader, its ward's staff, city administrators (else 404)."""
    association = get_object_or_404(Association, pk=association_id)
    if not policy.can_edit_hall(actor, association):
        raise Http404("no such association")
    hall = Hall(
        association=association,
        name=(name or "").strip(),
        tenure=tenure,
        year_built=year_built,
        floor_area_m2=floor_area_m2,
        latitude=latitude,
        longitude=longitude,
        notes=notes,
    )
    _validated(hall)
    hall._history_user = _user(actor)
    hall.save()
    audit_record(
        actor=_user(actor), action="hall.created", subject=hall, after=snapshot(hall, list(HALL_FIELDS))
    )
    return hall


@transaction.atomic
def hall_update(*, actor, hall_id: int, **changes) -> Hall:
    """Change a hall's register entry (any of HALL_FIELDS).

    A changed floor area changes the demolition amount: submitted applications are recomputed
    when they are approved.
    """
    unknown = set(changes) - set(HALL_FIELDS)
    if unknown:
        raise TypeError(f"hall_update() cannot change {sorted(unknown)}")
    hall = get_object_or_404(policy.halls_visible_to(actor).select_for_update(of=("self",)), pk=hall_id)
    if not policy.can_edit_hall(actor, hall.association):
        raise Http404("no such hall")
    before = snapshot(hall, list(changes))
    for field, value in changes.items():
        setattr(hall, field, value)
    _validated(hall)
    hall._history_user = _user(actor)
    hall.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=_user(actor),
        action="hall.updated",
        subject=hall,
        before=before,
        after=snapshot(hall, list(changes)),
    )
    return hall


@transaction.atomic
def hall_repair_record(
    *,
    actor,
    hall_id: int,
    fiscal_year: int,
    description: str,
    category: str = "",
    cost: int | None = None,
    grant_amount: int | None = None,
    note: str = "",
) -> HallRepair:
    """Record works on a hall from earlier files; with `grant_amount`, a grant it received then.

    Such grants count for the repeat-grant rule, so only ward staff and city administrators record them.
    """
    hall = get_object_or_404(policy.halls_visible_to(actor).select_related("association"), pk=hall_id)
    if not policy.can_record_hall_history(actor, hall):
        raise Http404("no such hall")
    description = (description or "").strip()
    if not description:
        raise InvalidApplication(_("工事・補助の内容を入力してください。"))
    for label, value in ((_("工事費等"), cost), (_("補助金の額"), grant_amount)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise InvalidApplication(_("%(field)sは0以上の整数（円）で入力してください。") % {"field": label})
    repair = HallRepair.objects.create(
        hall=hall,
        fiscal_year=fiscal_year,
        category=category,
        description=description,
        cost=cost,
        grant_amount=grant_amount,
        note=note,
        recorded_by=_user(actor),
    )
    audit_record(
        actor=_user(actor),
        action="hall.repair_recorded",
        subject=hall,
        after={
            "repair": repair.pk,
            "fiscal_year": fiscal_year,
            "category": category,
            "cost": cost,
            "grant_amount": grant_amount,
        },
    )
    return repair
