"""Writes for the register of associations: create, update, dissolve, merge.

See the package docstring for the conventions every service follows. Rules that live here:

- An association belongs to one ward for life. Ward totals for past survey dates are sums of the
  counts of the associations *in* the ward, so moving one would rewrite published history. Its
  district and federation must be in the same ward.
- Codes are `<ward code>-NNNN`. A new association gets the next number after the ward's highest
  (selectors_registry.next_association_code); numbers of dissolved or merged associations are
  never reused, because old files and published tables still name them.
- Changing an association's district or federation moves its counts, for every survey date,
  from one area's maintained sums to the other's (services.summaries); ward totals do not change.
- Dissolving and merging only change the status, the end date and the successor. Counts are
  never moved or deleted, so ward and city totals for every past survey date stay as published;
  the successor's own counts begin with the first survey after the merger.
- An association cannot end before a survey it has counts for (its counts would then sit in
  totals for a date when it no longer existed).
- Representatives' names and contacts are changed only by those policy.can_view_personal_data
  allows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from chonaikai.accounts import policy
from chonaikai.associations import policy as association_policy
from chonaikai.audit.services import audit_record, snapshot
from chonaikai.cities.texts import fill, words
from wards.models import Ward

from ..models import Association, HouseholdCount
from ..stats.services import AREA_FIELDS, summaries_refresh_associations
from .selectors import PERSONAL_FIELDS, next_association_code

# What association_create / association_update accept in `values`. Code, ward, status, end date and
# successor are not here: the code is given once, the ward never changes and the rest belong to
# dissolve and merge.
EDITABLE_FIELDS = (
    "name",
    "kana",
    "district",
    "federation",
    "founded_on",
    "is_authorized_body",
    "hall_latitude",
    "hall_longitude",
    *PERSONAL_FIELDS,
)
# What a "created" event records.
_CREATED_SNAPSHOT = ["code", "ward", "status", *EDITABLE_FIELDS]
_END_FIELDS = ["status", "ended_on", "successor"]
_HISTORY_REASON_MAX = 100  # simple-history's history_change_reason max_length


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _require_edit(actor, association: Association) -> None:
    if actor is not None and not association_policy.can_edit_association(actor, association):
        raise PermissionDenied(_("この町内会を変更する権限がありません。"))


def _require_ward(actor, ward: Ward) -> None:
    if actor is not None and not policy.wards_editable_by(actor).filter(pk=ward.pk).exists():
        raise PermissionDenied(fill(_("この%(area)sの町内会を登録する権限がありません。")))


def _may_edit_personal(actor, association: Association) -> bool:
    return actor is None or policy.can_view_personal_data(actor, association)


def _check_values(values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")


def _stored(value) -> Any:
    """A value as its column holds it (a related object as its id)."""
    return value.pk if isinstance(value, models.Model) else value


def _validate(association: Association) -> None:
    """Field checks (format, length, unique code, constraints) and the ward rules."""
    errors: dict[str, list[str]] = {}
    try:
        association.full_clean()
    except ValidationError as e:
        errors.update(e.message_dict)
    for name in ("district", "federation"):
        related = getattr(association, name)
        if related is not None and related.ward_id != association.ward_id:
            errors.setdefault(name, []).append(
                _("%(related)sは%(ward)sの%(kind)sではありません。")
                % {
                    "related": related.name,
                    "ward": association.ward.name,
                    "kind": association._meta.get_field(name).verbose_name,
                }
            )
    if errors:
        raise ValidationError(errors)


def _save(
    association: Association, *, actor, update_fields: list[str] | None = None, reason: str = ""
) -> None:
    """Save with the row history naming the actor (not just whoever the current request belongs to)."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        association._history_user = actor
    association._change_reason = reason[:_HISTORY_REASON_MAX]
    association.save(update_fields=update_fields)


def _lock(association_id: int) -> Association:
    # of=("self",): lock the association's row, not the ward joined for its name.
    return Association.objects.select_for_update(of=("self",)).select_related("ward").get(pk=association_id)


def _first_count_after(association_ids, day: dt.date) -> tuple[str, dt.date] | None:
    return (
        HouseholdCount.objects.filter(association_id__in=list(association_ids), survey_date__gt=day)
        .order_by("survey_date", "association__code")
        .values_list("association__name", "survey_date")
        .first()
    )


def _not_before_founding(association: Association, day: dt.date, field: str) -> None:
    if association.founded_on and day < association.founded_on:
        raise ValidationError(
            {
                field: _("%(name)sの設立日（%(founded)s）より前の日付です。")
                % {"name": association.name, "founded": f"{association.founded_on:%Y-%m-%d}"}
            }
        )


