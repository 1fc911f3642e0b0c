"""Attachments of an application: storing an uploaded file (type read from the content) and
removing one while the application may still change."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from chonaikai.audit.services import audit_record
from chonaikai.subsidies import policy as subsidy_policy

from .. import attachments, workflow
from ..errors import (
    IllegalTransition,
    InvalidApplication,
)
from ..models import Application, Attachment
from ..wording import status_label
from ..workflow import Status
from .applications import (
    _locked,
    _save_changed,
    _user,
)

# Attachments may be added while the content is editable, and after approval for the completion report.
_ATTACHABLE_STATES = workflow.EDITABLE_STATES | {Status.APPROVED}


def _store_attachment(app: Application, file, *, kind: str, actor) -> Attachment:
    file_type = attachments.check_upload(file)
    original = PurePath(getattr(file, "name", "") or "file").name[:255]
    attachment = Attachment(
        application=app,
        kind=kind,
        original_name=original,
        content_type=file_type.content_type,
        size=file.size,
        uploaded_by=_user(actor),
    )
    # A random stored name with the extension of the detected type; the uploader's name is kept apart.
    attachment.file.save(f"{uuid.uuid4().hex}{file_type.extensions[0]}", file, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(*, actor, application_id: int, file, kind: str = Attachment.Kind.OTHER) -> Attachment:
    """Attach a PDF, JPEG, PNG or XLSX (type read from the content; size ≤ the setting).

    Allowed while the content is editable, and after approval (receipts for the completion
    report). AttachmentRejected explains a refused file.
    """
    if kind not in Attachment.Kind.values:
        raise InvalidApplication(_("書類の種類「%(kind)s」はありません。") % {"kind": kind})
    app = _locked(actor, application_id)
    if not subsidy_policy.can_act_for_association(actor, app):
        raise PermissionDenied(_("この申請に書類を添付する権限がありません。"))
    if app.status not in _ATTACHABLE_STATES:
        raise IllegalTransition(
            _("「%(status)s」の申請には書類を添付できません。") % {"status": status_label(app.status)}
        )
    attachment = _store_attachment(app, file, kind=kind, actor=actor)
    # Before the decision an attachment is part of what is checked; after it (receipts for the
    # completion report) the paper entry's check stays as the record of the check that was made.
    check = (
        _save_changed(app, actor=actor)
        if app.status in workflow.EDITABLE_STATES
        else {"verified_by": app.verified_by_id}
    )
    audit_record(
        actor=_user(actor),
        action="subsidy_application.attachment_added",
        subject=app,
        before=check,
        after={
            "attachment": attachment.pk,
            "kind": kind,
            "name": attachment.original_name,
            "verified_by": app.verified_by_id,
        },
    )
    return attachment


@transaction.atomic
def attachment_delete(*, actor, attachment_id: int) -> None:
    """Remove an attachment of a draft or returned application; the file goes after commit.

    Never from 交付決定 on, for anyone: what the decision, the completion report and the payment
    rest on stays (IllegalTransition), files included. A deletion undoes a paper entry's check.
    """
    attachment = get_object_or_404(
        Attachment.objects.filter(application__in=subsidy_policy.applications_visible_to(actor)),
        pk=attachment_id,
    )
    app = _locked(actor, attachment.application_id)
    if not subsidy_policy.can_act_for_association(actor, app):
        raise PermissionDenied(_("この申請の書類を削除する権限がありません。"))
    if app.status not in workflow.EDITABLE_STATES:
        if app.status in workflow.GRANTED_STATES:
            raise IllegalTransition(
                _(
                    "「%(status)s」の申請の書類は削除できません。交付決定の後は、書類を追加できますが、"
                    "削除や差し替えはできません（記録として残します）。"
                )
                % {"status": status_label(app.status)},
                extra={"status": app.status},
            )
        raise IllegalTransition(
            _("「%(status)s」の申請の書類は削除できません。") % {"status": status_label(app.status)},
            extra={"status": app.status},
        )
    name = attachment.file.name
    check = _save_changed(app, actor=actor)
    audit_record(
        actor=_user(actor),
        action="subsidy_application.attachment_deleted",
        subject=app,
        before={
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "name": attachment.original_name,
            **check,
        },
        after={"verified_by": app.verified_by_id},
    )
    attachment.delete()
    transaction.on_commit(lambda: default_storage.delete(name))
