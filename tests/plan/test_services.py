"""Recording an indicator's yearly value: city administrators only, checked, audited."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chonaikai.audit.models import AuditEvent
from chonaikai.plan.models import Indicator, IndicatorValue
from chonaikai.plan.services import indicator_value_record

pytestmark = pytest.mark.django_db


def test_a_city_admin_records_a_value_with_an_audit_event(city_admin, wish_to_stay, frozen_today):
    value = indicator_value_record(
        indicator_id=wish_to_stay.pk,
        fiscal_year=2024,
        value=Decimal("77.1"),
        note="市民意識調査",
        actor=city_admin,
    )

    assert (value.fiscal_year, value.value, value.note, value.recorded_by) == (
        2024,
        Decimal("77.1"),
        "市民意識調査",
        city_admin,
    )
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.actor_name) == (
        "plan.value_recorded",
        city_admin,
        "市民自治推進室",
    )
    assert event.before is None
    assert Decimal(event.after["value"]) == Decimal("77.1") and event.after["fiscal_year"] == 2024


def test_recording_the_same_year_again_replaces_the_value_and_keeps_the_old_one_in_the_audit_event(
    city_admin, wish_to_stay, frozen_today
):
    indicator_value_record(
        indicator_id=wish_to_stay.pk, fiscal_year=2024, value=Decimal("77.1"), actor=city_admin
    )
    indicator_value_record(
        indicator_id=wish_to_stay.pk, fiscal_year=2024, value=Decimal("77.4"), actor=city_admin
    )

    assert IndicatorValue.objects.get().value == Decimal("77.4")
    latest = AuditEvent.objects.order_by("-id").first()
    assert Decimal(latest.before["value"]) == Decimal("77.1")
    assert Decimal(latest.after["value"]) == Decimal("77.4")


@pytest.mark.parametrize("persona", ["ward_staff_chuo", "leader_a", "viewer", "anonymous"])
def test_nobody_but_a_city_admin_may_record(persona, request, wish_to_stay, frozen_today):
    user = request.getfixturevalue(persona)

    with pytest.raises(PermissionDenied):
        indicator_value_record(
            indicator_id=wish_to_stay.pk, fiscal_year=2024, value=Decimal("77"), actor=user
        )
    assert not IndicatorValue.objects.exists()
    assert not AuditEvent.objects.exists()


def test_member_households_are_not_recorded_here_they_come_from_the_counts(city_admin, frozen_today):
    linked = Indicator.objects.get(code="member_households")

    with pytest.raises(ValidationError) as error:
        indicator_value_record(
            indicator_id=linked.pk, fiscal_year=2024, value=Decimal(690000), actor=city_admin
        )
    assert error.value.code == "linked"


@pytest.mark.parametrize("year", [2022, 2026, 2029])
def test_only_years_after_the_baseline_up_to_the_current_fiscal_year_are_accepted(
    city_admin, groups, frozen_today, year
):
    with pytest.raises(ValidationError) as error:
        indicator_value_record(
            indicator_id=groups.pk, fiscal_year=year, value=Decimal(1200), actor=city_admin
        )
    assert error.value.code == "fiscal_year"


def test_a_value_with_more_decimals_than_the_indicator_has_is_refused(city_admin, groups, frozen_today):
    with pytest.raises(ValidationError) as error:
        indicator_value_record(
            indicator_id=groups.pk, fiscal_year=2024, value=Decimal("1200.5"), actor=city_admin
        )
    assert error.value.code == "decimals"
    assert not IndicatorValue.objects.exists()
