"""Reading domain events."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent


def events_for(subject: models.Model):
    """Events of one record, newest first."""
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=True),
        subject_id=str(subject.pk),
    ).select_related("actor")
