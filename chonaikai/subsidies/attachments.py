"""Checking uploaded attachments: size, and the type read from the content's first bytes.

The file's name and the browser's Content-Type are the uploader's claims; the bytes are not. A file
is accepted only if its content is one of the accepted types (PDF, JPEG, PNG, XLSX) and its name's
extension agrees with that content (a PNG named .pdf is refused). XLSX is a ZIP archive, so for
it the archive's table of contents must hold a workbook ([Content_Types].xml and xl/workbook.xml).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import AttachmentRejected

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_HEAD_BYTES = 16


@dataclass(frozen=True)
class FileType:
    name: str | Promise  # shown in messages (translated when shown)
    content_type: str
    extensions: tuple[str, ...]  # the first is used for the stored name


PDF = FileType("PDF", "application/pdf", (".pdf",))
JPEG = FileType(gettext_lazy("JPEG画像"), "image/jpeg", (".jpg", ".jpeg"))
PNG = FileType(gettext_lazy("PNG画像"), "image/png", (".png",))
XLSX = FileType(
    gettext_lazy("Excelファイル（.xlsx）"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
ACCEPTED = (PDF, JPEG, PNG, XLSX)


def max_bytes() -> int:
    """The size limit: settings.SUBSIDY_ATTACHMENT_MAX_BYTES (10 MB by default)."""
    return getattr(settings, "SUBSIDY_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def detect_type(file) -> FileType | None:
    """The accepted type the content is, from its magic bytes; None for anything else.

    `file` is any seekable binary file object (an UploadedFile, a ContentFile, an open file); it is
    rewound afterwards.
    """
    file.seek(0)
    head = file.read(_HEAD_BYTES)
    try:
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"PK\x03\x04") and _is_xlsx(file):
            return XLSX
        return None
    finally:
        file.seek(0)


def _is_xlsx(file) -> bool:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def check_upload(file, *, name: str | None = None, limit: int | None = None) -> FileType:
    """The file's type if it may be attached; AttachmentRejected (a message for the uploader) if not.

    Checks, in order: not empty, not larger than `limit` (default max_bytes()), content of an
    accepted type, and the name's extension matching the content.
    """
    name = name if name is not None else getattr(file, "name", "") or ""
    limit = max_bytes() if limit is None else limit
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    shown = PurePath(name).name or _("ファイル")
    if size == 0:
        raise AttachmentRejected(_("「%(name)s」は空のファイルです。") % {"name": shown})
    if size > limit:
        raise AttachmentRejected(
            _("「%(name)s」は大きすぎます（%(size)s）。%(limit)s以下のファイルにしてください。")
            % {"name": shown, "size": _megabytes(size), "limit": _megabytes(limit)},
            extra={"size": size, "limit": limit},
        )
    detected = detect_type(file)
    accepted = _("、").join(str(t.name) for t in ACCEPTED)
    if detected is None:
        raise AttachmentRejected(
            _("「%(name)s」は受け付けられない形式です。%(accepted)sのいずれかを添付してください。")
            % {"name": shown, "accepted": accepted}
        )
    extension = PurePath(name).suffix.lower()
    if extension not in detected.extensions:
        raise AttachmentRejected(
            _(
                "「%(name)s」の中身は%(type)sですが、ファイル名の拡張子（%(extension)s）と一致しません。"
                "正しい拡張子のファイルを添付してください。"
            )
            % {"name": shown, "type": detected.name, "extension": extension or _("なし")},
            extra={"detected": detected.content_type, "extension": extension},
        )
    return detected


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}MB"
