"""cities/sapporo: the profile gives what the data migrations used to (the suite runs on it)."""

from decimal import Decimal

import pytest

from chonaikai.associations.models import Target
from chonaikai.cities.current import city, labels, survey_date
from chonaikai.plan.models import Indicator
from chonaikai.subsidies.models import ExpenseKindRule, Programme, ProgrammeRule
from wards.models import Ward, WardTotal

pytestmark = pytest.mark.django_db


def test_ten_wards_with_their_2021_registry_totals_and_offices():
    assert Ward.objects.count() == 10
    assert list(Ward.objects.values_list("code", flat=True)) == [f"011{n:02d}" for n in range(1, 11)]
    totals = WardTotal.objects.filter(survey_date="2021-01-01")
    assert sum(totals.values_list("registry_households", flat=True)) == 1_078_932
    assert Ward.objects.get(code="01102").office_phone == "011-757-2400"
    assert Ward.objects.exclude(office_address="").count() == 10
    assert Ward.objects.get(code="01109").established_on is None  # not found in the sources: left empty


def test_the_plan_figures_and_indicators():
    assert Target.objects.get(kind="baseline").value == Decimal("685497")
    assert Target.objects.get(kind="target", fiscal_year=2028).value == Decimal("723778")
    assert Indicator.objects.count() == 9
    assert Indicator.objects.get(code="member_households").linked_target_metric == "member_households"


def test_the_fy2026_programmes_and_their_rules():
    assert set(Programme.objects.filter(fiscal_year=2026).values_list("code", "short_name")) == {
        ("digital", "デジタル"),
        ("meeting_hall", "集会施設"),
        ("resident_org_grant", "住民組織"),
    }
    digital = Programme.objects.get(code="digital")
    assert digital.budget == 13_000_000
    assert digital.document_requirements.count() == 2
    assert ProgrammeRule.objects.filter(programme__code="meeting_hall").count() == 6
    assert ProgrammeRule.objects.filter(needs_confirmation=True).count() == 4
    assert ExpenseKindRule.objects.get(code="goods").rate_denominator == 3
    assert ProgrammeRule.objects.get(category="unit").per_household_amount == 260


def test_the_city_words_and_survey_date():
    assert (city().code, city().name) == ("01100", "札幌市")
    assert (labels().area, labels().area_office, labels().district) == ("区", "区役所", "まちづくりセンター")
    assert survey_date(2023).isoformat() == "2023-01-01"


def test_english_words_come_from_the_profile_or_the_catalogue():
    from django.utils import translation

    from chonaikai.cities import current
    from chonaikai.cities.models import City

    with translation.override("en"):
        assert (labels().area, labels().district) == ("ward", "community centre")
        City.objects.update(labels_en={})
        current.forget()
        assert labels().area.lower() == "ward"  # the catalogue's English for 区
        assert labels().district == "まちづくりセンター"  # a city's own word, as written
    current.forget()


def test_the_plan_page_names_the_citys_plan_and_its_years(client):
    page = client.get("/plan/").content.decode()

    assert "第4期札幌市市民まちづくり活動促進基本計画（令和6年度〜令和10年度）の成果指標" in page
