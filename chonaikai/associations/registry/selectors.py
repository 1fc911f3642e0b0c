"""Reads for the register of associations: the next free code and an association's change log.

The change log puts together the two audit layers for one association: the row history of the
association and of its counts (django-simple-history: who, when, which fields before → after) and
the domain events services recorded about it (chonaikai.audit). It shows staff names and personal
data, so callers show it only where the policy allows (see views.association_detail).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.translation import gettext, gettext_lazy, pgettext

from chonaikai.accounts.names import display_names
from chonaikai.audit.selectors import events_for
from wards.models import District, Ward

from .. import code_format
from ..models import Association, Federation, HouseholdCount
from ..templatetags.japanese import jdate

# Rows of history and events shown at most (newest first). Each layer is read in one query.
CHANGE_LOG_LIMIT = 100

_ASSOCIATION_FIELDS = (
    "code",
    "name",
    "kana",
    "ward",
    "district",
    "federation",
    "status",
    "ended_on",
    "successor",
    "founded_on",
    "is_authorized_body",
    "hall_latitude",
    "hall_longitude",
    "representative_name",
    "contact_phone",
    "contact_email",
    "contact_address",
)
# The representative's name and contacts: personal data (policy.can_view_personal_data).
PERSONAL_FIELDS = ("representative_name", "contact_phone", "contact_email", "contact_address")
_COUNT_FIELDS = ("survey_date", "households", "member_households", "note", "source")
_RELATED = {"ward": Ward, "district": District, "federation": Federation, "successor": Association}
EVENT_LABELS = {
    "association.created": gettext_lazy("登録"),
    "association.updated": gettext_lazy("変更"),
    "association.dissolved": gettext_lazy("解散"),
    "association.merged": gettext_lazy("合併（廃止）"),
    "association.merge_received": gettext_lazy("合併（存続・新設）"),
}
_KINDS = {"+": gettext_lazy("作成"), "~": gettext_lazy("変更"), "-": gettext_lazy("削除")}
# Keys of event values that are not fields of Association.
_EVENT_KEYS = {"merged_on": gettext_lazy("合併日"), "predecessors": gettext_lazy("合併した町内会")}


def next_association_code(ward: Ward) -> str | None:
    """`<ward>-NNNN` (as many digits as the city's format) after the ward's highest number; None
    when the highest number of that width is taken.

    One query. Codes are fixed-width (the model's validator), so text order is number order.
    """
    prefix = f"{ward.code}-"
    highest = (
        Association.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(highest[len(prefix) :]) + 1 if highest and highest[len(prefix) :].isdigit() else 1
    return code_format.code_for(ward.code, number)


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeEntry:
    """One line of the change log: a domain event or a history row."""

    at: dt.datetime
    user: str
    what: str  # 町内会 / 世帯数（令和7年1月1日） / the event's label
    kind: str  # 作成, 変更, 削除, or 操作 for events
    changes: tuple[FieldChange, ...] = ()
    note: str = ""  # the history row's change reason or the event's comment


@dataclass(frozen=True)
class ChangeLog:
    """What was done (domain events) and how each record changed (row history), newest first."""

    events: list[ChangeEntry]
    rows: list[ChangeEntry]
    events_truncated: bool
    rows_truncated: bool


def association_change_log(
    association: Association, *, include_personal: bool, limit: int = CHANGE_LOG_LIMIT
) -> ChangeLog:
    """The events about the association, and the row history of it and its counts; newest first.

    Without `include_personal` (policy.can_view_personal_data) changes of the representative's
    name and contacts are left out, their values never shown.

    Four queries (association history, count history, events, the users' roles) plus at most one per kind of
    related record named in a change (ward, district, federation, successor): never one per row.
    """
    association_rows = list(
        association.history.select_related("history_user").order_by("history_date", "history_id")
    )
    count_rows = list(
        HouseholdCount.history.filter(association_id=association.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    events = list(events_for(association)[: limit + 1])

    fields = (
        _ASSOCIATION_FIELDS
        if include_personal
        else tuple(name for name in _ASSOCIATION_FIELDS if name not in PERSONAL_FIELDS)
    )
    association_diffs = _diffs(association_rows, fields)
    count_diffs = _diffs(count_rows, _COUNT_FIELDS)
    names = _related_names(association_diffs, events)
    users = display_names(row.history_user for row in association_rows + count_rows)
    names.update({("user", pk): name for pk, name in users.items()})

    rows = [
        _history_entry(row, changes, gettext("町内会"), Association, names)
        for row, changes in association_diffs
    ]
    for row, changes in count_diffs:
        what = gettext("世帯数（%(day)s）") % {"day": jdate(row.survey_date)}
        rows.append(_history_entry(row, changes, what, HouseholdCount, names))
    rows.sort(key=lambda e: e.at, reverse=True)
    hidden = () if include_personal else PERSONAL_FIELDS
    return ChangeLog(
        events=[_event_entry(event, names, hidden=hidden) for event in events[:limit]],
        rows=rows[:limit],
        events_truncated=len(events) > limit,
        rows_truncated=len(rows) > limit,
    )


def _diffs(rows, fields) -> list[tuple[object, list[tuple[str, object, object]]]]:
    """(history row, [(field, before, after)]) per row; unchanged updates are left out."""
    previous: dict[int, object] = {}
    result = []
    for row in rows:
        model = row.instance_type
        attnames = {name: model._meta.get_field(name).attname for name in fields}
        before = previous.get(row.id)
        if row.history_type == "+" or before is None:
            changes = [
                (name, None, getattr(row, attname))
                for name, attname in attnames.items()
                if not _is_blank(getattr(row, attname))
            ]
        elif row.history_type == "-":
            changes = []
        else:
            changes = [
                (name, getattr(before, attname), getattr(row, attname))
                for name, attname in attnames.items()
                if getattr(before, attname) != getattr(row, attname)
            ]
            if not changes:
                previous[row.id] = row
                continue
        previous[row.id] = row
        result.append((row, changes))
    return result


def _is_blank(value) -> bool:
    return value is None or value == "" or value is False


def _related_names(association_diffs, events) -> dict[tuple[str, object], str]:
    """(field, id) → name for every related record a change or an event mentions."""
    wanted: dict[str, set] = {name: set() for name in _RELATED}
    for _row, changes in association_diffs:
        for name, before, after in changes:
            if name in wanted:
                wanted[name].update(v for v in (before, after) if v is not None)
    for event in events:
        for values in (event.before or {}, event.after or {}):
            for name, value in values.items():
                if name in wanted and value is not None:
                    wanted[name].add(value)
    names = {}
    for name, ids in wanted.items():
        if ids:
            for pk, label in _RELATED[name].objects.filter(pk__in=ids).values_list("pk", "name"):
                names[(name, pk)] = label
    return names


def _history_entry(row, changes, what: str, model: type[Model], names) -> ChangeEntry:
    user = names[("user", row.history_user_id)] if row.history_user is not None else gettext("システム")
    return ChangeEntry(
        at=row.history_date,
        user=user,
        what=what,
        kind=str(_KINDS.get(row.history_type, row.history_type)),
        changes=tuple(
            FieldChange(
                label=str(model._meta.get_field(name).verbose_name),
                before=_display(model, name, before, names),
                after=_display(model, name, after, names),
            )
            for name, before, after in changes
        ),
        note=row.history_change_reason or "",
    )


def _event_entry(event, names, *, hidden) -> ChangeEntry:
    before, after = event.before or {}, event.after or {}
    changes = []
    for name in dict.fromkeys([*before, *after]):
        if name in hidden or (name in before and name in after and before[name] == after[name]):
            continue
        field = _field(Association, name)
        label = str(field.verbose_name) if field is not None else str(_EVENT_KEYS.get(name, name))
        changes.append(
            FieldChange(
                label=label,
                before=_display(Association, name, before.get(name), names) if name in before else "",
                after=_display(Association, name, after.get(name), names) if name in after else "",
            )
        )
    return ChangeEntry(
        at=event.at,
        user=event.actor_name or gettext("システム"),
        what=str(EVENT_LABELS.get(event.action, event.action)),
        kind=pgettext("change log", "操作"),
        changes=tuple(changes),
        note=event.comment,
    )


def _field(model: type[Model], name: str):
    """The model's own field called `name` (not a reverse relation such as predecessors), or None."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if field.concrete else None


def _display(model: type[Model], name: str, value, names) -> str:
    """A stored value as people read it: choices by label, related records by name, dates in era."""
    if value is None or value == "":
        return "—"
    if name in _RELATED:
        return names.get((name, value), f"#{value}")
    if isinstance(value, list):
        return pgettext("list separator", "、").join(str(v) for v in value)
    field = _field(model, name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("はい") if value else gettext("いいえ")
    if isinstance(value, str) and name in ("ended_on", "founded_on", "survey_date", "merged_on"):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return jdate(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)
