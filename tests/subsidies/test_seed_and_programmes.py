"""The FY2026 programmes seeded by migration, and the programme services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from chonaikai.audit.models import AuditEvent
from chonaikai.subsidies import rules, selectors, services, wording
from chonaikai.subsidies.errors import SubsidyError
from chonaikai.subsidies.models import Programme, ProgrammeRule
from chonaikai.subsidies.rules import Line

pytestmark = pytest.mark.django_db


def test_three_programmes_are_seeded_for_fy2026():
    seeded = {p.code: p for p in Programme.objects.filter(fiscal_year=2026)}
    assert set(seeded) == {"digital", "meeting_hall", "resident_org_grant"}
    assert seeded["digital"].name == "町内会デジタル活用促進補助金"
    assert (seeded["digital"].budget, seeded["digital"].one_application_per_year) == (13_000_000, True)
    assert seeded["meeting_hall"].name == "市民集会施設建築費補助金"
    assert seeded["meeting_hall"].budget is None
    assert seeded["resident_org_grant"].kind == Programme.Kind.COMPUTED
    assert all(p.source for p in seeded.values())


def test_the_seeded_digital_rule_gives_the_programmes_amounts(digital):
    rule = selectors.rule_for(digital)
    breakdown = rules.compute_amount(rule, lines=[Line("service", 30_000), Line("goods", 100_001)])
    assert breakdown.amount == 96_667
    assert wording.breakdown_lines(breakdown)[0] == "報償費・役務費・委託費 30,000円 × 10/10 = 30,000円"
    assert rules.compute_amount(rule, lines=[Line("service", 100_001)]).amount == 100_000


def test_meeting_hall_categories_and_which_need_confirmation(meeting_hall):
    flags = dict(meeting_hall.rules.values_list("category", "needs_confirmation"))
    assert flags == {
        "new_build": True,
        "purchase": True,
        "extension_rebuild": False,
        "repair": True,
        "lease": True,
        "demolition": False,
    }
    rebuild = selectors.rule_for(meeting_hall, "extension_rebuild")
    assert rules.compute_amount(rebuild, lines=[Line("works", 36_000_003)]).amount == 12_000_000
    demolition = selectors.rule_for(meeting_hall, "demolition")
    breakdown = rules.compute_amount(
        demolition, lines=[Line("special_works", 123_456)], floor_area_m2=Decimal("52.50")
    )
    assert breakdown.amount == 704_000
    assert all(
        r.requires_hall and r.repeat_grant_interval_years == 10
        for r in selectors.programme_rules(meeting_hall)
    )
    assert [r.category for r in selectors.programme_categories(meeting_hall)] == [
        "new_build",
        "purchase",
        "extension_rebuild",
        "repair",
        "lease",
        "demolition",
    ]


def test_resident_grant_unit_amounts_are_data(resident_grant):
    amounts = dict(resident_grant.rules.values_list("category", "per_household_amount"))
    assert amounts == {"unit": 260, "federation": 120}


def test_copying_a_programme_to_the_next_year_copies_rules_and_marks_them_to_confirm(city_admin, digital):
    Programme.objects.filter(pk=digital.pk).update(
        opens_on=dt.date(2026, 5, 1), closes_on=dt.date(2027, 1, 31)
    )
    copy = services.programme_copy_to_fiscal_year(
        actor=city_admin, programme_id=digital.pk, fiscal_year=2027, budget=12_000_000
    )
    assert (copy.code, copy.fiscal_year, copy.budget) == ("digital", 2027, 12_000_000)
    assert (copy.opens_on, copy.closes_on) == (dt.date(2027, 5, 1), dt.date(2028, 1, 31))
    rule = selectors.rule_for(copy)
    assert rule.needs_confirmation and rule.cap == 100_000
    assert [(k.code, k.rate_numerator, k.rate_denominator) for k in rule.kinds] == [
        ("service", 10, 10),
        ("goods", 2, 3),
    ]
    assert AuditEvent.objects.filter(action="programme.copied").exists()
    with pytest.raises(SubsidyError, match="既に登録"):
        services.programme_copy_to_fiscal_year(actor=city_admin, programme_id=digital.pk, fiscal_year=2027)


def test_ward_staff_cannot_copy_programmes(ward_staff_chuo, digital):
    with pytest.raises(PermissionDenied):
        services.programme_copy_to_fiscal_year(
            actor=ward_staff_chuo, programme_id=digital.pk, fiscal_year=2027
        )


def test_confirming_a_rule_twice_is_refused(city_admin, meeting_hall):
    rule = ProgrammeRule.objects.get(programme=meeting_hall, category="purchase")
    services.rule_confirm(actor=city_admin, rule_id=rule.pk)
    with pytest.raises(SubsidyError, match="既に確認済み"):
        services.rule_confirm(actor=city_admin, rule_id=rule.pk)


def test_programme_summary_of_an_untouched_programme(digital, django_assert_num_queries):
    with django_assert_num_queries(2):
        summary = selectors.programme_summary(digital)
    assert (summary.budget, summary.approved, summary.paid, summary.remaining) == (
        13_000_000,
        0,
        0,
        13_000_000,
    )


def test_open_programmes_follow_the_window(digital, meeting_hall):
    assert {p.code for p in selectors.open_programmes(day=dt.date(2026, 11, 29))} >= {
        "digital",
        "meeting_hall",
    }
    assert selectors.open_programmes(day=dt.date(2026, 3, 31)) == []  # FY2025: nothing seeded
