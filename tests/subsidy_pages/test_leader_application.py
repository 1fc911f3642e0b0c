"""A leader's digital application through the pages: programme → purpose → lines (with the amount
and its breakdown) → attachment → confirmation as printed → submit → printable form.
Drafts keep what was typed when something is refused."""

import re

import pytest
from django.urls import reverse

from chonaikai.subsidies.models import Application, Attachment
from chonaikai.subsidies.workflow import Status
from tests.subsidies.helpers import pdf_file, png_file

pytestmark = pytest.mark.django_db


def lines_post(rows, total=None):
    """The lines form's data for rows of (description, kind, amount)."""
    data = {
        "lines-TOTAL_FORMS": str(total or len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "100",
    }
    for i, (description, kind, amount) in enumerate(rows):
        data.update(
            {f"lines-{i}-description": description, f"lines-{i}-kind": kind, f"lines-{i}-amount": amount}
        )
    return data


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_leader_applies_for_the_digital_subsidy_from_start_to_print(as_user, leader_a, digital):
    client = as_user(leader_a)
    home = client.get(reverse("subsidies:home"))
    assert home.status_code == 200
    assert "補助金の申請" in text(home) and "町内会デジタル活用促進補助金を申請する" in text(home)

    # 1. The programme.
    response = client.post(reverse("subsidies:new"), {"programme": digital.pk, "go": "next"})
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "subsidies:edit_purpose", args=[app.pk]
    )
    assert app.status == Status.DRAFT and app.association == leader_a.role_assignments.get().association

    # 2. Purpose and dates.
    response = client.post(
        reverse("subsidies:edit_purpose", args=[app.pk]),
        {
            "purpose": "町内会のホームページを作る",
            "planned_start": "2026-12-01",
            "planned_end": "2027-02-28",
            "go": "next",
        },
    )
    assert response["Location"] == reverse("subsidies:edit_lines", args=[app.pk])

    # 3. Two lines of different kinds; full-width digits and commas are fine.
    response = client.post(
        reverse("subsidies:edit_lines", args=[app.pk]),
        {
            **lines_post(
                [("講師謝礼", "service", "３０，０００"), ("タブレット", "goods", "60,000円"), ("", "", "")]
            ),
            "go": "stay",
        },
    )
    assert response["Location"] == reverse("subsidies:edit_lines", args=[app.pk])
    page = text(client.get(response["Location"]))
    app.refresh_from_db()
    assert app.computed_amount == 70_000  # 30,000 × 10/10 + 60,000 × 2/3
    assert "70,000円" in page
    assert "報償費・役務費・委託費 30,000円 × 10/10 = 30,000円" in page
    assert "物品・備品購入費・工事費 60,000円 × 2/3 = 40,000円" in page
    assert 'value="講師謝礼"' in page  # the saved lines are shown for editing

    # 4. A small PDF.
    response = client.post(
        reverse("subsidies:edit_attachments", args=[app.pk]),
        {"kind": Attachment.Kind.ESTIMATE, "file": pdf_file("見積書.pdf"), "go": "next"},
    )
    assert response["Location"] == reverse("subsidies:confirm", args=[app.pk])
    assert app.attachments.get().original_name == "見積書.pdf"

    # 5. The confirmation shows the whole application as printed, with the amount.
    confirm = text(client.get(response["Location"]))
    for expected in (
        "町内会デジタル活用促進補助金 交付申請書",
        "町内会のホームページを作る",
        "講師謝礼",
        "タブレット",
        "90,000円",  # the lines' total
        "70,000円",
        "見積書.pdf",
        "この内容で提出する",
    ):
        assert expected in confirm, expected

    response = client.post(reverse("subsidies:confirm", args=[app.pk]), {"go": "submit"})
    assert response["Location"] == reverse("subsidies:detail", args=[app.pk])
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED
    detail = text(client.get(response["Location"]))
    assert "提出しました" in detail and "区役所の確認を待っています" in detail

    printed = client.get(reverse("subsidies:print", args=[app.pk]))
    assert printed.status_code == 200
    page = text(printed)
    assert "交付申請書" in page and "70,000円" in page and "提出日 令和8年11月29日" in page
    assert "30,000円 × 10/10" in page


