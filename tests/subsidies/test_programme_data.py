"""Programmes behave by their rows, not by their codes: a city whose programmes are named and priced
differently from the test city's runs the same code."""

import datetime as dt

import pytest
from django.core.management import call_command

from chonaikai.associations.models import HouseholdCount, SurveyRound, WardProgress
from chonaikai.subsidies import services
from chonaikai.subsidies.errors import InvalidApplication
from chonaikai.subsidies.models import GrantComputation, Programme, ProgrammeRule
from chonaikai.subsidies.rules import Method
from tests.factories import AssociationFactory, FederationFactory, ward

pytestmark = pytest.mark.django_db

SURVEY = dt.date(2026, 1, 1)


@pytest.fixture
def counts():
    survey_round = SurveyRound.objects.create(survey_date=SURVEY, deadline=dt.date(2026, 2, 28))
    WardProgress.objects.create(survey_round=survey_round, ward=ward("01101"), status="approved")
    federation = FederationFactory(ward=ward("01101"))
    member = AssociationFactory(ward=ward("01101"), federation=federation)
    for association, members in ((member, 400),):
        HouseholdCount.objects.create(
            association=association, survey_date=SURVEY, households=members * 2, member_households=members
        )
    return {"federation": federation, "member": member}


def computed_programme(code: str, rules: list[tuple[str, int]]) -> Programme:
    programme = Programme.objects.create(
        code=code, fiscal_year=2027, name="世帯割の活動費", kind=Programme.Kind.COMPUTED
    )
    for category, per_household in rules:
        ProgrammeRule.objects.create(
            programme=programme,
            category=category,
            name=category or "全町内会",
            method=Method.PER_HOUSEHOLD,
            per_household_amount=per_household,
        )
    return programme


def amounts(programme):
    rows = GrantComputation.objects.current().filter(programme=programme)
    return {(row.association or row.federation).code: row.amount for row in rows}


def test_a_computed_programme_with_another_code_and_one_rule_pays_associations_only(city_admin, counts):
    programme = computed_programme("household_grant", [("", 300)])
    services.resident_grant_compute(actor=city_admin, programme_id=programme.pk)
    assert amounts(programme) == {counts["member"].code: 400 * 300}


def test_a_computed_programme_with_unit_and_federation_rules_uses_their_own_amounts(city_admin, counts):
    programme = computed_programme("katsudo_hi", [("unit", 310), ("federation", 50)])
    services.resident_grant_compute(actor=city_admin, programme_id=programme.pk)
    assert amounts(programme) == {counts["member"].code: 400 * 310, counts["federation"].code: 400 * 50}


def test_a_computed_programme_whose_rules_are_not_per_household_is_refused(city_admin, counts):
    programme = computed_programme("household_grant", [("unit", 300)])
    ProgrammeRule.objects.filter(programme=programme).update(method=Method.RATE)
    with pytest.raises(InvalidApplication, match="加入世帯数 × 単価"):
        services.resident_grant_compute(actor=city_admin, programme_id=programme.pk)


def test_the_command_computes_every_computed_programme_of_the_year_whatever_its_code(counts, capsys):
    programme = computed_programme("household_grant", [("", 300)])
    call_command("compute_resident_grants", "--fiscal-year", "2027")
    assert "世帯割の活動費" in capsys.readouterr().out
    assert amounts(programme) == {counts["member"].code: 120_000}
