"""Attachments: the type is read from the content, the size is limited, files go to default_storage."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from chonaikai.subsidies import attachments, services
from chonaikai.subsidies.errors import AttachmentRejected, IllegalTransition
from chonaikai.subsidies.models import Attachment
from chonaikai.subsidies.workflow import Status

from .helpers import jpeg_file, pdf_file, png_file, xlsx_file, zip_file


@pytest.mark.parametrize(
    ("upload", "content_type"),
    [
        (pdf_file("申請書.pdf"), "application/pdf"),
        (jpeg_file("photo.JPG"), "image/jpeg"),
        (jpeg_file("photo.jpeg"), "image/jpeg"),
        (png_file("photo.png"), "image/png"),
        (xlsx_file("見積.xlsx"), attachments.XLSX.content_type),
    ],
)
def test_pdf_jpeg_png_and_xlsx_are_accepted_by_their_content(upload, content_type):
    assert attachments.check_upload(upload).content_type == content_type


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (png_file("receipt.pdf"), "中身はPNG画像ですが、ファイル名の拡張子（.pdf）と一致しません"),
        (pdf_file("scan.png"), "中身はPDFですが"),
        (pdf_file("noextension"), "拡張子（なし）"),
        (SimpleUploadedFile("script.pdf", b"<script>alert(1)</script>"), "受け付けられない形式です"),
        (SimpleUploadedFile("doc.docx", b"PK\x03\x04 not really a zip"), "受け付けられない形式です"),
        (zip_file("archive.xlsx"), "受け付けられない形式です"),  # a ZIP, but not a workbook
        (SimpleUploadedFile("empty.pdf", b""), "空のファイル"),
    ],
)
def test_files_whose_content_is_not_an_accepted_type_or_does_not_match_the_name_are_refused(upload, message):
    with pytest.raises(AttachmentRejected, match=message):
        attachments.check_upload(upload)


def test_files_over_the_size_limit_are_refused(settings):
    settings.SUBSIDY_ATTACHMENT_MAX_BYTES = 1024
    assert attachments.check_upload(pdf_file(size=1024))
    with pytest.raises(AttachmentRejected, match=r"大きすぎます（0\.0MB）。0\.0MB以下"):
        attachments.check_upload(pdf_file(size=1025))


def test_the_size_limit_is_a_setting_with_a_10_mb_default(settings):
    del settings.SUBSIDY_ATTACHMENT_MAX_BYTES
    assert attachments.max_bytes() == 10 * 1024 * 1024


@pytest.mark.django_db
def test_an_attachment_is_stored_under_a_random_name_with_the_detected_extension(
    leader_a, association_a, make_app
):
    app = make_app(association_a)
    attachment = services.attachment_add(
        actor=leader_a, application_id=app.pk, file=jpeg_file("../../写真.jpeg"), kind=Attachment.Kind.PHOTO
    )
    assert attachment.original_name == "写真.jpeg"
    assert attachment.file.name.startswith(f"subsidies/applications/{app.pk}/")
    assert attachment.file.name.endswith(".jpg")
    assert default_storage.exists(attachment.file.name)
    assert (attachment.content_type, attachment.size, attachment.uploaded_by) == ("image/jpeg", 36, leader_a)


@pytest.mark.django_db
def test_a_refused_upload_stores_nothing(leader_a, association_a, make_app):
    app = make_app(association_a)
    with pytest.raises(AttachmentRejected):
        services.attachment_add(actor=leader_a, application_id=app.pk, file=png_file("receipt.pdf"))
    assert not app.attachments.exists()


@pytest.mark.django_db
def test_nothing_can_be_attached_while_the_ward_reviews(leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.UNDER_REVIEW)
    with pytest.raises(IllegalTransition):
        services.attachment_add(actor=leader_a, application_id=app.pk, file=pdf_file())


@pytest.mark.django_db
def test_deleting_an_attachment_removes_the_file_after_commit(
    leader_a, association_a, make_app, django_capture_on_commit_callbacks
):
    app = make_app(association_a)
    attachment = services.attachment_add(actor=leader_a, application_id=app.pk, file=pdf_file())
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_delete(actor=leader_a, attachment_id=attachment.pk)
    assert not app.attachments.exists()
    assert not default_storage.exists(attachment.file.name)
