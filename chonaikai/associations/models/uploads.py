"""Counts files (世帯数の取込ファイル) from upload to import, and the column mapping each ward gave last."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wards.models import Ward


class CountsUploadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The uploads `user` may see: their own, and nobody else's (not even a city administrator's).

        An upload is its owner's work in progress (the raw file, the reason typed, the outcome shown
        to them); once imported, the counts are visible through their own scoped reads. Everyone
        else, and an anonymous user, gets nothing, so a stranger's upload id answers 404.
        """
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user).exclude(status=CountsUpload.Status.DISCARDED)


def _counts_upload_path(upload, filename: str) -> str:
    # The user's file name is data (kept in `filename`), never part of a storage path.
    return f"imports/uploads/{upload.pk}/upload"


class CountsUpload(models.Model):
    """A counts file (世帯数の取込ファイル) from upload to import, and what became of it.

    One record for the page, the API, the command and the background tasks
    (services.uploads): uploaded → (previewing →) previewed → importing → imported or failed;
    discarded when the user gives it up. `stage`/`done`/`total` are the progress of the task at work
    on it; `result` the preview's figures and issues, then the import's outcome. The file is
    removed from the storage once the import has an outcome, and the record (file and row) is
    purged after COUNTS_UPLOAD_RETENTION_HOURS (services.counts_uploads_purge, run by the
    purge_counts_uploads command and Celery beat).
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("受付済み")
        PREVIEWING = "previewing", _("確認中")
        PREVIEWED = "previewed", _("確認済み")
        IMPORTING = "importing", _("取込中")
        IMPORTED = "imported", _("取込済み")
        FAILED = "failed", _("取込不可")
        DISCARDED = "discarded", _("破棄")

    # The id is the upload's address in URLs (/import/<id>/, the API's progress URL): unguessable.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("取込者"),
        help_text=_("空欄はコマンドによるシステム取込"),
    )
    ward = models.ForeignKey(
        Ward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("%(area)s"),
        help_text=_("空欄は市全体"),
    )
    survey_date = models.DateField(_("調査基準日"))
    filename = models.CharField(_("ファイル名"), max_length=255)
    file = models.FileField(_("ファイル"), upload_to=_counts_upload_path, max_length=255, blank=True)
    # Rows in the file (header and blank rows included), counted when the size first matters.
    rows = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    reason = models.TextField(_("変更理由"), blank=True)
    # Column mapping given on the preview page: required column → index of the file's header cell.
    columns = models.JSONField(_("列の対応"), default=dict, blank=True)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.UPLOADED)
    stage = models.CharField(_("処理段階"), max_length=12, blank=True)
    done = models.PositiveIntegerField(_("処理済み行数"), default=0)
    total = models.PositiveIntegerField(_("全行数"), default=0)
    result = models.JSONField(_("結果"), null=True, blank=True)
    created_at = models.DateTimeField(_("受付日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    expires_at = models.DateTimeField(_("削除予定日時"), db_index=True)

    objects = CountsUploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("世帯数の取込ファイル")
        verbose_name_plural = _("世帯数の取込ファイル")

    def __str__(self):
        return f"{self.filename} {self.survey_date:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.IMPORTED, self.Status.FAILED)

    @property
    def submitted(self) -> bool:
        """Committed: the import is running or has an outcome."""
        return self.status in (self.Status.IMPORTING, self.Status.IMPORTED, self.Status.FAILED)


class WardColumnMapping(models.Model):
    """The column mapping a ward's staff gave last for a counts file, applied to the ward's next file.

    `columns`: required column name (importer.Col) → the header text it was found under, so that a
    next file with the same headings in another order is still read right. One per ward (NULL: the
    city-wide imports of city administrators).
    """

    ward = models.OneToOneField(
        Ward, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("%(area)s")
    )
    columns = models.JSONField(_("列の対応"), default=dict)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新者"),
    )

    class Meta:
        verbose_name = _("取込ファイルの列の対応")
        verbose_name_plural = _("取込ファイルの列の対応")
        constraints = [
            models.UniqueConstraint(
                fields=["ward"], condition=models.Q(ward__isnull=True), name="column_mapping_one_citywide"
            ),
        ]

    def __str__(self):
        return str(self.ward or "")
