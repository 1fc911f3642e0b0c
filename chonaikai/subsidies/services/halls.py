"""Writes for meeting halls (市民集会施設): the register and the record of earlier works and grants."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from chonaikai.associations import policy as association_policy
from chonaikai.associations.models import Association
from chonaikai.audit.services import audit_record, snapshot
from chonaikai.cities.current import labels
from chonaikai.subsidies import policy as subsidy_policy

from ..errors import InvalidApplication
from ..models import Hall, HallRepair

HALL_FIELDS = (
    "name",
    "address",
    "tenure",
    "year_built",
    "floor_area_m2",
    "latitude",
    "longitude",
    "notes",
)
# What a change by the association (not the ward) sends back to 「区の確認待ち」.
_CHECKED_FIELDS = ("name", "address", "tenure", "year_built", "floor_area_m2")


@dataclass(frozen=True)
class HallInput:
    """A hall as a leader registers it on the first step of a hall application."""

    name: str
    address: str
    floor_area_m2: Decimal | None
    tenure: str
    year_built: int | None = None


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
    address: str = "",
    tenure: str = Hall.Tenure.OWNED,
    year_built: int | None = None,
    floor_area_m2: Decimal | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    notes: str = "",
) -> Hall:
    """Register a hall of an association: its leader, its ward's staff, city administrators (else 404).

    Registered by the ward's staff or the city it is checked at once; by the association's leader it
    is 「区の確認待ち」 until the ward checks it (hall_confirm).
    """
    association = get_object_or_404(Association, pk=association_id)
    if not subsidy_policy.can_edit_hall(actor, association):
        raise Http404("no such association")
    staff = association_policy.can_edit_association(actor, association)
    hall = Hall(
        association=association,
        name=(name or "").strip(),
        address=(address or "").strip(),
        tenure=tenure,
        year_built=year_built,
        floor_area_m2=floor_area_m2,
        latitude=latitude,
        longitude=longitude,
        notes=notes,
        checked_at=timezone.now() if staff else None,
        checked_by=_user(actor) if staff else None,
    )
    _validated(hall)
    hall._history_user = _user(actor)
    hall.save()
    audit_record(
        actor=_user(actor),
        action="hall.created",
        subject=hall,
        after={**snapshot(hall, list(HALL_FIELDS)), "awaiting_check": hall.awaiting_check},
    )
    return hall


def hall_register_for_application(*, actor, association_id: int, hall: HallInput) -> Hall:
    """A hall registered on the way to an application: its name, address and floor area are required
    (the amount and the ward's check need them), then hall_create."""
    missing = [
        str(Hall._meta.get_field(field).verbose_name)
        for field, value in (
            ("name", (hall.name or "").strip()),
            ("address", (hall.address or "").strip()),
            ("floor_area_m2", hall.floor_area_m2),
        )
        if value in (None, "")
    ]
    if missing:
        raise InvalidApplication(
            _("会館を登録するには、%(fields)sを入力してください。") % {"fields": _("、").join(missing)},
            extra={"hall_id": None, "missing": missing},
        )
    return hall_create(
        actor=actor,
        association_id=association_id,
        name=hall.name,
        address=hall.address,
        tenure=hall.tenure,
        year_built=hall.year_built,
        floor_area_m2=hall.floor_area_m2,
    )


@transaction.atomic
def hall_confirm(*, actor, hall_id: int) -> Hall:
    """The ward has checked a hall an association registered against its papers (by its ward's staff
    or a city administrator; a leader: PermissionDenied; outside the actor's scope: Http404)."""
    hall = get_object_or_404(
        subsidy_policy.halls_visible_to(actor).select_for_update(of=("self",)).select_related("association"),
        pk=hall_id,
    )
    if not subsidy_policy.can_record_hall_history(actor, hall):
        raise PermissionDenied(
            _("会館の登録内容を確認できるのは、%(office)sの職員と市の管理者です。")
            % {"office": labels().area_office}
        )
    if not hall.awaiting_check:
        return hall
    hall.checked_at = timezone.now()
    hall.checked_by = actor
    hall._history_user = _user(actor)
    hall.save(update_fields=["checked_at", "checked_by", "updated_at"])
    audit_record(
        actor=_user(actor), action="hall.checked", subject=hall, after=snapshot(hall, list(_CHECKED_FIELDS))
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
    hall = get_object_or_404(
        subsidy_policy.halls_visible_to(actor).select_for_update(of=("self",)), pk=hall_id
    )
    if not subsidy_policy.can_edit_hall(actor, hall.association):
        raise Http404("no such hall")
    before = snapshot(hall, list(changes))
    for field, value in changes.items():
        setattr(hall, field, value)
    _validated(hall)
    fields = [*changes, "updated_at"]
    if not association_policy.can_edit_association(actor, hall.association) and set(changes) & set(
        _CHECKED_FIELDS
    ):
        hall.checked_at = None  # the association changed what the ward checked: check again
        hall.checked_by = None
        fields += ["checked_at", "checked_by"]
    hall._history_user = _user(actor)
    hall.save(update_fields=fields)
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
    hall = get_object_or_404(subsidy_policy.halls_visible_to(actor).select_related("association"), pk=hall_id)
    if not subsidy_policy.can_record_hall_history(actor, hall):
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