# ---------------------------------------------------------------------------------------------
# Create and update
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def association_create(
    *, actor, ward: Ward, values: Mapping[str, Any], code: str = "", comment: str = ""
) -> Association:
    """Register a new active association in `ward`.

    `code` blank: the next free code of the ward. `values`: EDITABLE_FIELDS (name required).
    ValidationError keyed by field for bad values; PermissionDenied outside the actor's wards or
    for personal fields the actor may not see.
    """
    _check_values(values)
    # Locking the ward serialises code allocation within it: two registrations at once cannot
    # both take the same "next" number.
    ward = Ward.objects.select_for_update().get(pk=ward.pk)
    _require_ward(actor, ward)
    association = Association(ward=ward, status=Association.Status.ACTIVE)
    if any(values.get(name) for name in PERSONAL_FIELDS) and not _may_edit_personal(actor, association):
        raise PermissionDenied(_("代表者・連絡先を登録する権限がありません。"))
    code = (code or "").strip()
    if not code:
        code = next_association_code(ward)
        if code is None:
            raise ValidationError(
                {"code": _("%(ward)sの町内会コードに空きがありません。") % {"ward": ward.name}}
            )
    elif not code.startswith(f"{ward.code}-"):
        raise ValidationError(
            {
                "code": _("%(ward)sの町内会コードは「%(prefix)s-」で始めてください。")
                % {"ward": ward.name, "prefix": ward.code}
            }
        )
    association.code = code
    for name, value in values.items():
        setattr(association, name, value)
    _validate(association)
    try:
        with transaction.atomic():
            _save(association, actor=actor, reason=comment)
    except IntegrityError as e:
        # Only an insert that bypassed this service could take the code between check and save.
        raise ValidationError(
            {"code": _("町内会コード %(code)s は既に使われています。") % {"code": code}}
        ) from e
    audit_record(
        actor=actor,
        action="association.created",
        subject=association,
        after=snapshot(association, _CREATED_SNAPSHOT),
        comment=comment,
    )
    return association


@transaction.atomic
def association_update(
    *, actor, association_id: int, values: Mapping[str, Any], comment: str = ""
) -> Association:
    """Change an association's EDITABLE_FIELDS. Fields given with their current value are ignored.

    Nothing changed: no write, no history row, no event.
    """
    _check_values(values)
    association = _lock(association_id)
    _require_edit(actor, association)
    changed = {
        name: value
        for name, value in values.items()
        if _stored(value) != getattr(association, association._meta.get_field(name).attname)
    }
    if not changed:
        return association
    if set(changed) & set(PERSONAL_FIELDS) and not _may_edit_personal(actor, association):
        raise PermissionDenied(_("代表者・連絡先を変更する権限がありません。"))
    fields = sorted(changed)
    before = snapshot(association, fields)
    for name, value in changed.items():
        setattr(association, name, value)
    _validate(association)
    _save(association, actor=actor, update_fields=fields, reason=comment)
    if changed.keys() & AREA_FIELDS:
        # Its counts move from one district's or federation's sums to another's.
        summaries_refresh_associations([association.pk])
    audit_record(
        actor=actor,
        action="association.updated",
        subject=association,
        before=before,
        after=snapshot(association, fields),
        comment=comment,
    )
    return association


# ---------------------------------------------------------------------------------------------
# Dissolve and merge
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def association_dissolve(*, actor, association_id: int, dissolved_on: dt.date, reason: str) -> Association:
    """解散: an active association ends on `dissolved_on`. Its counts stay where they are."""
    association = _lock(association_id)
    _require_edit(actor, association)
    if association.status != Association.Status.ACTIVE:
        raise ValidationError(
            _("%(name)sは既に「%(status)s」です。")
            % {"name": association.name, "status": association.get_status_display()}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("解散の理由を入力してください。")})
    _not_before_founding(association, dissolved_on, "dissolved_on")
    later = _first_count_after([association.pk], dissolved_on)
    if later is not None:
        raise ValidationError(
            {
                "dissolved_on": _(
                    "解散日より後の調査基準日（%(date)s）の世帯数が登録されています。"
                    "解散日はその日以後にしてください。"
                )
                % {"date": f"{later[1]:%Y-%m-%d}"}
            }
        )
    before = snapshot(association, _END_FIELDS)
    association.status = Association.Status.DISSOLVED
    association.ended_on = dissolved_on
    history_reason = f"解散 {reason}"  # i18n: data (stored in the row history)
    _save(association, actor=actor, update_fields=["status", "ended_on"], reason=history_reason)
    audit_record(
        actor=actor,
        action="association.dissolved",
        subject=association,
        before=before,
        after=snapshot(association, _END_FIELDS),
        comment=reason,
    )
    return association


