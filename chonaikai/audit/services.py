"""Recording domain events. Call inside the service's transaction."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent


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
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "",
        action=action,
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        subject_id=str(subject.pk),
        subject_repr=str(subject)[:200],
        before=before,
        after=after,
        comment=comment,
    )


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """The named fields of an instance as plain values (foreign keys as their ids)."""
    return {name: getattr(instance, instance._meta.get_field(name).attname) for name in fields}