def test_the_home_page_offers_a_programme_only_once_a_year(as_user, leader_a, association_a, make_app):
    make_app(association_a, status=Status.SUBMITTED)
    page = text(as_user(leader_a).get(reverse("subsidies:home")))
    assert "今年度は申請済みです" in page
    assert "提出済み" in page and "区役所の確認を待っています" in page


def test_a_negative_amount_is_refused_on_its_field_and_nothing_typed_is_lost(
    as_user, leader_a, association_a, make_app
):
    app = make_app(association_a)
    before = app.computed_amount
    response = as_user(leader_a).post(
        reverse("subsidies:edit_lines", args=[app.pk]),
        {**lines_post([("講師謝礼", "service", "50000"), ("ルーター", "goods", "-5000")]), "go": "next"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "金額は0円以上で入力してください。" in page
    assert 'value="講師謝礼"' in page and 'value="50000"' in page and 'value="-5000"' in page
    # The error is tied to its input, and the summary links to it.
    assert re.search(
        r'id="id_lines-1-amount"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_lines-1-amount"', page
    )
    assert 'aria-describedby="id_lines-1-amount_error"' in page
    assert 'id="id_lines-1-amount_error"' in page
    assert 'href="#id_lines-1-amount"' in page
    app.refresh_from_db()
    assert app.computed_amount == before  # nothing saved


def test_a_partly_filled_line_asks_for_what_is_missing(as_user, leader_a, association_a, make_app):
    app = make_app(association_a)
    response = as_user(leader_a).post(
        reverse("subsidies:edit_lines", args=[app.pk]),
        {**lines_post([("", "service", "1000")]), "go": "stay"},
    )
    assert response.status_code == 400
    assert "1行目: 内容を入力してください。" in text(response)


def test_add_rows_keeps_the_lines_and_offers_more_empty_rows(as_user, leader_a, association_a, make_app):
    app = make_app(association_a, lines=())
    client = as_user(leader_a)
    response = client.post(
        reverse("subsidies:edit_lines", args=[app.pk]),
        {**lines_post([("講師謝礼", "service", "1000")]), "go": "add"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'value="講師謝礼"' in page and 'name="lines-6-description"' in page


def test_deleting_a_line_recomputes_the_amount(as_user, leader_a, association_a, make_app):
    app = make_app(association_a)  # 30,000 service + 60,000 goods = 70,000
    data = lines_post([("講師謝礼", "service", "30000"), ("タブレット", "goods", "60000")])
    data["lines-1-DELETE"] = "on"
    as_user(leader_a).post(reverse("subsidies:edit_lines", args=[app.pk]), {**data, "go": "stay"})
    app.refresh_from_db()
    assert app.computed_amount == 30_000 and app.lines.count() == 1


def test_a_refused_file_shows_the_services_message_on_the_file_field(
    as_user, leader_a, association_a, make_app
):
    app = make_app(association_a)
    response = as_user(leader_a).post(
        reverse("subsidies:edit_attachments", args=[app.pk]),
        {
            "kind": Attachment.Kind.ESTIMATE,
            "file": png_file("photo.pdf"),
            "go": "attach",
        },  # a kind digital asks for
    )
    assert response.status_code == 400
    page = text(response)
    assert "ファイル名の拡張子（.pdf）と一致しません" in page
    assert 'aria-describedby="id_file_helptext id_file_error"' in page
    assert '<option value="estimate" selected>' in page  # the chosen kind is kept
    assert not app.attachments.exists()


def test_a_leader_deletes_an_attachment_of_a_draft(as_user, leader_a, association_a, make_app):
    app = make_app(association_a)
    client = as_user(leader_a)
    client.post(
        reverse("subsidies:edit_attachments", args=[app.pk]),
        {"kind": "other", "file": pdf_file(), "go": "attach"},
    )
    attachment = app.attachments.get()
    response = client.post(reverse("subsidies:attachment_delete", args=[attachment.pk]))
    assert response["Location"] == reverse("subsidies:edit_attachments", args=[app.pk])
    assert not app.attachments.exists()


def test_submitting_an_incomplete_draft_explains_what_is_missing(as_user, leader_a, association_a, make_app):
    app = make_app(association_a, purpose="", lines=())
    response = as_user(leader_a).post(reverse("subsidies:confirm", args=[app.pk]), {"go": "submit"})
    assert response.status_code == 400
    assert "事業の目的・内容を入力してください。" in text(response)
    app.refresh_from_db()
    assert app.status == Status.DRAFT


def test_a_second_application_to_a_once_a_year_programme_is_refused_on_the_form(
    as_user, leader_a, association_a, make_app, digital
):
    first = make_app(association_a, status=Status.SUBMITTED)
    response = as_user(leader_a).post(reverse("subsidies:new"), {"programme": digital.pk, "go": "next"})
    assert response.status_code == 400
    page = text(response)
    assert f"既に申請しています（申請番号 {first.number}" in page
    assert f'type="hidden" name="programme" value="{digital.pk}"' in response.content.decode()  # kept


def test_a_meeting_hall_application_needs_its_category(as_user, leader_a, meeting_hall):
    response = as_user(leader_a).post(reverse("subsidies:new"), {"programme": meeting_hall.pk, "go": "next"})
    assert response.status_code == 400
    assert "区分を選んでください" in text(response)
    assert 'aria-describedby="id_category_helptext id_category_error"' in response.content.decode()


def test_a_submitted_application_cannot_be_edited_and_says_why(as_user, leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.SUBMITTED)
    client = as_user(leader_a)
    response = client.get(reverse("subsidies:edit_lines", args=[app.pk]))
    assert response["Location"] == reverse("subsidies:detail", args=[app.pk])
    assert "内容を変更できません" in text(client.get(response["Location"]))


def test_a_leader_withdraws_after_confirming(as_user, leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.SUBMITTED)
    client = as_user(leader_a)
    page = text(client.get(reverse("subsidies:withdraw", args=[app.pk])))
    assert "この申請を取り下げますか。" in page and "元に戻せません" in page
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED  # looking is not withdrawing
    response = client.post(reverse("subsidies:withdraw", args=[app.pk]), {"comment": "延期"})
    assert response["Location"] == reverse("subsidies:detail", args=[app.pk])
    app.refresh_from_db()
    assert app.status == Status.WITHDRAWN


def test_a_returned_application_shows_the_wards_reason_on_every_step(
    as_user, leader_a, ward_staff_chuo, association_a, make_app
):
    from chonaikai.subsidies import services

    app = make_app(association_a, status=Status.UNDER_REVIEW)
    services.application_return(
        actor=ward_staff_chuo, application_id=app.pk, comment="見積書を添付してください"
    )
    client = as_user(leader_a)
    assert "見積書を添付してください" in text(client.get(reverse("subsidies:detail", args=[app.pk])))
    assert "見積書を添付してください" in text(
        client.get(reverse("subsidies:edit_attachments", args=[app.pk]))
    )


def test_the_completion_report_takes_actual_lines_and_receipts(as_user, leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.APPROVED)
    client = as_user(leader_a)
    page = text(client.get(reverse("subsidies:report", args=[app.pk])))
    assert 'value="講師謝礼"' in page  # starts from the planned lines
    response = client.post(
        reverse("subsidies:report", args=[app.pk]),
        {
            **lines_post([("講師謝礼", "service", "20000"), ("タブレット", "goods", "60000")]),
            "receipts": [pdf_file("領収書1.pdf"), pdf_file("領収書2.pdf")],
            "go": "report",
        },
    )
    assert response["Location"] == reverse("subsidies:detail", args=[app.pk])
    app.refresh_from_db()
    assert app.status == Status.COMPLETION_REPORTED
    assert app.attachments.filter(kind="receipt").count() == 2
    detail = text(client.get(response["Location"]))
    assert "実際にかかった経費" in detail and "60,000円" in detail


def test_a_completion_report_without_receipts_is_refused_with_the_lines_kept(
    as_user, leader_a, association_a, make_app
):
    app = make_app(association_a, status=Status.APPROVED)
    response = as_user(leader_a).post(
        reverse("subsidies:report", args=[app.pk]),
        {**lines_post([("講師謝礼", "service", "20000")]), "go": "report"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "領収書を添付してください。" in page and 'value="20000"' in page
    app.refresh_from_db()
    assert app.status == Status.APPROVED
