"""Evidence through the pages: after 交付決定 nobody deletes an attachment (the file stays), and the
application's history shows attachment changes beside the state changes."""

import datetime as dt
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from chonaikai.subsidies import services
from chonaikai.subsidies.models import Attachment
from chonaikai.subsidies.services import LineInput
from chonaikai.subsidies.workflow import Status
from tests.subsidies.helpers import pdf_file

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _attach(app, kind, name):
    attachment = Attachment(
        application=app, kind=kind, original_name=name, content_type="application/pdf", size=9
    )
    attachment.file.save(name, pdf_file(), save=False)
    attachment.save()
    return attachment


@pytest.mark.parametrize(
    ("who", "kind"),
    [("leader_a", "estimate"), ("ward_staff_chuo", "scanned_form"), ("city_admin", "estimate")],
)
@pytest.mark.parametrize("status", [Status.APPROVED, Status.COMPLETION_REPORTED, Status.PAID])
def test_the_delete_button_url_refuses_after_the_decision_and_keeps_the_file(
    request, as_user, who, kind, status, association_a, make_app, ward_staff_chuo
):
    app = make_app(association_a, status=status, entered_by_staff=True, entered_by=ward_staff_chuo)
    attachment = _attach(app, kind, "見積書.pdf")
    client = as_user(request.getfixturevalue(who))
    response = client.post(reverse("subsidies:attachment_delete", args=[attachment.pk]), follow=True)
    assert response.redirect_chain[0][0] == reverse("subsidies:detail", args=[app.pk])
    assert "削除や差し替えはできません" in text(response)
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert default_storage.exists(attachment.file.name)


def test_the_detail_page_offers_no_delete_button_once_decided(as_user, leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.APPROVED)
    attachment = _attach(app, "estimate", "見積書.pdf")
    page = text(as_user(leader_a).get(reverse("subsidies:detail", args=[app.pk])))
    assert "見積書.pdf" in page
    assert reverse("subsidies:attachment_delete", args=[attachment.pk]) not in page


def test_the_history_on_the_page_shows_attachment_changes_and_state_changes(
    as_user, ward_staff_chuo, ward_staff_chuo_2, association_a, digital
):
    app = services.application_enter_paper(
        actor=ward_staff_chuo,
        association_id=association_a.pk,
        programme_id=digital.pk,
        purpose="紙の申請書から入力",
        scanned_form=pdf_file("scan.pdf"),
        received_on=dt.date(2026, 11, 20),
        lines=[LineInput("service", "講習会", 20_000)],
    )
    services.application_submit(actor=ward_staff_chuo, application_id=app.pk)
    services.application_verify_paper_entry(actor=ward_staff_chuo_2, application_id=app.pk)
    services.application_start_review(actor=ward_staff_chuo, application_id=app.pk)
    services.application_return(actor=ward_staff_chuo, application_id=app.pk, comment="押印がありません")
    services.attachment_delete(actor=ward_staff_chuo, attachment_id=app.attachments.get().pk)
    services.attachment_add(
        actor=ward_staff_chuo, application_id=app.pk, file=pdf_file("scan-2.pdf"), kind="scanned_form"
    )
    page = text(as_user(ward_staff_chuo_2).get(reverse("subsidies:detail", args=[app.pk])))
    history = page[page.index("これまでの経過") :]
    order = [
        "提出",
        "入力内容の確認",
        "審査開始",
        "差戻し",
        "入力内容の確認の取消し",
        "添付書類の削除",
        "添付書類の追加",
    ]
    positions = [history.index(f"<td>{label}</td>") for label in order]
    assert positions == sorted(positions)
    assert "「scan.pdf」（紙の申請書（スキャン））" in history and "「scan-2.pdf」" in history
    assert "入力内容の確認をやり直す必要があります" in history
    assert "押印がありません" in history
    assert "入力内容の確認待ち" in page  # the check was undone
    # The moments in 和暦 as every date of the page (they were 2026-11-29 10:00 beside 令和8年11月20日).
    assert re.search(r"<td class=\"nowrap\">令和\d+年\d+月\d+日 \d+:\d\d</td>", history)
    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", history)
