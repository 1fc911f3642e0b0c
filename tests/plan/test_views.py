"""/plan/: the public progress page, the city administrators' form and the yearly report (.xlsx)."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from chonaikai.plan.models import Indicator, IndicatorValue
from tests.factories import AssociationFactory, HouseholdCountFactory, ward

pytestmark = pytest.mark.django_db

PROGRESS, RECORD, EXPORT = "/plan/", "/plan/record/", "/plan/indicators.xlsx"


@pytest.fixture
def counts(db):
    """City member households: 685,497 on 2023-01-01 (FY2022) and 690,000 on 2025-01-01 (FY2024)."""
    import datetime as dt

    association = AssociationFactory(ward=ward("01101"))
    HouseholdCountFactory(
        association=association, survey_date=dt.date(2023, 1, 1), households=990000, member_households=685497
    )
    HouseholdCountFactory(
        association=association, survey_date=dt.date(2025, 1, 1), households=1000000, member_households=690000
    )


def test_the_progress_page_is_public_and_shows_every_indicator_with_its_fy2022_value_and_fy2028_target(
    client,
):
    response = client.get(PROGRESS)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<tr data-indicator="') == 9
    for text in (
        "76.2%",
        "80.0%",
        "1,143団体",
        "1,400団体",
        "1,300,000,000円",
        "63社",
        "90社",
        "令和4年度",
        "令和10年度",
    ):
        assert text in html
    assert "685,497世帯" in html and "723,778世帯" in html  # from associations.Target
    assert "第4期札幌市市民まちづくり活動促進基本計画" in html
    assert "実績値を記録する" not in html  # only for city administrators


def test_member_households_show_the_counts_of_each_survey_after_the_baseline(client, counts):
    html = client.get(PROGRESS).content.decode()

    row = html.split('data-indicator="member_households"')[1].split("</tr>")[0]
    assert "令和6年度 <strong>690,000世帯</strong>" in row
    assert "685,497世帯" in row  # the plan's baseline, not repeated as a recorded year
    assert "11.76%" in row  # (690,000 − 685,497) ÷ (723,778 − 685,497)


def test_a_recorded_value_appears_on_the_public_page_with_its_progress(client, groups, frozen_today):
    IndicatorValue.objects.create(indicator=groups, fiscal_year=2024, value=1272)

    row = (
        client.get(PROGRESS)
        .content.decode()
        .split('data-indicator="support_centre_groups"')[1]
        .split("</tr>")[0]
    )

    assert "令和6年度 <strong>1,272団体</strong>" in row
    assert "50.19%" in row  # (1,272 − 1,143) ÷ (1,400 − 1,143)


def test_anonymous_visitors_are_sent_to_the_login_page_from_the_form(client):
    response = client.get(RECORD)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/plan/record/")


@pytest.mark.parametrize("persona", ["ward_staff_chuo", "leader_a", "viewer"])
def test_signed_in_users_other_than_city_admins_are_refused_the_form(client, request, persona, groups):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(RECORD).status_code == 403
    assert (
        client.post(RECORD, {"indicator": groups.code, "fiscal_year": 2024, "value": "1"}).status_code == 403
    )
    assert not IndicatorValue.objects.exists()


def test_a_city_admin_records_a_value_through_the_form(client, city_admin, groups, frozen_today):
    client.force_login(city_admin)
    form = client.get(RECORD, {"indicator": groups.code})
    assert form.status_code == 200
    html = form.content.decode()
    assert "町内会加入世帯数" not in html.split("<form")[1].split("</form>")[0]  # linked: not recordable
    assert '<option value="2025">' in html and '<option value="2026">' not in html

    response = client.post(
        RECORD,
        {"indicator": groups.code, "fiscal_year": "2024", "value": "1272", "note": "年次報告"},
        follow=True,
    )

    assert response.redirect_chain == [("/plan/", 302)]
    assert IndicatorValue.objects.get().value == Decimal(1272)
    assert (
        "「市民活動サポートセンターの登録団体数」の令和6年度の値を記録しました" in response.content.decode()
    )


def test_the_form_shows_the_services_refusal_next_to_the_field(client, city_admin, groups, frozen_today):
    client.force_login(city_admin)

    response = client.post(RECORD, {"indicator": groups.code, "fiscal_year": "2024", "value": "1272.5"})

    assert response.status_code == 400
    assert "小数点以下0桁までで入力してください" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_the_yearly_report_lists_every_indicator_with_a_column_per_fiscal_year(
    client, counts, groups, frozen_today
):
    IndicatorValue.objects.create(indicator=groups, fiscal_year=2024, value=1272)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="plan-indicators-FY2025.xlsx"'
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = rows[3]
    assert header[:3] == ["基本目標", "指標", "単位"]
    assert header[3:10] == [
        "令和4年度",
        "令和5年度",
        "令和6年度",
        "令和7年度",
        "令和8年度",
        "令和9年度",
        "令和10年度",
    ]
    by_name = {r[1]: r for r in rows[4:]}
    assert len(by_name) == 9
    groups_row = by_name["市民活動サポートセンターの登録団体数"]
    assert groups_row[3] == 1143 and groups_row[5] == 1272 and groups_row[10] == 1400
    assert groups_row[-2] == pytest.approx(50.19)
    households = by_name["町内会加入世帯数"]
    assert households[3] == 685497 and households[5] == 690000 and households[10] == 723778


def test_the_report_escapes_text_that_would_start_a_formula(client, groups):
    Indicator.objects.filter(pk=groups.pk).update(
        name='=HYPERLINK("http://example.invalid","x")', source="+1+1"
    )

    ws = load_workbook(io.BytesIO(client.get(EXPORT).content)).active
    values = [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]

    assert '\'=HYPERLINK("http://example.invalid","x")' in values
    assert "'+1+1" in values
    assert not any(v.startswith(("=", "+")) for v in values)


def test_the_progress_page_costs_a_constant_number_of_queries(
    client, counts, groups, frozen_today, django_assert_max_num_queries
):
    IndicatorValue.objects.create(indicator=groups, fiscal_year=2023, value=1200)
    IndicatorValue.objects.create(indicator=groups, fiscal_year=2024, value=1272)

    with django_assert_max_num_queries(8):
        assert client.get(PROGRESS).status_code == 200
