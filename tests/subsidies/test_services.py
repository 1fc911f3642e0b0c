"""Services: amounts recomputed on every change, the programmes' rules, budget, four-eyes, mail."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from chonaikai.audit.models import AuditEvent
from chonaikai.subsidies import selectors, services
from chonaikai.subsidies.errors import (
    BudgetExceeded,
    DuplicateApplication,
    FourEyesViolation,
    IllegalTransition,
    InvalidApplication,
    RepeatGrantTooSoon,
    RuleNotConfirmed,
)
from chonaikai.subsidies.models import Application, Attachment, ExpenseLine, Hall, Programme, ProgrammeRule
from chonaikai.subsidies.services import LineInput
from chonaikai.subsidies.workflow import Status
from tests.factories import AssociationFactory, ward

from .helpers import make_application, pdf_file

pytestmark = pytest.mark.django_db


def create_digital(actor, association, programme, lines=(("service", "謝礼", 30_000),)):
    return services.application_create(
        actor=actor,
        association_id=association.pk,
        programme_id=programme.pk,
        purpose="役員会のオンライン化",
        lines=[LineInput(kind, description, amount) for kind, description, amount in lines],
    )


# ---------------------------------------------------------------------------------------------
# Creating and editing: the amount follows every line change
# ---------------------------------------------------------------------------------------------


def test_the_amount_and_breakdown_are_recomputed_on_every_line_change(leader_a, association_a, digital):
    app = create_digital(leader_a, association_a, digital)
    assert app.computed_amount == 30_000
    assert app.breakdown["lines"][0] == "報償費・役務費・委託費 30,000円 × 10/10 = 30,000円"

    line = services.expense_line_add(
        actor=leader_a, application_id=app.pk, kind="goods", description="タブレット", amount=100_001
    )
    app.refresh_from_db()
    assert app.computed_amount == 96_667
    assert "物品・備品購入費・工事費 100,001円 × 2/3 = 66,667円（1円未満切り捨て）" in app.breakdown["lines"]

    services.expense_line_update(actor=leader_a, line_id=line.pk, amount=120_000)
    app.refresh_from_db()
    assert app.computed_amount == 100_000  # 30,000 + 80,000 → the cap
    assert app.breakdown["lines"][-2] == "上限額 100,000円 を適用 110,000円 → 100,000円"

    services.expense_line_delete(actor=leader_a, line_id=line.pk)
    app.refresh_from_db()
    assert app.computed_amount == 30_000

    services.application_set_lines(actor=leader_a, application_id=app.pk, lines=[LineInput("goods", "PC", 3)])
    app.refresh_from_db()
    assert app.computed_amount == 2
    assert list(app.lines.values_list("description", flat=True)) == ["PC"]
    assert (
        AuditEvent.objects.filter(action="subsidy_application.lines_changed", subject_id=str(app.pk)).count()
        == 4
    )


def test_a_line_of_a_kind_the_programme_does_not_have_is_refused_and_nothing_is_written(
    leader_a, association_a, digital
):
    app = create_digital(leader_a, association_a, digital)
    with pytest.raises(InvalidApplication, match="経費「旅費」の種類は"):
        services.expense_line_add(
            actor=leader_a, application_id=app.pk, kind="travel", description="旅費", amount=1
        )
    assert app.lines.count() == 1


def test_content_cannot_change_once_submitted(leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.SUBMITTED)
    with pytest.raises(IllegalTransition, match="「提出済み」の申請は内容を変更できません"):
        services.application_update(actor=leader_a, application_id=app.pk, purpose="変更")
    with pytest.raises(Http404):  # not in the editable set at all
        selectors.application_for_edit(user=leader_a, application_id=app.pk)


def test_a_leader_cannot_create_for_another_association(leader_b, association_a, digital):
    with pytest.raises(Http404):
        create_digital(leader_b, association_a, digital)


def test_a_meeting_hall_application_needs_a_category_and_a_hall_of_its_own_association(
    leader_a, association_a, association_b, meeting_hall
):
    with pytest.raises(InvalidApplication, match="区分を選んでください"):
        services.application_create(
            actor=leader_a, association_id=association_a.pk, programme_id=meeting_hall.pk, purpose="修繕"
        )
    other_hall = Hall.objects.create(association=association_b, name="B会館", floor_area_m2=Decimal(50))
    with pytest.raises(InvalidApplication, match="この町内会の会館を選んでください"):
        services.application_create(
            actor=leader_a,
            association_id=association_a.pk,
            programme_id=meeting_hall.pk,
            purpose="修繕",
            category="repair",
            hall_id=other_hall.pk,
        )


def test_nobody_applies_for_the_resident_organisation_grant(leader_a, association_a, resident_grant):
    with pytest.raises(InvalidApplication, match="申請不要"):
        services.application_create(
            actor=leader_a,
            association_id=association_a.pk,
            programme_id=resident_grant.pk,
            purpose="x",
            category="unit",
        )


# ---------------------------------------------------------------------------------------------
# One digital application per association and fiscal year
# ---------------------------------------------------------------------------------------------


def test_a_second_digital_application_in_the_same_year_is_refused_naming_the_first(
    leader_a, association_a, digital
):
    first = create_digital(leader_a, association_a, digital)
    with pytest.raises(DuplicateApplication) as error:
        create_digital(leader_a, association_a, digital)
    assert f"申請番号 {first.number}" in str(error.value)
    assert "状態: 下書き" in str(error.value)
    assert error.value.extra["application_id"] == first.pk
    assert Application.objects.count() == 1


@pytest.mark.parametrize("closed", [Status.WITHDRAWN, Status.REJECTED])
def test_withdrawn_and_rejected_applications_free_the_years_slot(
    closed, leader_a, association_a, make_app, digital
):
    make_app(association_a, status=closed)
    assert create_digital(leader_a, association_a, digital).status == Status.DRAFT


def test_the_one_per_year_rule_holds_in_the_database_too(association_a, make_app):
    make_app(association_a, status=Status.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_app(association_a, status=Status.DRAFT)
    make_app(association_a, status=Status.WITHDRAWN)  # closed ones do not collide


def test_another_years_programme_is_another_slot(leader_a, association_a, digital, city_admin):
    create_digital(leader_a, association_a, digital)
    next_year = services.programme_copy_to_fiscal_year(
        actor=city_admin, programme_id=digital.pk, fiscal_year=2027
    )
    # A copied year's rules are assumed until the city confirms them; then the year is open.
    services.rule_confirm(actor=city_admin, rule_id=next_year.rules.get().pk)
    assert create_digital(leader_a, association_a, next_year).programme.fiscal_year == 2027


def test_meeting_hall_applications_are_not_limited_to_one_a_year(association_a, make_app, meeting_hall):
    hall = Hall.objects.create(association=association_a, name="A会館", floor_area_m2=Decimal(80))
    lines = (("works", "工事", 300_000),)
    make_app(association_a, programme=meeting_hall, category="repair", hall=hall, lines=lines)
    make_app(association_a, programme=meeting_hall, category="repair", hall=hall, lines=lines)


# ---------------------------------------------------------------------------------------------
# Submission checks
# ---------------------------------------------------------------------------------------------


def test_submission_outside_the_application_window_is_refused(leader_a, association_a, make_app, digital):
    Programme.objects.filter(pk=digital.pk).update(closes_on=dt.date(2026, 10, 31))
    app = make_app(association_a)
    with pytest.raises(InvalidApplication, match=r"受付期間（2026-04-01〜2026-10-31）外です（2026-11-29）"):
        services.application_submit(actor=leader_a, application_id=app.pk)


def test_a_paper_entry_is_checked_against_the_window_on_the_day_it_was_received(
    ward_staff_chuo, association_a, digital
):
    Programme.objects.filter(pk=digital.pk).update(opens_on=dt.date(2026, 12, 1))
    app = services.application_enter_paper(
        actor=ward_staff_chuo,
        association_id=association_a.pk,
        programme_id=digital.pk,
        purpose="紙の申請",
        scanned_form=pdf_file(),
        received_on=dt.date(2026, 11, 28),
        lines=[LineInput("service", "謝礼", 1_000)],
    )
    with pytest.raises(InvalidApplication, match=r"受付期間（2026-12-01〜2027-03-31）外です（2026-11-28）"):
        services.application_submit(actor=ward_staff_chuo, application_id=app.pk)


def test_changing_the_category_recomputes_with_that_categorys_rule(
    leader_a, city_admin, association_a, meeting_hall
):
    hall = services.hall_create(actor=leader_a, association_id=association_a.pk, name="A会館")
    app = services.application_create(
        actor=leader_a,
        association_id=association_a.pk,
        programme_id=meeting_hall.pk,
        purpose="修繕",
        category="extension_rebuild",
        hall_id=hall.pk,
        lines=[LineInput("works", "工事", 3_000_000)],
    )
    assert app.computed_amount == 1_000_000  # 1/3
    # The city confirms 修繕 at 1/2 (the rate is data): switching to it recomputes with its rule.
    repair = ProgrammeRule.objects.get(programme=meeting_hall, category="repair")
    repair.kinds.filter(code="works").update(rate_numerator=1, rate_denominator=2)
    services.rule_confirm(actor=city_admin, rule_id=repair.pk)
    app = services.application_update(actor=leader_a, application_id=app.pk, category="repair")
    assert not app.breakdown["needs_confirmation"] and app.computed_amount == 1_500_000
    with pytest.raises(InvalidApplication, match="区分を選んでください"):
        services.application_update(actor=leader_a, application_id=app.pk, category="garden")


def test_a_digital_application_without_lines_cannot_be_submitted(leader_a, association_a, make_app):
    app = make_app(association_a, lines=())
    with pytest.raises(InvalidApplication, match="経費を1行以上"):
        services.application_submit(actor=leader_a, application_id=app.pk)


def test_demolition_takes_the_floor_area_from_the_hall_register(leader_a, association_a, meeting_hall):
    hall = services.hall_create(actor=leader_a, association_id=association_a.pk, name="A会館")
    app = services.application_create(
        actor=leader_a,
        association_id=association_a.pk,
        programme_id=meeting_hall.pk,
        purpose="解体",
        category="demolition",
        hall_id=hall.pk,
        lines=[LineInput("special_works", "アスベスト除去", 123_456)],
    )
    with pytest.raises(InvalidApplication, match="延床面積が登録されていません"):
        services.application_submit(actor=leader_a, application_id=app.pk)
    services.hall_update(actor=leader_a, hall_id=hall.pk, floor_area_m2=Decimal("52.50"))
    app = services.application_submit(actor=leader_a, application_id=app.pk)
    assert app.computed_amount == 704_000
    assert app.breakdown["lines"][0] == "基本額 延床面積 52.50m² × 10,000円 = 525,000円"


# ---------------------------------------------------------------------------------------------
# Meeting halls: no new grant too soon
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def hall(association_a):
    return Hall.objects.create(association=association_a, name="中央A会館", floor_area_m2=Decimal("120.00"))


def hall_application(leader_a, association_a, meeting_hall, hall, category="extension_rebuild"):
    return services.application_create(
        actor=leader_a,
        association_id=association_a.pk,
        programme_id=meeting_hall.pk,
        purpose="屋根の修繕",
        category=category,
        hall_id=hall.pk,
        lines=[LineInput("works", "防水工事", 900_000)] if category != "demolition" else [],
    )


def test_a_hall_granted_within_the_interval_cannot_apply_again_and_the_earlier_grant_is_named(
    leader_a, association_a, meeting_hall, hall, make_app
):
    earlier = make_app(
        association_a,
        programme=meeting_hall,
        category="repair",
        hall=hall,
        status=Status.PAID,
        lines=(("works", "工事", 300_000),),
    )
    app = hall_application(leader_a, association_a, meeting_hall, hall)
    with pytest.raises(RepeatGrantTooSoon) as error:
        services.application_submit(actor=leader_a, application_id=app.pk)
    assert f"申請番号 {earlier.number}" in str(error.value)
    assert "令和8年度に市民集会施設建築費補助金（修繕" in str(error.value)
    assert "令和18年度以降" in str(error.value)


@pytest.mark.parametrize(("grant_year", "allowed"), [(2016, True), (2017, False)])
def test_a_grant_recorded_from_earlier_files_counts_for_the_interval(
    grant_year, allowed, leader_a, ward_staff_chuo, association_a, meeting_hall, hall
):
    services.hall_repair_record(
        actor=ward_staff_chuo,
        hall_id=hall.pk,
        fiscal_year=grant_year,
        category="repair",
        description="外壁の修繕",
        cost=3_000_000,
        grant_amount=1_000_000,
    )
    app = hall_application(leader_a, association_a, meeting_hall, hall)
    if allowed:
        assert services.application_submit(actor=leader_a, application_id=app.pk).status == Status.SUBMITTED
    else:
        with pytest.raises(RepeatGrantTooSoon, match="外壁の修繕、1,000,000円、過去の記録"):
            services.application_submit(actor=leader_a, application_id=app.pk)


def test_demolition_needs_enough_time_since_a_building_grant(
    leader_a, association_a, meeting_hall, hall, make_app
):
    make_app(
        association_a,
        programme=meeting_hall,
        category="extension_rebuild",
        hall=hall,
        status=Status.APPROVED,
        lines=(("works", "工事", 3_000_000),),
    )
    app = hall_application(leader_a, association_a, meeting_hall, hall, category="demolition")
    with pytest.raises(RepeatGrantTooSoon, match="増築・改築"):
        services.application_submit(actor=leader_a, application_id=app.pk)


def test_withdrawn_or_pending_applications_for_the_hall_do_not_block(
    leader_a, association_a, meeting_hall, hall, make_app
):
    lines = (("works", "工事", 300_000),)
    for status in (Status.WITHDRAWN, Status.REJECTED, Status.UNDER_REVIEW):
        make_app(
            association_a, programme=meeting_hall, category="repair", hall=hall, status=status, lines=lines
        )
    app = hall_application(leader_a, association_a, meeting_hall, hall)
    assert services.application_submit(actor=leader_a, application_id=app.pk).status == Status.SUBMITTED


def test_the_hall_grant_history_lists_granted_applications_and_recorded_grants(
    association_a, meeting_hall, hall, make_app, ward_staff_chuo
):
    granted = make_app(
        association_a,
        programme=meeting_hall,
        category="repair",
        hall=hall,
        status=Status.CONFIRMED,
        lines=(("works", "工事", 300_000),),
    )
    make_app(
        association_a,
        programme=meeting_hall,
        category="repair",
        hall=hall,
        status=Status.SUBMITTED,
        lines=(("works", "工事", 300_000),),
    )
    services.hall_repair_record(
        actor=ward_staff_chuo, hall_id=hall.pk, fiscal_year=2001, description="新築", grant_amount=5
    )
    history = selectors.hall_grant_history(hall)
    assert [(g.fiscal_year, g.amount) for g in history] == [(2026, 100_000), (2001, 5)]
    assert history[0].application == granted


def test_leaders_may_not_record_earlier_grants(leader_a, hall):
    with pytest.raises(Http404):
        services.hall_repair_record(
            actor=leader_a, hall_id=hall.pk, fiscal_year=2020, description="x", grant_amount=1
        )


# ---------------------------------------------------------------------------------------------
# Approval: rules to confirm, budget
# ---------------------------------------------------------------------------------------------


def test_approval_is_refused_while_the_category_rule_needs_confirmation_until_a_city_admin_confirms(
    city_admin, association_a, meeting_hall, hall, make_app
):
    Programme.objects.filter(pk=meeting_hall.pk).update(budget=50_000_000)
    app = make_app(
        association_a,
        programme=meeting_hall,
        category="repair",
        hall=hall,
        status=Status.FORWARDED,
        lines=(("works", "工事", 900_000),),
    )
    assert "要綱で要確認" in app.breakdown["lines"][0]
    with pytest.raises(RuleNotConfirmed, match="修繕"):
        services.application_approve(actor=city_admin, application_id=app.pk)
    rule = ProgrammeRule.objects.get(programme=meeting_hall, category="repair")
    services.rule_confirm(actor=city_admin, rule_id=rule.pk)
    rule.refresh_from_db()
    assert (rule.needs_confirmation, rule.confirmed_by) == (False, city_admin)
    app = services.application_approve(actor=city_admin, application_id=app.pk)
    assert app.approved_amount == 300_000
    assert "要綱で要確認" not in app.breakdown["lines"][0]


def test_only_city_admins_confirm_rules(ward_staff_chuo, meeting_hall):
    rule = ProgrammeRule.objects.get(programme=meeting_hall, category="repair")
    with pytest.raises(PermissionDenied):
        services.rule_confirm(actor=ward_staff_chuo, rule_id=rule.pk)


def test_the_approved_amount_defaults_to_the_rule_and_may_be_lower_never_higher(
    city_admin, association_a, make_app
):
    app = make_app(association_a, status=Status.FORWARDED)
    with pytest.raises(InvalidApplication, match=r"算定額（70,000円）以下"):
        services.application_approve(actor=city_admin, application_id=app.pk, amount=70_001)
    assert (
        services.application_approve(actor=city_admin, application_id=app.pk, amount=50_000).approved_amount
        == 50_000
    )


def test_approving_more_than_the_remaining_budget_is_refused_with_a_clear_message(
    city_admin, association_a, association_b, make_app, digital
):
    Programme.objects.filter(pk=digital.pk).update(budget=100_000)
    make_app(association_b, status=Status.PAID, lines=(("service", "x", 40_000),))
    app = make_app(association_a, status=Status.FORWARDED)  # 70,000 > 60,000 left
    with pytest.raises(BudgetExceeded) as error:
        services.application_approve(actor=city_admin, application_id=app.pk)
    assert "残額 60,000円 に対して 70,000円 の交付決定はできません" in str(error.value)
    app.refresh_from_db()
    assert app.status == Status.FORWARDED
    # The remaining 60,000 exactly can be approved.
    assert (
        services.application_approve(actor=city_admin, application_id=app.pk, amount=60_000).status
        == Status.APPROVED
    )
    summary = selectors.programme_summary(Programme.objects.get(pk=digital.pk))
    assert (summary.budget, summary.approved, summary.paid, summary.remaining) == (
        100_000,
        100_000,
        40_000,
        0,
    )


def test_sequential_approvals_stop_at_the_last_yen(city_admin, make_app, digital):
    Programme.objects.filter(pk=digital.pk).update(budget=150_000)
    apps = [make_app(AssociationFactory(ward=ward("01101")), status=Status.FORWARDED) for _ in range(3)]
    results = []
    for app in apps:
        try:
            services.application_approve(actor=city_admin, application_id=app.pk)
            results.append("ok")
        except BudgetExceeded:
            results.append("refused")
    assert results == ["ok", "ok", "refused"]  # 70,000 + 70,000; 10,000 left


def test_confirmation_lowers_what_the_grant_takes_from_the_budget(
    city_admin, association_a, make_app, digital
):
    Programme.objects.filter(pk=digital.pk).update(budget=100_000)
    app = make_app(association_a, status=Status.COMPLETION_REPORTED)
    ExpenseLine.objects.filter(application=app, phase="actual", kind="goods").update(amount=30_000)
    app = services.application_confirm(actor=city_admin, application_id=app.pk)
    assert app.confirmed_amount == 50_000  # 30,000 + 20,000 on actual costs
    assert selectors.programme_summary(Programme.objects.get(pk=digital.pk)).remaining == 50_000


def test_confirmation_is_never_above_the_approved_amount(city_admin, association_a, make_app):
    app = make_app(association_a, status=Status.COMPLETION_REPORTED, approved_amount=60_000)
    ExpenseLine.objects.filter(application=app, phase="actual").update(amount=90_000)
    app = services.application_confirm(actor=city_admin, application_id=app.pk)
    assert app.confirmed_amount == 60_000
    assert app.actual_breakdown["lines"][-2].startswith("交付決定額 60,000円 を上限")


def test_payment_is_at_most_the_confirmed_amount(city_admin, association_a, make_app):
    app = make_app(association_a, status=Status.CONFIRMED)
    with pytest.raises(InvalidApplication, match="確定額"):
        services.application_pay(
            actor=city_admin, application_id=app.pk, paid_on=dt.date(2026, 12, 1), amount=70_001
        )
    app = services.application_pay(actor=city_admin, application_id=app.pk, paid_on=dt.date(2026, 12, 1))
    assert (app.paid_amount, app.paid_on) == (70_000, dt.date(2026, 12, 1))


def test_payment_is_refused_until_the_association_has_sent_its_claim(
    city_admin, leader_a, association_a, make_app
):
    """支払 needs the 交付請求 (請求書 with the account to pay into): without one nothing is paid."""
    app = make_app(association_a, status=Status.CONFIRMED, with_claim=False)
    with pytest.raises(IllegalTransition, match="請求書"):
        services.application_pay(actor=city_admin, application_id=app.pk, paid_on=dt.date(2026, 12, 1))
    app.refresh_from_db()
    assert (app.status, app.paid_amount) == (Status.CONFIRMED, None)
    services.application_claim(
        actor=leader_a,
        application_id=app.pk,
        bank_name="テスト銀行",
        branch_name="中央支店",
        account_type="ordinary",
        account_number="1234567",
        account_holder_kana="テストチョウナイカイ",
    )
    app = services.application_pay(actor=city_admin, application_id=app.pk, paid_on=dt.date(2026, 12, 1))
    assert app.status == Status.PAID


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a, pk: services.application_return(actor=a, application_id=pk, comment=" "), "差戻しの理由"),
        (
            lambda a, pk: services.application_reject(actor=a, application_id=pk, reason=""),
            "不交付決定の理由",
        ),
    ],
)
def test_returns_and_rejections_need_a_reason(call, message, city_admin, association_a, make_app):
    status = Status.UNDER_REVIEW if "差戻し" in message else Status.FORWARDED
    app = make_app(association_a, status=status)
    with pytest.raises(InvalidApplication, match=message):
        call(city_admin, app.pk)


def test_a_completion_report_needs_actual_lines_and_a_receipt(leader_a, association_a, make_app):
    app = make_app(association_a, status=Status.APPROVED)
    with pytest.raises(InvalidApplication, match="領収書を添付"):
        services.application_report_completion(
            actor=leader_a, application_id=app.pk, lines=[LineInput("service", "謝礼", 1000)]
        )
    with pytest.raises(InvalidApplication, match="実績の経費"):
        services.application_report_completion(
            actor=leader_a, application_id=app.pk, lines=[], receipts=[pdf_file()]
        )
    app = services.application_report_completion(
        actor=leader_a,
        application_id=app.pk,
        lines=[LineInput("service", "謝礼", 1000)],
        receipts=[pdf_file()],
    )
    assert app.status == Status.COMPLETION_REPORTED
    assert app.actual_breakdown["amount"] == 1000
    assert app.attachments.get().kind == Attachment.Kind.RECEIPT


# ---------------------------------------------------------------------------------------------
# Paper applications: four-eyes
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def paper(ward_staff_chuo, association_a, digital):
    app = services.application_enter_paper(
        actor=ward_staff_chuo,
        association_id=association_a.pk,
        programme_id=digital.pk,
        purpose="紙の申請書から入力",
        scanned_form=pdf_file("scan.pdf"),
        received_on=dt.date(2026, 11, 20),
        lines=[LineInput("service", "講習会", 20_000)],
    )
    return services.application_submit(actor=ward_staff_chuo, application_id=app.pk)


def test_a_paper_entry_is_marked_and_keeps_the_scanned_form(paper, ward_staff_chuo):
    assert paper.entered_by_staff and paper.entered_by == ward_staff_chuo
    assert paper.attachments.get().kind == Attachment.Kind.SCANNED_FORM
    assert paper.needs_verification


def test_the_person_who_entered_a_paper_application_cannot_verify_it(paper, ward_staff_chuo):
    with pytest.raises(FourEyesViolation, match="別の職員が確認してください"):
        services.application_verify_paper_entry(actor=ward_staff_chuo, application_id=paper.pk)


def test_review_cannot_start_before_a_second_person_verified_the_paper_entry(
    paper, ward_staff_chuo, ward_staff_chuo_2
):
    with pytest.raises(FourEyesViolation, match="別の職員が入力内容を確認するまで"):
        services.application_start_review(actor=ward_staff_chuo_2, application_id=paper.pk)
    services.application_verify_paper_entry(actor=ward_staff_chuo_2, application_id=paper.pk)
    # The one who entered it may now start the review: the check was someone else's.
    app = services.application_start_review(actor=ward_staff_chuo, application_id=paper.pk)
    assert app.status == Status.UNDER_REVIEW and app.verified_by == ward_staff_chuo_2
    assert AuditEvent.objects.filter(action="subsidy_application.verified", actor=ward_staff_chuo_2).exists()


def test_a_city_admin_may_be_the_second_person_but_staff_of_another_ward_may_not(
    paper, city_admin, ward_staff_kita
):
    with pytest.raises(Http404):
        services.application_verify_paper_entry(actor=ward_staff_kita, application_id=paper.pk)
    assert (
        services.application_verify_paper_entry(actor=city_admin, application_id=paper.pk).verified_by
        == city_admin
    )


def test_editing_a_verified_paper_entry_needs_a_new_check(
    paper, ward_staff_chuo, ward_staff_chuo_2, city_admin
):
    services.application_verify_paper_entry(actor=ward_staff_chuo_2, application_id=paper.pk)
    services.application_start_review(actor=ward_staff_chuo, application_id=paper.pk)
    services.application_return(actor=ward_staff_chuo, application_id=paper.pk, comment="金額の転記誤り")
    # The checker corrects it: now someone other than the checker must check again.
    services.expense_line_add(
        actor=ward_staff_chuo_2, application_id=paper.pk, kind="goods", description="PC", amount=3
    )
    app = services.application_submit(actor=ward_staff_chuo_2, application_id=paper.pk)
    assert app.needs_verification and app.prepared_by == ward_staff_chuo_2
    with pytest.raises(FourEyesViolation):
        services.application_verify_paper_entry(actor=ward_staff_chuo_2, application_id=paper.pk)
    services.application_verify_paper_entry(actor=city_admin, application_id=paper.pk)


def test_the_database_refuses_a_verifier_who_entered_the_application(paper, ward_staff_chuo):
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=paper.pk).update(verified_by=ward_staff_chuo)


def test_staff_of_another_ward_cannot_enter_paper_applications_for_chuo(
    ward_staff_kita, association_a, digital
):
    with pytest.raises(Http404):
        services.application_enter_paper(
            actor=ward_staff_kita,
            association_id=association_a.pk,
            programme_id=digital.pk,
            purpose="x",
            scanned_form=pdf_file(),
            received_on=dt.date(2026, 11, 20),
        )


def test_a_paper_entry_needs_the_scanned_form(ward_staff_chuo, association_a, digital):
    with pytest.raises(InvalidApplication, match="スキャン"):
        services.application_enter_paper(
            actor=ward_staff_chuo,
            association_id=association_a.pk,
            programme_id=digital.pk,
            purpose="x",
            scanned_form=None,
            received_on=dt.date(2026, 11, 20),
        )


# ---------------------------------------------------------------------------------------------
# E-mail after commit
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "call", "subject"),
    [
        (
            Status.DRAFT,
            lambda u, pk: services.application_submit(actor=u["leader_a"], application_id=pk),
            "申請を受け付けました",
        ),
        (
            Status.UNDER_REVIEW,
            lambda u, pk: services.application_return(
                actor=u["ward_staff_chuo"], application_id=pk, comment="見積書がありません"
            ),
            "申請が差し戻されました",
        ),
        (
            Status.FORWARDED,
            lambda u, pk: services.application_approve(actor=u["city_admin"], application_id=pk),
            "交付決定のお知らせ",
        ),
        (
            Status.FORWARDED,
            lambda u, pk: services.application_reject(
                actor=u["city_admin"], application_id=pk, reason="対象外"
            ),
            "不交付決定のお知らせ",
        ),
        (
            Status.CONFIRMED,
            lambda u, pk: services.application_pay(
                actor=u["city_admin"], application_id=pk, paid_on=dt.date(2026, 12, 1)
            ),
            "補助金をお支払いしました",
        ),
    ],
)
def test_submission_return_decision_and_payment_mail_the_leader_and_the_wards_staff_after_commit(
    status,
    call,
    subject,
    leader_a,
    ward_staff_chuo,
    ward_staff_kita,
    city_admin,
    association_a,
    make_app,
    django_capture_on_commit_callbacks,
):
    users = {"leader_a": leader_a, "ward_staff_chuo": ward_staff_chuo, "city_admin": city_admin}
    app = make_app(association_a, status=status)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call(users, app.pk)
    assert mail.outbox == []  # nothing is sent inside the transaction
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(m.to[0] for m in mail.outbox) == ["leader_a@example.jp", "ward_staff_chuo@example.jp"]
    message = mail.outbox[0]
    assert subject in message.subject and app.number in message.subject
    assert association_a.name in message.body


def test_start_review_and_forward_send_no_mail(
    ward_staff_chuo, association_a, make_app, django_capture_on_commit_callbacks
):
    app = make_app(association_a, status=Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_start_review(actor=ward_staff_chuo, application_id=app.pk)
        services.application_forward(actor=ward_staff_chuo, application_id=app.pk)
    assert mail.outbox == []


def test_the_return_mail_carries_the_reason(
    leader_a, ward_staff_chuo, association_a, make_app, django_capture_on_commit_callbacks
):
    app = make_app(association_a, status=Status.UNDER_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_return(
            actor=ward_staff_chuo, application_id=app.pk, comment="見積書を添付してください"
        )
    assert "見積書を添付してください" in mail.outbox[0].body


def test_a_paper_applicant_without_an_account_is_mailed_at_the_association_address(
    ward_staff_chuo, city_admin, association_a, make_app, django_capture_on_commit_callbacks
):
    association_a.contact_email = "kaichou@example.jp"
    association_a.save(update_fields=["contact_email"])
    app = make_app(association_a, status=Status.FORWARDED)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(actor=city_admin, application_id=app.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["kaichou@example.jp", "ward_staff_chuo@example.jp"]


def test_applications_of_other_associations_never_reach_a_leader(leader_b, association_a, make_app):
    app = make_application(association_a, programme=Programme.objects.get(code="digital", fiscal_year=2026))
    with pytest.raises(Http404):
        services.application_update(actor=leader_b, application_id=app.pk, purpose="x")
    with pytest.raises(Http404):
        services.attachment_add(actor=leader_b, application_id=app.pk, file=pdf_file())
