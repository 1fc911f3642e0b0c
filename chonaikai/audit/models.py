"""Domain events: who did what to which record, when, with the values before and after.

This is the second audit layer beside django-simple-history's row history. Services write one
event per state change in the same transaction as the change (so an event exists exactly when the
change does). The actor's name is copied in, so the record survives the account being removed.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作者"),
    )
    # Copied so the record stays readable after the account is gone; "" for the system.
    actor_name = models.CharField(_("操作者名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("対象の種類"))
    subject_id = models.CharField(_("対象のID"), max_length=64)
    subject_repr = models.CharField(_("対象"), max_length=200)
    before = models.JSONField(_("変更前"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("変更後"), null=True, blank=True, encoder=DjangoJSONEncoder)
    comment = models.TextField(_("コメント"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("操作記録")
        verbose_name_plural = _("操作記録")
        indexes = [
            # Serves "events of this record, newest first" on detail pages.
            models.Index(fields=["subject_type", "subject_id", "-at"], name="audit_subject_at_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or '-'} {self.action} {self.subject_repr}"
