"""Ward and city work through the pages: the queue, review, return, forward, approve (with the
budget refusal), reject, confirm, pay, and paper applications checked by a second person."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chonaikai.subsidies.models import Application, PaymentClaim, Programme
from chonaikai.subsidies.workflow import Status
from tests.factories import AssociationFactory, ward
from tests.subsidies.helpers import pdf_file

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def act(client, app, action, data=None):
    return client.post(reverse("subsidies:action", args=[app.pk, action]), data or {})


# ---------------------------------------------------------------------------------------------
# The ward
# ---------------------------------------------------------------------------------------------


def test_ward_staff_see_their_wards_waiting_applications_oldest_first(
    as_user, ward_staff_chuo, association_a, association_b, association_kita, make_app
):
    newer = make_app(association_a, status=Status.SUBMITTED, changed_days_ago=2)
    older = make_app(association_b, status=Status.UNDER_REVIEW, changed_days_ago=9)
    kita = make_app(association_kita, status=Status.SUBMITTED)
    draft = make_app(AssociationFactory(ward=ward("01101")))
    page = text(as_user(ward_staff_chuo).get(reverse("subsidies:queue")))
    assert page.index(older.number) < page.index(newer.number)
    assert kita.number not in page and draft.number not in page
    assert "9日" in page and "申請 2件" in page


def test_the_status_filter_shows_any_state_and_all(as_user, ward_staff_chuo, association_a, make_app):
    draft = make_app(association_a)
    client = as_user(ward_staff_chuo)
    assert draft.number in text(client.get(reverse("subsidies:queue"), {"status": "draft"}))
    assert draft.number in text(client.get(reverse("subsidies:queue"), {"status": "all"}))
    assert draft.number not in text(client.get(reverse("subsidies:queue")))


def test_ward_staff_start_review_return_with_a_reason_and_forward(
    as_user, ward_staff_chuo, leader_a, association_a, make_app
):
    app = make_app(association_a, status=Status.SUBMITTED)
    client = as_user(ward_staff_chuo)
    page = text(client.get(reverse("subsidies:detail", args=[app.pk])))
    assert "審査を始める" in page and "交付決定する" not in page

    response = act(client, app, "start_review")
    assert response["Location"] == reverse("subsidies:detail", args=[app.pk])
    app.refresh_from_db()
    assert app.status == Status.UNDER_REVIEW

    # A return needs its reason: refused on the field, nothing changes.
    response = act(client, app, "return", {"return-comment": "  "})
    assert response.status_code == 400
    page = text(response)
    assert "差戻しの理由（修正してほしい点）を入力してください。" in page
    assert 'aria-describedby="id_return-comment_error"' in page
    app.refresh_from_db()
    assert app.status == Status.UNDER_REVIEW

    act(client, app, "return", {"return-comment": "見積書がありません"})
    app.refresh_from_db()
    assert app.status == Status.RETURNED
    assert "見積書がありません" in text(client.get(reverse("subsidies:detail", args=[app.pk])))

    # The leader fixes and resubmits; the ward forwards it to the city.
    app.status = Status.UNDER_REVIEW
    app.save(update_fields=["status"])
    act(client, app, "forward", {"forward-comment": "確認済み"})
    app.refresh_from_db()
    assert app.status == Status.FORWARDED
    assert "市へ進達しました" in text(client.get(reverse("subsidies:detail", args=[app.pk])))


def test_an_action_the_state_does_not_allow_is_refused_with_the_workflows_words(
    as_user, ward_staff_chuo, association_a, make_app
):
    app = make_app(association_a, status=Status.SUBMITTED)
    response = act(as_user(ward_staff_chuo), app, "forward")
    assert response.status_code == 400
    assert "「提出済み」の申請は「市へ進達」できません" in text(response)


def test_a_leader_posting_a_city_action_is_refused_with_403_and_a_message(
    as_user, leader_a, association_a, make_app
):
    app = make_app(association_a, status=Status.FORWARDED)
    response = act(as_user(leader_a), app, "approve", {"approve-amount": "70000"})
    assert response.status_code == 403
    assert "この申請を「交付決定」する権限がありません。" in text(response)
    app.refresh_from_db()
    assert app.status == Status.FORWARDED


def test_unknown_actions_answer_404(as_user, city_admin, association_a, make_app):
    app = make_app(association_a, status=Status.FORWARDED)
    assert act(as_user(city_admin), app, "explode").status_code == 404


# ---------------------------------------------------------------------------------------------
# The city
# ---------------------------------------------------------------------------------------------


def test_the_city_approves_with_the_computed_amount_offered(as_user, city_admin, association_a, make_app):
    app = make_app(association_a, status=Status.FORWARDED)
    client = as_user(city_admin)
    page = client.get(reverse("subsidies:detail", args=[app.pk])).content.decode()
    assert 'name="approve-amount" value="70000"' in page
    act(client, app, "approve", {"approve-amount": "70,000", "approve-comment": ""})
    app.refresh_from_db()
    assert (app.status, app.approved_amount) == (Status.APPROVED, 70_000)


def test_an_approval_over_the_remaining_budget_is_refused_on_the_amount_with_the_figures(
    as_user, city_admin, association_a, association_b, make_app, digital
):
    Programme.objects.filter(pk=digital.pk).update(budget=100_000)
    make_app(association_b, status=Status.APPROVED)  # takes 70,000
    app = make_app(association_a, status=Status.FORWARDED)
    response = act(as_user(city_admin), app, "approve", {"approve-amount": "70000"})
    assert response.status_code == 400
    page = text(response)
    assert "予算の残額が足りません" in page and "残額 30,000円" in page
    assert 'aria-describedby="id_approve-amount_helptext id_approve-amount_error"' in page
    assert 'value="70000"' in page  # the amount typed is kept
    app.refresh_from_db()
    assert app.status == Status.FORWARDED


def test_an_approval_above_the_computed_amount_is_refused(as_user, city_admin, association_a, make_app):
    app = make_app(association_a, status=Status.FORWARDED)
    response = act(as_user(city_admin), app, "approve", {"approve-amount": "999999"})
    assert response.status_code == 400
    assert "算定額（70,000円）以下にしてください" in text(response)


def test_the_city_rejects_with_a_reason_the_leader_then_reads(
    as_user, city_admin, leader_a, association_a, make_app
):
    app = make_app(association_a, status=Status.FORWARDED)
    client = as_user(city_admin)
    response = act(client, app, "reject", {"reject-reason": ""})
    assert response.status_code == 400 and "不交付決定の理由を入力してください。" in text(response)
    act(client, app, "reject", {"reject-reason": "補助の対象外の経費です"})
    app.refresh_from_db()
    assert app.status == Status.REJECTED
    page = text(as_user(leader_a).get(reverse("subsidies:detail", args=[app.pk])))
    assert "不交付決定の理由" in page and "補助の対象外の経費です" in page


def test_the_city_confirms_the_amount_and_records_the_payment(as_user, city_admin, association_a, make_app):
    app = make_app(association_a, status=Status.COMPLETION_REPORTED)
    client = as_user(city_admin)
    act(client, app, "confirm")
    app.refresh_from_db()
    assert (app.status, app.confirmed_amount) == (Status.CONFIRMED, 70_000)
    page = client.get(reverse("subsidies:detail", args=[app.pk])).content.decode()
    assert 'name="pay-amount" value="70000"' in page
    # Before the association's claim (請求書) the payment is refused, in words.
    refused = client.post(
        reverse("subsidies:action", args=[app.pk, "pay"]),
        {"pay-paid_on": "2026-12-10", "pay-amount": "70000"},
        follow=True,
    )
    assert "請求書" in refused.content.decode()
    app.refresh_from_db()
    assert app.status == Status.CONFIRMED
    PaymentClaim.objects.create(
        application=app,
        amount=70_000,
        bank_name="テスト銀行",
        branch_name="中央支店",
        account_number="1234567",
        account_holder_kana="テストチョウナイカイ",
        claimed_on=dt.date(2026, 12, 1),
    )
    act(client, app, "pay", {"pay-paid_on": "2026-12-10", "pay-amount": "70000"})
    app.refresh_from_db()
    assert (app.status, app.paid_on, app.paid_amount) == (Status.PAID, dt.date(2026, 12, 10), 70_000)


def test_the_city_queue_lists_what_waits_for_the_city_and_all_on_request(
    as_user, city_admin, association_a, association_kita, make_app
):
    forwarded = make_app(association_kita, status=Status.FORWARDED)
    submitted = make_app(association_a, status=Status.SUBMITTED)
    client = as_user(city_admin)
    page = text(client.get(reverse("subsidies:queue")))
    assert forwarded.number in page and submitted.number not in page
    assert submitted.number in text(client.get(reverse("subsidies:queue"), {"status": "all"}))


# ---------------------------------------------------------------------------------------------
# Paper applications and the second person's check
# ---------------------------------------------------------------------------------------------


def test_a_paper_application_is_entered_submitted_and_checked_by_another_staff_member(
    as_user, ward_staff_chuo, ward_staff_chuo_2, association_a, digital
):
    client = as_user(ward_staff_chuo)
    response = client.post(
        reverse("subsidies:paper_new"),
        {
            "association": association_a.pk,
            "programme": digital.pk,
            "received_on": "2026-11-20",
            "scanned_form": pdf_file("申請書.pdf"),
            "go": "next",
        },
    )
    app = Application.objects.get()
    assert response["Location"] == reverse("subsidies:edit_purpose", args=[app.pk])
    assert app.entered_by_staff and app.attachments.get().kind == "scanned_form"

    client.post(
        reverse("subsidies:edit_purpose", args=[app.pk]), {"purpose": "防犯カメラの案内", "go": "next"}
    )
    client.post(
        reverse("subsidies:edit_lines", args=[app.pk]),
        {
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "講習会",
            "lines-0-kind": "service",
            "lines-0-amount": "20000",
            "go": "next",
        },
    )
    client.post(reverse("subsidies:confirm", args=[app.pk]), {"go": "submit"})
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.computed_amount == 20_000

    # The person who entered it sees why they cannot check it, and no button.
    page = text(client.get(reverse("subsidies:detail", args=[app.pk])))
    assert "入力内容の確認は、別の職員が行ってください" in page
    assert "入力内容を確認済みにする" not in page and "審査を始める" not in page
    # Posting anyway is refused with the four-eyes message.
    response = client.post(reverse("subsidies:verify", args=[app.pk]))
    assert response.status_code == 400
    assert "紙の申請を入力した職員（または最後に編集した職員）は、その入力内容を確認できません" in text(
        response
    )

    # A second staff member checks it, then review can start.
    other = as_user(ward_staff_chuo_2)
    page = text(other.get(reverse("subsidies:detail", args=[app.pk])))
    assert "入力内容を確認済みにする" in page and "審査を始める" not in page
    response = other.post(reverse("subsidies:verify", args=[app.pk]), {"verify-comment": "スキャンと一致"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.verified_by == ward_staff_chuo_2
    assert "審査を始める" in text(other.get(reverse("subsidies:detail", args=[app.pk])))
    act(other, app, "start_review")
    app.refresh_from_db()
    assert app.status == Status.UNDER_REVIEW


def test_a_paper_entry_without_its_scan_is_refused_on_the_file_field(
    as_user, ward_staff_chuo, association_a, digital
):
    response = as_user(ward_staff_chuo).post(
        reverse("subsidies:paper_new"),
        {"association": association_a.pk, "programme": digital.pk, "received_on": "2026-11-20", "go": "next"},
    )
    assert response.status_code == 400
    page = text(response)
    assert "紙の申請書をスキャンしたファイルを添付してください。" in page
    assert re.search(rf'<option value="{association_a.pk}"[^>]* selected[ >]', page)
    assert not Application.objects.exists()


def test_ward_staff_cannot_enter_paper_for_another_ward(as_user, ward_staff_kita, association_a, digital):
    response = as_user(ward_staff_kita).post(
        reverse("subsidies:paper_new"),
        {
            "association": association_a.pk,
            "programme": digital.pk,
            "received_on": "2026-11-20",
            "scanned_form": pdf_file(),
        },
    )
    assert response.status_code == 400  # not a choice they have
    assert not Application.objects.exists()


# ---------------------------------------------------------------------------------------------
# Query counts
# ---------------------------------------------------------------------------------------------


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona_name", ["ward_staff_chuo", "city_admin"])
def test_the_queue_page_costs_the_same_queries_for_3_or_12_applications(
    as_user, persona_name, request, make_app, meeting_hall
):
    from chonaikai.subsidies.models import Hall

    client = as_user(request.getfixturevalue(persona_name))
    url = reverse("subsidies:queue")

    def add(n):
        for _ in range(n):
            association = AssociationFactory(ward=ward("01101"))
            hall = Hall.objects.create(association=association, name="会館", floor_area_m2=100)
            make_app(association, status=Status.SUBMITTED, changed_days_ago=3)
            make_app(
                association,
                programme=meeting_hall,
                category="repair",
                hall=hall,
                status=Status.FORWARDED,
                lines=(("works", "x", 3_000),),
            )

    add(3)
    few = _queries(client, url, status="all")
    add(9)
    many = _queries(client, url, status="all")
    assert few == many


def test_the_leaders_home_costs_the_same_queries_for_1_or_6_applications(
    as_user, leader_a, association_a, make_app, meeting_hall
):
    client = as_user(leader_a)
    url = reverse("subsidies:home")
    make_app(association_a, status=Status.PAID)
    few = _queries(client, url)
    for status in (Status.WITHDRAWN, Status.REJECTED):
        make_app(association_a, status=status)
    for status in (Status.APPROVED, Status.DRAFT, Status.RETURNED):
        make_app(
            association_a,
            programme=meeting_hall,
            category="repair",
            status=status,
            lines=(("works", "x", 3),),
        )
    assert _queries(client, url) == few


def test_the_paper_form_names_each_association_and_offers_a_filter_box(
    as_user, ward_staff_chuo, association_a, digital
):
    """A ward has ~300 associations and the paper in hand gives a name: each option reads
    「name（code）」 and carries the folded name, reading and code that the filter box searches."""
    kana = AssociationFactory(
        ward=ward("01101"), code="01101-0777", name="北一条東町内会", kana="きたいちじょうひがし"
    )
    page = as_user(ward_staff_chuo).get(reverse("subsidies:paper_new")).content.decode()
    option = re.search(rf'<option value="{kana.pk}"[^>]*>([^<]*)</option>', page)
    assert option.group(1) == "北一条東町内会（01101-0777）"
    assert 'data-search="01101-0777北一条東町内会キタイチジョウヒガシ"' in option.group(0)
    # The filter box (shown by select_filter.js; without a script the list works as it is).
    box = re.search(r'<div class="select-filter"[^>]*data-filter-for="id_association"[^>]*hidden', page)
    assert box, "no filter box for the association list"
    assert (
        '<label for="id_association_filter">名前・よみがな・番号で絞り込む<span class="visually-hidden">（申請した町内会）</span></label>'
        in page
    )
    assert "js/select_filter.js" in page


def test_the_paper_forms_hall_list_can_be_filtered_by_association_or_hall(
    as_user, ward_staff_chuo, association_a, digital, meeting_hall
):
    from chonaikai.associations.rules import normalize_for_search
    from chonaikai.subsidies.models import Hall

    hall = Hall.objects.create(association=association_a, name="大通会館")
    page = as_user(ward_staff_chuo).get(reverse("subsidies:paper_new")).content.decode()
    halls = re.search(r'<select name="hall".*?</select>', page, re.S).group(0)
    option = re.search(rf'<option value="{hall.pk}"[^>]*>', halls).group(0)
    a = association_a
    assert f'data-search="{normalize_for_search(f"{a.code}{a.name}{a.kana}")}大通会館"' in option
    assert re.search(r'<div class="select-filter"[^>]*data-filter-for="id_hall"', page)


def test_a_city_administrator_sees_each_associations_ward_on_the_paper_form(
    as_user, city_admin, ward_staff_chuo, association_a, association_kita, digital
):
    """The city's list holds every ward's associations (~2,200): each option names its ward, and the
    ward's name finds it; ward staff, whose list is one ward, see no ward."""

    def option_of(user, association):
        page = as_user(user).get(reverse("subsidies:paper_new")).content.decode()
        associations = re.search(r'<select name="association".*?</select>', page, re.S).group(0)
        return re.search(rf'<option value="{association.pk}"[^>]*>[^<]*', associations).group(0)

    option = option_of(city_admin, association_kita)
    assert option.endswith(f">北区　{association_kita}")
    assert 'data-search="北区' in option
    assert option_of(ward_staff_chuo, association_a).endswith(f">{association_a}")
