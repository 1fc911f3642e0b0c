"""The hall grant without a dead end: the first step checks what the chosen category needs; a leader
whose association has no registered hall registers it there (「区の確認待ち」) and goes on; the ward
checks the hall during review, and the application goes to the city only after that check."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from chonaikai.audit.models import AuditEvent
from chonaikai.subsidies import services
from chonaikai.subsidies.errors import InvalidApplication
from chonaikai.subsidies.models import Application, Hall
from chonaikai.subsidies.services import HallInput, LineInput
from chonaikai.subsidies.workflow import Status

pytestmark = pytest.mark.django_db

NEW_HALL = HallInput(
    name="中央テスト会館",
    address="札幌市中央区北1条西2丁目1-1",  # i18n: data
    floor_area_m2=Decimal("120.5"),
    tenure=Hall.Tenure.OWNED,
    year_built=1985,
)


def start(actor, association, programme, **kwargs):
    return services.application_start(
        actor=actor, association_id=association.pk, programme_id=programme.pk, **kwargs
    )


def test_a_category_that_needs_a_hall_is_refused_at_the_first_step_without_one(
    leader_a, association_a, meeting_hall
):
    with pytest.raises(InvalidApplication) as refused:
        start(leader_a, association_a, meeting_hall, category="extension_rebuild")
    assert "会館" in refused.value.message and "登録" in refused.value.message
    assert "hall_id" in refused.value.extra  # the page shows it on the hall field
    assert not Application.objects.exists()


def test_a_leader_registers_the_hall_on_the_first_step_and_it_awaits_the_wards_check(
    leader_a, association_a, meeting_hall
):
    app = start(leader_a, association_a, meeting_hall, category="extension_rebuild", new_hall=NEW_HALL)
    hall = app.hall
    assert hall.association == association_a and hall.name == "中央テスト会館"
    assert hall.address == NEW_HALL.address and hall.floor_area_m2 == Decimal("120.5")
    assert hall.tenure == Hall.Tenure.OWNED and hall.year_built == 1985
    assert hall.awaiting_check and app.status == Status.DRAFT
    assert AuditEvent.objects.filter(action="hall.created").count() == 1


def test_a_hall_registered_on_the_first_step_needs_its_address_and_floor_area(
    leader_a, association_a, meeting_hall
):
    incomplete = HallInput(name="会館", address="", floor_area_m2=None, tenure=Hall.Tenure.OWNED)
    with pytest.raises(InvalidApplication) as refused:
        start(leader_a, association_a, meeting_hall, category="demolition", new_hall=incomplete)
    assert "所在地" in refused.value.message and "延床面積" in refused.value.message
    assert not Hall.objects.exists() and not Application.objects.exists()


def test_the_digital_subsidy_takes_no_hall(leader_a, association_a, digital):
    with pytest.raises(InvalidApplication):
        start(leader_a, association_a, digital, new_hall=NEW_HALL)
    assert not Hall.objects.exists() and not Application.objects.exists()
    assert start(leader_a, association_a, digital).hall is None


def test_a_hall_staff_register_is_checked_and_a_leaders_change_needs_a_new_check(
    ward_staff_chuo, leader_a, association_a
):
    hall = services.hall_create(
        actor=ward_staff_chuo, association_id=association_a.pk, name="会館", floor_area_m2=Decimal(80)
    )
    assert not hall.awaiting_check and hall.checked_by == ward_staff_chuo
    hall = services.hall_update(actor=leader_a, hall_id=hall.pk, floor_area_m2=Decimal(200))
    assert hall.awaiting_check


def submitted_hall_application(leader, association, programme):
    app = start(leader, association, programme, category="extension_rebuild", new_hall=NEW_HALL)
    services.application_update(actor=leader, application_id=app.pk, purpose="屋根の改築")
    services.application_set_lines(
        actor=leader, application_id=app.pk, lines=[LineInput("works", "屋根", 3_000_000)]
    )
    return services.application_submit(actor=leader, application_id=app.pk)


def test_the_ward_checks_the_hall_before_forwarding_the_application(
    leader_a, ward_staff_chuo, association_a, meeting_hall
):
    app = submitted_hall_application(leader_a, association_a, meeting_hall)
    services.application_start_review(actor=ward_staff_chuo, application_id=app.pk)
    with pytest.raises(InvalidApplication) as refused:
        services.application_forward(actor=ward_staff_chuo, application_id=app.pk)
    assert "中央テスト会館" in refused.value.message and "確認" in refused.value.message

    hall = services.hall_confirm(actor=ward_staff_chuo, hall_id=app.hall_id)
    assert not hall.awaiting_check and hall.checked_by == ward_staff_chuo
    assert AuditEvent.objects.filter(action="hall.checked").count() == 1
    app = services.application_forward(actor=ward_staff_chuo, application_id=app.pk)
    assert app.status == Status.FORWARDED


def test_only_the_wards_staff_or_the_city_check_a_hall(
    leader_a, ward_staff_kita, association_a, meeting_hall
):
    app = start(leader_a, association_a, meeting_hall, category="extension_rebuild", new_hall=NEW_HALL)
    with pytest.raises(PermissionDenied):
        services.hall_confirm(actor=leader_a, hall_id=app.hall_id)
    with pytest.raises(Http404):
        services.hall_confirm(actor=ward_staff_kita, hall_id=app.hall_id)
    assert Hall.objects.get().awaiting_check
