"""/api/v1/subsidy-programmes/ and /api/v1/subsidy-applications/: reads, edits and every transition."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chonaikai.subsidies import services
from chonaikai.subsidies.models import DIGITAL, MEETING_HALL, Application, Attachment, Programme
from chonaikai.subsidies.workflow import Status
from tests.api.conftest import error, is_japanese
from tests.factories import UserFactory
from tests.subsidies.helpers import make_application, pdf_file, png_file

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 11, 29, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
APPS = "/api/v1/subsidy-applications/"
PROGRAMMES = "/api/v1/subsidy-programmes/"
LINES = [
    {"description": "講師謝礼", "kind": "service", "amount": 30_000},
    {"description": "タブレット", "kind": "goods", "amount": 60_000},
]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def digital(db):
    return Programme.objects.get(code=DIGITAL, fiscal_year=2026)


@pytest.fixture
def digital_many(digital):
    """The digital programme without its one-application-per-year rule: several rows per association."""
    digital.one_application_per_year = False
    digital.save(update_fields=["one_application_per_year"])
    return digital


def new_body(association, **overrides):
    return {
        "programme": DIGITAL,
        "fiscal_year": 2026,
        "association": association.code,
        "purpose": "役員会のオンライン化",
        "planned_start": "2026-12-01",
        "planned_end": "2027-02-28",
        "lines": LINES,
        **overrides,
    }


CLAIM = {
    "bank_name": "テスト銀行",
    "branch_name": "中央支店",
    "account_type": "ordinary",
    "account_number": "1234567",
    "account_holder_kana": "テストチョウナイカイ",
}


def url(app, action=None):
    pk = app if isinstance(app, int) else app.pk
    return f"{APPS}{pk}/" + (f"{action}/" if action else "")


# ---------------------------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------------------------


def test_programmes_carry_budget_figures_and_rules(client_for, leader_a, digital, association_a):
    make_application(association_a, programme=digital, status=Status.APPROVED)
    response = client_for(leader_a).get(PROGRAMMES, {"fiscal_year": 2026, "code": DIGITAL})
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert (row["code"], row["fiscal_year"], row["id"]) == (DIGITAL, 2026, digital.pk)
    assert row["approved"] == 70_000 and row["paid"] == 0 and row["granted"] == 1
    assert row["remaining"] == (None if digital.budget is None else digital.budget - 70_000)
    assert row["rules"] and all("needs_confirmation" in rule for rule in row["rules"])
    assert {kind["code"] for kind in row["rules"][0]["kinds"]} == {"service", "goods"}


def test_a_programme_by_id_and_by_code_and_year(client_for, viewer, digital):
    client = client_for(viewer)
    by_id = client.get(f"{PROGRAMMES}{digital.pk}/")
    by_code = client.get(f"{PROGRAMMES}{DIGITAL}/2026/")
    assert by_id.status_code == by_code.status_code == 200
    assert by_id.json() == by_code.json()
    error(client.get(f"{PROGRAMMES}{DIGITAL}/2099/"), 404)


def test_programmes_need_a_role(client_for, anon):
    error(anon.get(PROGRAMMES), 401)
    body = error(client_for(UserFactory()).get(PROGRAMMES), 403)
    assert is_japanese(body["message"])


def test_a_bad_fiscal_year_filter_names_the_parameter(client_for, city_admin):
    body = error(client_for(city_admin).get(PROGRAMMES, {"fiscal_year": "abc"}), 400)
    assert "fiscal_year" in body["extra"]["fields"]


# ---------------------------------------------------------------------------------------------
# The happy path
# ---------------------------------------------------------------------------------------------


def test_create_submit_review_forward_approve(
    client_for, leader_a, ward_staff_chuo, city_admin, association_a, digital
):
    leader, staff, admin = client_for(leader_a), client_for(ward_staff_chuo), client_for(city_admin)

    created = leader.post(APPS, new_body(association_a), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["computed_amount"] == 70_000
    assert body["breakdown"]["amount"] == 70_000 and body["breakdown"]["lines"]
    assert [line["amount"] for line in body["lines"]] == [30_000, 60_000]
    assert "submit" in body["actions"]
    app_id = body["id"]

    steps = [
        (leader, "submit", {}, "submitted"),
        (staff, "start-review", {}, "under_review"),
        (staff, "forward", {"comment": "確認しました"}, "forwarded"),
        (admin, "approve", {}, "approved"),
    ]
    for client, action, data, expected in steps:
        response = client.post(url(app_id, action), data, format="json")
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == expected
        assert response.json()["computed_amount"] == 70_000
    app = Application.objects.get(pk=app_id)
    assert app.status == Status.APPROVED and app.approved_amount == 70_000
    assert [t["action"] for t in response.json()["transitions"]] == [
        "submit",
        "start_review",
        "forward",
        "approve",
    ]


@pytest.fixture
def meeting_hall(db):
    """The meeting-hall programme with a budget (the city enters it before deciding)."""
    programme = Programme.objects.get(code=MEETING_HALL, fiscal_year=2026)
    programme.budget = 20_000_000
    programme.save(update_fields=["budget"])
    return programme


@pytest.fixture
def hall_a(association_a, ward_staff_chuo):
    """A hall in the register, entered (and so checked) by the ward."""
    return services.hall_create(
        actor=ward_staff_chuo,
        association_id=association_a.pk,
        name="中央A会館",
        floor_area_m2=Decimal(120),
        year_built=1985,
    )


HALL_LINES = [
    {"description": "屋根の葺き替え", "kind": "works", "amount": 3_000_000},
    {"description": "記念式典", "kind": "ineligible", "amount": 200_000},
]


def hall_body(association, hall, **overrides):
    values = {
        "programme": MEETING_HALL,
        "category": "extension_rebuild",
        "hall": hall.pk,
        "purpose": "会館の改築",
        "lines": HALL_LINES,
        **overrides,
    }
    return new_body(association, **values)


def test_a_meeting_hall_application_is_created_submitted_decided_reported_and_paid(
    client_for, leader_a, ward_staff_chuo, city_admin, association_a, meeting_hall, hall_a
):
    leader, staff, admin = client_for(leader_a), client_for(ward_staff_chuo), client_for(city_admin)

    created = leader.post(APPS, hall_body(association_a, hall_a), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["programme"], body["category"], body["hall"]) == (
        MEETING_HALL,
        "extension_rebuild",
        hall_a.pk,
    )
    assert body["computed_amount"] == 1_000_000  # works 3,000,000 × 1/3; the ineligible line adds nothing
    assert [line["kind"] for line in body["lines"]] == ["works", "ineligible"]
    app_id = body["id"]

    for client, action, data, expected in [
        (leader, "submit", {}, "submitted"),
        (staff, "start-review", {}, "under_review"),
        (staff, "forward", {}, "forwarded"),
        (admin, "approve", {"amount": 900_000}, "approved"),
    ]:
        response = client.post(url(app_id, action), data, format="json")
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == expected

    uploaded = leader.post(
        url(app_id, "attachments"), {"kind": "receipt", "file": pdf_file("領収書.pdf")}, format="multipart"
    )
    assert uploaded.status_code == 201, uploaded.content
    reported = leader.post(
        url(app_id, "report-completion"),
        {"lines": [{"description": "屋根の葺き替え（実績）", "kind": "works", "amount": 2_400_000}]},
        format="json",
    )
    assert reported.status_code == 200, reported.content
    assert reported.json()["status"] == "completion_reported"
    assert reported.json()["actual_breakdown"]["amount"] == 800_000
    assert [line["kind"] for line in reported.json()["actual_lines"]] == ["works"]

    confirmed = admin.post(url(app_id, "confirm"), {}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["confirmed_amount"] == 800_000
    refused = error(admin.post(url(app_id, "pay"), {"paid_on": "2027-03-15"}, format="json"), 409)
    assert "請求書" in refused["message"]  # nothing is paid before the association's claim
    services.application_claim(actor=leader_a, application_id=app_id, **CLAIM)  # no claim endpoint in the API
    paid = admin.post(url(app_id, "pay"), {"paid_on": "2027-03-15"}, format="json")
    assert paid.status_code == 200, paid.content
    assert (paid.json()["status"], paid.json()["paid_amount"]) == ("paid", 800_000)
    assert [t["action"] for t in paid.json()["transitions"]] == [
        "submit",
        "start_review",
        "forward",
        "approve",
        "report_completion",
        "confirm",
        "pay",
    ]


def test_a_meeting_hall_draft_takes_its_kinds_in_patch(
    client_for, leader_a, association_a, meeting_hall, hall_a
):
    client = client_for(leader_a)
    app_id = client.post(APPS, hall_body(association_a, hall_a, lines=[]), format="json").json()["id"]
    response = client.patch(
        url(app_id), {"lines": [{"description": "外壁", "kind": "works", "amount": 600_000}]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["computed_amount"] == 200_000


def test_kinds_are_checked_against_the_programmes_rule_and_the_allowed_ones_are_named(
    client_for, leader_a, association_a, meeting_hall, hall_a, digital
):
    client = client_for(leader_a)
    # A digital kind on a hall application, and a hall kind on a digital one: both refused.
    body = error(
        client.post(
            APPS,
            hall_body(association_a, hall_a, lines=[{"description": "PC", "kind": "goods", "amount": 1}]),
            format="json",
        ),
        400,
    )
    [message] = body["extra"]["fields"]["lines"]["0"]["kind"]
    assert "goods" in message and "works" in message and "工事費・購入費等（補助対象経費）" in message
    body = error(
        client.post(
            APPS,
            new_body(association_a, lines=[{"description": "屋根", "kind": "works", "amount": 1}]),
            format="json",
        ),
        400,
    )
    assert "service" in body["extra"]["fields"]["lines"]["0"]["kind"][0]
    assert not Application.objects.exists()


def test_a_completion_report_with_a_kind_outside_the_rule_is_a_field_error(
    client_for, leader_a, association_a, meeting_hall, hall_a
):
    app = make_application(
        association_a,
        programme=meeting_hall,
        category="extension_rebuild",
        hall=hall_a,
        lines=[("works", "屋根", 300_000)],
        status=Status.APPROVED,
    )
    body = error(
        client_for(leader_a).post(
            url(app, "report-completion"),
            {"lines": [{"description": "謝礼", "kind": "service", "amount": 1}]},
            format="json",
        ),
        400,
    )
    assert "kind" in body["extra"]["fields"]["lines"]["0"]
    assert Application.objects.get(pk=app.pk).status == Status.APPROVED


def test_the_number_stays_the_stable_key_and_the_words_come_beside_it(
    client_for, leader_a, association_a, digital
):
    app = make_application(association_a, programme=digital)
    body = client_for(leader_a).get(url(app)).json()
    assert body["number"] == f"2026-digital-{app.pk:05d}"
    assert body["number_text"] == f"令和8年度 デジタル 第{app.pk}号"


def test_a_draft_is_edited_with_patch(client_for, leader_a, association_a, digital):
    app = make_application(association_a, programme=digital)
    response = client_for(leader_a).patch(
        url(app),
        {
            "purpose": "回覧のオンライン化",
            "lines": [{"description": "講師", "kind": "service", "amount": 10_000}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["purpose"] == "回覧のオンライン化"
    assert body["computed_amount"] == 10_000 == body["breakdown"]["amount"]
    assert len(body["lines"]) == 1


def test_a_submitted_application_cannot_be_edited(client_for, leader_a, association_a, digital):
    app = make_application(association_a, programme=digital, status=Status.SUBMITTED)
    body = error(client_for(leader_a).patch(url(app), {"purpose": "変更"}, format="json"), 409)
    assert "変更できません" in body["message"]
    assert Application.objects.get(pk=app.pk).purpose == "テストの事業"


def test_pay_records_the_date_and_amount(client_for, city_admin, association_a, digital):
    app = make_application(association_a, programme=digital, status=Status.CONFIRMED)
    response = client_for(city_admin).post(url(app, "pay"), {"paid_on": "2026-12-10"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "paid" and response.json()["paid_amount"] == 70_000


# ---------------------------------------------------------------------------------------------
# Validation and rules
# ---------------------------------------------------------------------------------------------


def test_malformed_input_is_a_field_error(client_for, leader_a, association_a, digital):
    body = error(
        client_for(leader_a).post(
            APPS,
            new_body(association_a, lines=[{"description": "x", "kind": "food", "amount": "100"}]),
            format="json",
        ),
        400,
    )
    assert body["message"] == "入力内容に誤りがあります。"
    assert set(body["extra"]["fields"]["lines"]["0"]) == {"kind", "amount"}


def test_an_unknown_programme_is_named(client_for, leader_a, association_a, digital):
    body = error(
        client_for(leader_a).post(APPS, new_body(association_a, fiscal_year=2040), format="json"), 400
    )
    assert "programme" in body["extra"]["fields"]
    assert not Application.objects.exists()


def test_a_rule_of_the_programme_is_a_japanese_400(client_for, leader_a, association_a, digital):
    body = error(
        client_for(leader_a).post(
            APPS, new_body(association_a, planned_start="2027-03-01", planned_end="2027-01-01"), format="json"
        ),
        400,
    )
    assert body["message"] == "事業完了予定日は事業開始予定日以降の日付にしてください。"
    assert body["extra"]["code"] == "invalid_application"


def test_a_required_comment(client_for, ward_staff_chuo, association_a, digital):
    app = make_application(association_a, programme=digital, status=Status.UNDER_REVIEW)
    body = error(client_for(ward_staff_chuo).post(url(app, "return"), {}, format="json"), 400)
    assert "comment" in body["extra"]["fields"]
    body = error(client_for(ward_staff_chuo).post(url(app, "return"), {"comment": "  "}, format="json"), 400)
    assert "comment" in body["extra"]["fields"] and is_japanese(body["extra"]["fields"]["comment"][0])
    assert Application.objects.get(pk=app.pk).status == Status.UNDER_REVIEW


def test_an_illegal_transition_is_a_409_with_the_reason(client_for, ward_staff_chuo, association_a, digital):
    app = make_application(association_a, programme=digital)  # a draft
    body = error(client_for(ward_staff_chuo).post(url(app, "forward"), {}, format="json"), 409)
    assert body["message"].startswith("「下書き」の申請は「市へ進達」できません")
    assert body["extra"]["code"] == "illegal_transition"


def test_approving_above_the_computed_amount_is_refused(client_for, city_admin, association_a, digital):
    app = make_application(association_a, programme=digital, status=Status.FORWARDED)
    body = error(client_for(city_admin).post(url(app, "approve"), {"amount": 80_000}, format="json"), 400)
    assert "交付決定額" in body["message"] and body["extra"]["computed_amount"] == 70_000


# ---------------------------------------------------------------------------------------------
# Attachments: added through the API, never deleted there
# ---------------------------------------------------------------------------------------------


def test_a_leader_attaches_a_file_and_the_application_lists_it(client_for, leader_a, association_a, digital):
    app = make_application(association_a, programme=digital)
    response = client_for(leader_a).post(
        url(app, "attachments"), {"kind": "estimate", "file": pdf_file("見積書.pdf")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    [attachment] = response.json()["attachments"]
    assert (attachment["kind"], attachment["kind_label"], attachment["name"]) == (
        "estimate",
        "見積書",
        "見積書.pdf",
    )
    assert attachment["content_type"] == "application/pdf" and attachment["size"] > 0
    assert Attachment.objects.get().uploaded_by == leader_a


def test_an_upload_whose_content_is_refused_is_a_japanese_400_and_nothing_is_stored(
    client_for, leader_a, association_a, digital
):
    app = make_application(association_a, programme=digital)
    body = error(
        client_for(leader_a).post(
            url(app, "attachments"), {"kind": "receipt", "file": png_file("receipt.pdf")}, format="multipart"
        ),
        400,
    )
    assert "中身はPNG画像ですが" in body["message"] and body["extra"]["code"] == "attachment_rejected"
    assert not Attachment.objects.exists()


def test_attaching_is_refused_while_the_ward_reviews_and_outside_the_users_scope(
    client_for, leader_a, viewer, ward_staff_kita, association_a, digital_many
):
    app = make_application(association_a, programme=digital_many, status=Status.UNDER_REVIEW)
    body = error(
        client_for(leader_a).post(
            url(app, "attachments"), {"kind": "other", "file": pdf_file()}, format="multipart"
        ),
        409,
    )
    assert body["extra"]["code"] == "illegal_transition"
    draft = make_application(association_a, programme=digital_many)
    error(client_for(ward_staff_kita).post(url(draft, "attachments"), {}, format="multipart"), 404)
    # Not a paper entry: its ward's staff see it but do not act for the association.
    error(client_for(viewer).post(url(draft, "attachments"), {}, format="multipart"), 404)
    assert not Attachment.objects.exists()


def test_staff_of_the_ward_may_not_attach_to_an_associations_own_application(
    client_for, ward_staff_chuo, association_a, digital
):
    draft = make_application(association_a, programme=digital)
    body = error(
        client_for(ward_staff_chuo).post(url(draft, "attachments"), {"kind": "other"}, format="multipart"),
        403,
    )
    assert is_japanese(body["message"])


def test_a_returned_paper_entry_changed_through_the_api_needs_a_new_check(
    client_for, ward_staff_chuo, association_a, digital, city_admin
):
    app = make_application(
        association_a,
        programme=digital,
        status=Status.RETURNED,
        entered_by_staff=True,
        entered_by=ward_staff_chuo,
    )
    Application.objects.filter(pk=app.pk).update(verified_by=city_admin)
    response = client_for(ward_staff_chuo).post(
        url(app, "attachments"), {"kind": "scanned_form", "file": pdf_file("scan-2.pdf")}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["needs_verification"] is True


@pytest.mark.parametrize("status", [Status.DRAFT, Status.APPROVED])
def test_the_api_has_no_way_to_delete_an_attachment(
    client_for, leader_a, city_admin, association_a, digital, status
):
    app = make_application(association_a, programme=digital, status=status)
    attachment = services.attachment_add(
        actor=city_admin, application_id=app.pk, file=pdf_file(), kind="estimate"
    )
    for client in (client_for(leader_a), client_for(city_admin)):
        assert client.delete(url(app, "attachments")).status_code == 405
        assert client.delete(f"{url(app, 'attachments')}{attachment.pk}/").status_code == 404
        assert client.delete(url(app)).status_code == 405
    assert Attachment.objects.filter(pk=attachment.pk).exists()


# ---------------------------------------------------------------------------------------------
# Scope and roles
# ---------------------------------------------------------------------------------------------


def test_other_associations_and_wards_answer_404(
    client_for, leader_b, ward_staff_kita, association_a, digital
):
    app = make_application(association_a, programme=digital, status=Status.SUBMITTED)
    for user in (leader_b, ward_staff_kita):
        client = client_for(user)
        error(client.get(url(app)), 404)
        error(client.post(url(app, "withdraw"), {}, format="json"), 404)
        error(client.patch(url(app), {"purpose": "x"}, format="json"), 404)
        assert client.get(APPS).json()["results"] == []
    assert Application.objects.get(pk=app.pk).status == Status.SUBMITTED


def test_the_list_is_scoped_and_filtered(
    client_for, leader_a, ward_staff_chuo, city_admin, association_a, association_kita, digital
):
    mine = make_application(association_a, programme=digital, status=Status.SUBMITTED)
    make_application(association_kita, programme=digital, status=Status.FORWARDED)
    assert [r["id"] for r in client_for(leader_a).get(APPS).json()["results"]] == [mine.pk]
    assert [r["id"] for r in client_for(ward_staff_chuo).get(APPS).json()["results"]] == [mine.pk]
    admin = client_for(city_admin)
    assert admin.get(APPS).json()["count"] == 2
    assert admin.get(APPS, {"status": "forwarded"}).json()["count"] == 1
    assert admin.get(APPS, {"programme": DIGITAL, "fiscal_year": 2026}).json()["count"] == 2
    assert admin.get(APPS, {"fiscal_year": 2025}).json()["count"] == 0
    error(admin.get(APPS, {"status": "nonsense"}), 400)


def test_roles_that_may_not_act_get_403(
    client_for, leader_a, ward_staff_chuo, city_admin, viewer, association_a, digital_many
):
    digital = digital_many
    forwarded = make_application(association_a, programme=digital, status=Status.FORWARDED)
    body = error(client_for(leader_a).post(url(forwarded, "approve"), {}, format="json"), 403)
    assert body["message"] == "この申請を「交付決定」する権限がありません。"
    error(client_for(ward_staff_chuo).post(url(forwarded, "approve"), {}, format="json"), 403)
    submitted = make_application(association_a, programme=digital, status=Status.SUBMITTED)
    error(client_for(leader_a).post(url(submitted, "start-review"), {}, format="json"), 403)
    # Only an association's leader creates its applications.
    for user in (ward_staff_chuo, city_admin, viewer):
        body = error(client_for(user).post(APPS, new_body(association_a), format="json"), 403)
        assert is_japanese(body["message"])
    assert client_for(viewer).get(APPS).json()["results"] == []


def test_leader_b_cannot_create_for_association_a(client_for, leader_b, association_a, digital):
    error(client_for(leader_b).post(APPS, new_body(association_a), format="json"), 403)
    assert not Application.objects.exists()


def test_anonymous_callers_get_401(anon, association_a, digital):
    app = make_application(association_a, programme=digital)
    error(anon.get(APPS), 401)
    error(anon.get(url(app)), 401)
    error(anon.post(url(app, "submit"), {}, format="json"), 401)


# ---------------------------------------------------------------------------------------------
# Query counts
# ---------------------------------------------------------------------------------------------


def _queries(client, size) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(APPS, {"page_size": size})
    assert response.status_code == 200 and len(response.json()["results"]) == size
    return len(queries)


@pytest.mark.parametrize("persona", ["city_admin", "ward_staff_chuo", "leader_a"])
def test_the_list_takes_the_same_queries_for_2_or_10(
    request, client_for, persona, association_a, digital_many
):
    digital = digital_many
    user = request.getfixturevalue(persona)
    statuses = [Status.DRAFT, Status.SUBMITTED, Status.FORWARDED, Status.APPROVED, Status.PAID]
    for i in range(10):
        make_application(association_a, programme=digital, status=statuses[i % len(statuses)])
    client = client_for(user)
    client.get(APPS)  # the token's first use records last_used_at: not part of what is measured
    assert _queries(client, 2) == _queries(client, 10)
