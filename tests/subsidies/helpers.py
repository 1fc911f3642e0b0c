"""Test helpers: applications put straight into any state, files of each type."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chonaikai.subsidies import rules, selectors, workflow
from chonaikai.subsidies.models import Application, Attachment, ExpenseLine, PaymentClaim
from chonaikai.subsidies.workflow import Status

DIGITAL_LINES = (("service", "講師謝礼", 30_000), ("goods", "タブレット", 60_000))  # 30,000 + 40,000


def make_application(
    association,
    *,
    programme,
    status: str = Status.DRAFT,
    category: str = "",
    hall=None,
    lines=DIGITAL_LINES,
    entered_by_staff: bool = False,
    entered_by=None,
    approved_amount: int | None = None,
    with_receipt: bool = True,
    with_claim: bool = True,
    changed_days_ago: int = 0,
    purpose: str = "テストの事業",
) -> Application:
    """An application in `status` with what that state needs (amounts, actual lines, a receipt)."""
    rule = selectors.rule_for(programme, category)
    planned = [rules.Line(kind, amount, description) for kind, description, amount in lines]
    area = hall.floor_area_m2 if hall is not None else None
    breakdown = rules.compute_amount(rule, lines=planned, floor_area_m2=area)
    granted = status in workflow.GRANTED_STATES
    approved = (approved_amount or breakdown.amount) if granted else None
    reported = status in {Status.COMPLETION_REPORTED, Status.CONFIRMED, Status.PAID}
    confirmed = approved if status in {Status.CONFIRMED, Status.PAID} else None
    app = Application.objects.create(
        association=association,
        programme=programme,
        category=category,
        hall=hall,
        purpose=purpose,
        status=status,
        status_changed_at=timezone.now() - dt.timedelta(days=changed_days_ago),
        computed_amount=breakdown.amount,
        breakdown=breakdown.as_dict(),
        approved_amount=approved,
        decision_reason="理由" if status == Status.REJECTED else "",
        confirmed_amount=confirmed,
        paid_amount=confirmed if status == Status.PAID else None,
        paid_on=dt.date(2026, 11, 1) if status == Status.PAID else None,
        one_per_year=programme.one_application_per_year,
        entered_by_staff=entered_by_staff,
        entered_by=entered_by,
        prepared_by=entered_by,
        received_on=dt.date(2026, 11, 20) if entered_by_staff else None,
    )
    ExpenseLine.objects.bulk_create(
        ExpenseLine(
            application=app, phase=ExpenseLine.Phase.PLANNED, kind=k, description=d, amount=a, position=i
        )
        for i, (k, d, a) in enumerate(lines)
    )
    if reported:
        ExpenseLine.objects.bulk_create(
            ExpenseLine(
                application=app, phase=ExpenseLine.Phase.ACTUAL, kind=k, description=d, amount=a, position=i
            )
            for i, (k, d, a) in enumerate(lines)
        )
    if reported and with_receipt:
        attachment = Attachment(
            application=app,
            kind=Attachment.Kind.RECEIPT,
            original_name="r.pdf",
            content_type="application/pdf",
            size=9,
        )
        attachment.file.save("r.pdf", pdf_file(), save=False)
        attachment.save()
    if confirmed is not None and with_claim:  # 交付請求 (請求書) comes after 額の確定, before payment
        PaymentClaim.objects.create(
            application=app,
            amount=confirmed,
            bank_name="テスト銀行",
            branch_name="中央支店",
            account_number="1234567",
            account_holder_kana="テストチョウナイカイ",
            claimed_on=dt.date(2026, 10, 20),
        )
    return app


def pdf_file(name: str = "receipt.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n%test\n" + b"0" * max(0, size - 15)
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png_file(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, content_type="image/png")


def jpeg_file(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0" + b"\x00" * 32, content_type="image/jpeg")


def xlsx_file(name: str = "estimate.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return SimpleUploadedFile(name, buffer.getvalue())


def zip_file(name: str = "archive.xlsx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return SimpleUploadedFile(name, buffer.getvalue())
