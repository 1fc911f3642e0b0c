"""Programme pages (budget, approved, paid, remaining; rules with 「要綱で要確認」), the
住民組織助成金 computation and the accounting downloads."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from chonaikai.associations.models import HouseholdCount, SurveyRound, WardProgress
from chonaikai.subsidies.models import GrantComputation, ProgrammeRule
from chonaikai.subsidies.workflow import Status
from tests.factories import AssociationFactory, ward

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def granted(make_app, association_a, association_b):
    return {
        "paid": make_app(association_a, status=Status.PAID),
        "approved": make_app(association_b, status=Status.APPROVED),
    }


def test_the_programme_list_shows_budget_approved_paid_and_remaining(as_user, viewer, granted):
    page = text(as_user(viewer).get(reverse("subsidies:programmes")))
    assert "令和8年度" in page and "町内会デジタル活用促進補助金" in page
    assert "13,000,000円" in page  # budget
    assert "140,000円" in page  # approved: 70,000 × 2
    assert "70,000円" in page  # paid
    assert "12,860,000円" in page  # remaining
    assert "未登録" in page  # the meeting-hall budget


def test_viewers_see_figures_but_no_association_or_applicant(as_user, viewer, granted, digital):
    page = text(as_user(viewer).get(reverse("subsidies:programme", args=[digital.pk])))
    assert "12,860,000円" in page
    assert granted["paid"].association.name not in page
    assert granted["paid"].number not in page
    assert "確認済みにする" not in page and "会計用ファイル" not in page


def test_unconfirmed_rules_are_flagged_and_the_city_confirms_them(as_user, city_admin, meeting_hall):
    client = as_user(city_admin)
    page = text(client.get(reverse("subsidies:programme", args=[meeting_hall.pk])))
    assert page.count("要綱で要確認") >= 4  # 新築, 購入, 修繕, 借上げ
    rule = ProgrammeRule.objects.get(programme=meeting_hall, category="repair")
    assert f'action="{reverse("subsidies:rule_confirm", args=[meeting_hall.pk, rule.pk])}"' in page
    response = client.post(
        reverse("subsidies:rule_confirm", args=[meeting_hall.pk, rule.pk]),
        {f"rule{rule.pk}-comment": "要綱第5条"},
    )
    assert response["Location"] == reverse("subsidies:programme", args=[meeting_hall.pk])
    rule.refresh_from_db()
    assert not rule.needs_confirmation and rule.confirmed_by == city_admin
    assert "「修繕」の算定基準を確認済みにしました。" in text(client.get(response["Location"]))


def test_ward_staff_see_rules_without_the_confirm_button_and_a_post_is_refused(
    as_user, ward_staff_chuo, meeting_hall
):
    client = as_user(ward_staff_chuo)
    rule = ProgrammeRule.objects.get(programme=meeting_hall, category="repair")
    page = text(client.get(reverse("subsidies:programme", args=[meeting_hall.pk])))
    assert "要綱で要確認" in page and "確認済みにする" not in page
    response = client.post(reverse("subsidies:rule_confirm", args=[meeting_hall.pk, rule.pk]))
    assert response.status_code == 403
    assert "補助制度と算定基準を変更できるのは市の管理者です。" in text(response)
    rule.refresh_from_db()
    assert rule.needs_confirmation


def test_approval_under_an_unconfirmed_rule_explains_what_to_do(
    as_user, city_admin, association_a, make_app, meeting_hall
):
    from chonaikai.subsidies.models import Hall, Programme

    Programme.objects.filter(pk=meeting_hall.pk).update(budget=50_000_000)
    hall = Hall.objects.create(association=association_a, name="A会館", floor_area_m2=120)
    app = make_app(
        association_a,
        programme=meeting_hall,
        category="repair",
        hall=hall,
        status=Status.FORWARDED,
        lines=(("works", "屋根", 3_000_000),),
    )
    response = as_user(city_admin).post(
        reverse("subsidies:action", args=[app.pk, "approve"]), {"approve-amount": "1000000"}
    )
    assert response.status_code == 400
    assert "「要綱で要確認」のままです" in text(response)


@pytest.fixture
def survey():
    survey_round = SurveyRound.objects.create(survey_date=dt.date(2026, 1, 1), deadline=dt.date(2026, 2, 28))
    WardProgress.objects.create(survey_round=survey_round, ward=ward("01101"), status="approved")
    WardProgress.objects.create(survey_round=survey_round, ward=ward("01102"), status="submitted")
    chuo = AssociationFactory(ward=ward("01101"), name="中央算定町内会")
    HouseholdCount.objects.create(
        association=chuo, survey_date=dt.date(2026, 1, 1), households=200, member_households=100
    )
    return chuo


def test_the_city_computes_the_resident_grant_and_sees_the_differences(
    as_user, city_admin, survey, resident_grant
):
    client = as_user(city_admin)
    page = text(client.get(reverse("subsidies:programme", args=[resident_grant.pk])))
    assert "算定する" in page and "まだ算定していません。" in page
    response = client.post(reverse("subsidies:grant_compute", args=[resident_grant.pk]), {"survey_date": ""})
    assert response["Location"] == reverse("subsidies:programme", args=[resident_grant.pk])
    page = text(client.get(response["Location"]))
    assert "令和8年1月1日調査の加入世帯数で算定しました: 新規 1件" in page
    assert "世帯数が未承認の区（1区）" in page
    assert "中央算定町内会" in page and "26,000円" in page and "初回" in page

    HouseholdCount.objects.filter(association=survey).update(member_households=110)
    client.post(reverse("subsidies:grant_compute", args=[resident_grant.pk]), {"survey_date": "2026-01-01"})
    page = text(client.get(reverse("subsidies:programme", args=[resident_grant.pk])))
    assert "28,600円" in page and "+2,600円" in page
    assert GrantComputation.objects.filter(association=survey).count() == 2


def test_a_computation_without_a_survey_round_shows_the_reason(as_user, city_admin, resident_grant):
    response = as_user(city_admin).post(reverse("subsidies:grant_compute", args=[resident_grant.pk]), {})
    assert response.status_code == 400
    assert "調査がありません" in text(response)


def test_leaders_see_only_their_own_grant_row(as_user, city_admin, leader_a, survey, resident_grant):
    from chonaikai.subsidies import services

    services.resident_grant_compute(actor=city_admin, programme_id=resident_grant.pk)
    page = text(as_user(leader_a).get(reverse("subsidies:programme", args=[resident_grant.pk])))
    assert "中央算定町内会" not in page and "算定する" not in page


def test_the_accounting_workbook_downloads_as_xlsx(as_user, city_admin, granted):
    response = as_user(city_admin).get(reverse("subsidies:accounting"), {"fiscal_year": "2026"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="subsidies_accounting_2026.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["制度別集計", "申請別"]


def test_the_payment_list_downloads_per_programme(as_user, city_admin, granted, digital):
    response = as_user(city_admin).get(reverse("subsidies:payment_list", args=[digital.pk]))
    assert response["Content-Type"] == XLSX
    rows = list(load_workbook(io.BytesIO(response.content))["支払一覧"].iter_rows(values_only=True))
    assert any(granted["paid"].number in row for row in rows)


def test_an_empty_payment_list_says_so_instead_of_downloading(as_user, city_admin, meeting_hall):
    client = as_user(city_admin)
    response = client.get(reverse("subsidies:payment_list", args=[meeting_hall.pk]))
    assert response["Location"] == reverse("subsidies:programme", args=[meeting_hall.pk])
    assert "支払の対象がありません" in text(client.get(response["Location"]))
