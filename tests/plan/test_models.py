"""The plan's nine outcome indicators as the data migration loads them, and their constraints."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from chonaikai.associations.models import Target
from chonaikai.plan.models import Indicator, IndicatorValue

pytestmark = pytest.mark.django_db

PLAN = {  # plan_facts.md: FY2022 actual → FY2028 target
    "wish_to_stay": ("76.2", "80"),
    "took_part": ("86.3", "90"),
    "support_centre_groups": ("1143", "1400"),
    "fund_donations": ("1561", "2000"),
    "fund_total": ("1300000000", "1720000000"),
    "collaborating_groups": ("54.8", "70"),
    "agreement_companies": ("1268", "1400"),
    "smile_companies": ("63", "90"),
}


def test_the_migration_loads_the_nine_indicators_of_the_plan_with_their_fy2022_values_and_fy2028_targets():
    indicators = {i.code: i for i in Indicator.objects.all()}

    assert len(indicators) == 9
    for code, (baseline, target) in PLAN.items():
        indicator = indicators[code]
        assert (indicator.baseline_fiscal_year, indicator.target_fiscal_year) == (2022, 2028)
        assert indicator.baseline_value == Decimal(baseline)
        assert indicator.target_value == Decimal(target)
        assert "第4期札幌市市民まちづくり活動促進基本計画" in indicator.source


def test_member_households_link_to_the_existing_target_figures_instead_of_copying_them():
    indicator = Indicator.objects.get(code="member_households")

    assert indicator.linked_target_metric == Target.Metric.MEMBER_HOUSEHOLDS
    assert indicator.baseline_value is None and indicator.target_value is None
    assert Target.objects.get(metric="member_households", kind="baseline").value == 685497
    assert Target.objects.get(metric="member_households", kind="target").value == 723778


def test_an_indicator_has_either_its_own_figures_or_a_link_never_both(groups):
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(pk=groups.pk).update(linked_target_metric="member_households")
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(pk=groups.pk).update(target_fiscal_year=2020)  # before the baseline


def test_one_value_per_indicator_and_fiscal_year_and_never_negative(groups):
    IndicatorValue.objects.create(indicator=groups, fiscal_year=2023, value=1200)

    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(indicator=groups, fiscal_year=2023, value=1210)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(indicator=groups, fiscal_year=2024, value=-1)
