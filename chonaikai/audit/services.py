"""Recording domain events. Call inside the service's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation

from chonaikai.hooks import Hook

from .models import AuditEvent

# How an event names its actor: `namer(user)`, the name copied into each event (the row outlives the
# user's later changes of office). The audit trail sits below the accounts in the layers (README,
# Architecture): it cannot import how people are named, so accounts registers it when the app is
# ready (AccountsConfig.ready: accounts.names.name_to_store).
ACTOR_NAMER: Hook[Callable[[object], str]] = Hook(
    "the audit trail's actor namer", provider="chonaikai.accounts"
)


def audit_record(
    *,
    actor,
    action: str,
    subject: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    comment: str = "",
) -> AuditEvent:
    """Write one event. `actor` may be None for the system (commands run by the operator)."""
    user, name = _who(actor)
    event = _event(
        user=user,
        actor_name=name,
        action=action,
        subject=subject,
        before=before,
        after=after,
        comment=comment,
    )
    event.save(force_insert=True)
    return event


def audit_records(
    *,
    actor,
    action: str,
    events: Iterable[tuple[models.Model, dict | None, dict | None]],
    comment: str = "",
) -> list[AuditEvent]:
    """Write one event per (subject, before, after), as audit_record would, in one INSERT.

    For a service that records many events of one action at once: the counts import writes one per
    ward it changed, 1,000 wards nationwide, where a loop of audit_record took ~0.5 s.
    """
    events = list(events)
    if not events:
        return []
    user, name = _who(actor)  # once, not per event (1,000 role look-ups)
    rows = [
        _event(
            user=user,
            actor_name=name,
            action=action,
            subject=subject,
            before=before,
            after=after,
            comment=comment,
        )
        for subject, before, after in events
    ]
    return AuditEvent.objects.bulk_create(rows)


def _who(actor) -> tuple[object | None, str]:
    """The user an event records as its actor, and the name copied beside it: `actor` when signed in;
    None and "" for the system (commands run by the operator) or an anonymous user."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return user, (ACTOR_NAMER.get()(user) if user else "")


def _event(*, user, actor_name: str, action, subject, before, after, comment) -> AuditEvent:
    return AuditEvent(
        actor=user,
        actor_name=actor_name,
        action=action,
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        subject_id=str(subject.pk),
        subject_repr=_stored_text(subject),
        before=before,
        after=after,
        comment=comment,
    )


def _stored_text(subject: models.Model) -> str:
    """The subject's name as the record keeps it: in the site's language (Japanese), whatever
    language the person acting reads the site in (some __str__ use translated labels)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(subject)[:200]


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The named fields of an instance as plain values (foreign keys as their ids)."""
    return {name: getattr(instance, instance._meta.get_field(name).attname) for name in fields}