@transaction.atomic
def association_merge(
    *,
    actor,
    predecessor_ids: Sequence[int],
    merged_on: dt.date,
    successor_id: int | None = None,
    new_successor: Mapping[str, Any] | None = None,
    comment: str = "",
) -> Association:
    """合併: the predecessors end on `merged_on` with `successor` pointing at the association that
    continues them — an existing one (吸収合併) or one registered here (新設合併).

    All of them must be active and in one ward (a merger across wards is refused even for a city
    administrator: it would move households between ward totals). `new_successor` takes
    association_create's `values` plus an optional "code"; its errors are keyed new_<field>.
    Returns the successor. Counts are neither moved nor deleted.
    """
    if (successor_id is None) == (new_successor is None):
        raise TypeError("association_merge() takes either successor_id or new_successor")
    predecessor_ids = list(dict.fromkeys(predecessor_ids))
    if successor_id is not None and successor_id in predecessor_ids:
        raise ValidationError(
            {"successor": _("存続する町内会を、合併により廃止する町内会にも選ぶことはできません。")}
        )
    minimum = 1 if successor_id is not None else 2
    if len(predecessor_ids) < minimum:
        raise ValidationError(
            {
                "predecessors": _("合併により廃止する町内会を1つ以上選んでください。")
                if minimum == 1
                else _("新しい町内会を設立する合併では、廃止する町内会を2つ以上選んでください。")
            }
        )

    ids = [*predecessor_ids, *([successor_id] if successor_id is not None else [])]
    # Locked in id order, so that two mergers touching the same associations cannot deadlock.
    locked = {
        a.pk: a
        for a in Association.objects.select_for_update(of=("self",))
        .select_related("ward")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    if len(locked) != len(ids):
        raise ValidationError(_("選んだ町内会の一部が見つかりません。画面を開き直してください。"))
    involved = [locked[pk] for pk in ids]
    for association in involved:
        _require_edit(actor, association)
    if len({a.ward_id for a in involved}) > 1:
        names = pgettext("list separator", "、").join(
            _("%(name)s（%(ward)s）") % {"name": a.name, "ward": a.ward.name} for a in involved
        )
        raise ValidationError(
            {
                "predecessors": _(
                    "%(area)sをまたぐ合併はできません（%(names)s）。同じ%(area)sの町内会を選んでください。"
                )
                % {**words(), "names": names}
            }
        )
    for association in involved:
        if association.status != Association.Status.ACTIVE:
            field = "successor" if association.pk == successor_id else "predecessors"
            raise ValidationError(
                {
                    field: _("%(name)sは「%(status)s」のため合併できません。")
                    % {"name": association.name, "status": association.get_status_display()}
                }
            )
    predecessors = sorted((locked[pk] for pk in predecessor_ids), key=lambda a: a.code)
    for association in predecessors:
        _not_before_founding(association, merged_on, "merged_on")
    later = _first_count_after(predecessor_ids, merged_on)
    if later is not None:
        raise ValidationError(
            {
                "merged_on": _(
                    "%(name)sには合併日より後の調査基準日（%(date)s）の世帯数が登録されています。"
                    "合併日はその日以後にしてください。"
                )
                % {"name": later[0], "date": f"{later[1]:%Y-%m-%d}"}
            }
        )

    if successor_id is not None:
        successor = locked[successor_id]
    else:
        values = dict(new_successor)
        code = values.pop("code", "") or ""
        values.setdefault("founded_on", merged_on)
        try:
            successor = association_create(
                actor=actor, ward=predecessors[0].ward, values=values, code=code, comment=comment
            )
        except ValidationError as e:
            if not hasattr(e, "error_dict"):
                raise
            raise ValidationError({f"new_{name}": errors for name, errors in e.error_dict.items()}) from e

    for association in predecessors:
        before = snapshot(association, _END_FIELDS)
        association.status = Association.Status.MERGED
        association.ended_on = merged_on
        association.successor = successor
        _save(
            association,
            actor=actor,
            update_fields=_END_FIELDS,
            reason=f"合併 {successor.code} {comment}".strip(),  # i18n: data
        )
        audit_record(
            actor=actor,
            action="association.merged",
            subject=association,
            before=before,
            after=snapshot(association, _END_FIELDS),
            comment=comment,
        )
    audit_record(
        actor=actor,
        action="association.merge_received",
        subject=successor,
        after={"merged_on": merged_on, "predecessors": [a.code for a in predecessors]},
        comment=comment,
    )
    return successor
