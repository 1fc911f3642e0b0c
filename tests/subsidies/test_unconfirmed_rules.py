"""A category whose rule still holds placeholders (「要綱で要確認」) is not open to applicants: it is
not offered, and creating, switching to or submitting it is refused in plain words. The staff's
programme page says why. Confirming the rule opens it."""

import datetime as dt

import pytest

from chonaikai.subsidies import selectors, services
from chonaikai.subsidies.errors import RuleNotConfirmed
from chonaikai.subsidies.models import Hall, ProgrammeRule
from chonaikai.subsidies.services import LineInput

from .helpers import pdf_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(association_a):
    return Hall.objects.create(association=association_a, name="A会館", floor_area_m2=100)


def create(actor, association, programme, hall, category):
    return services.application_create(
        actor=actor,
        association_id=association.pk,
        programme_id=programme.pk,
        purpose="会館の工事",
        category=category,
        hall_id=hall.pk,
        lines=[LineInput("works", "工事", 300_000)],
    )


def test_a_leader_cannot_apply_for_a_category_whose_rule_is_a_placeholder(
    leader_a, association_a, meeting_hall, hall
):
    with pytest.raises(RuleNotConfirmed) as refused:
        create(leader_a, association_a, meeting_hall, hall, "new_build")
    message = refused.value.message
    assert "新築" in message and "まだ申請を受け付けていません" in message
    assert "要綱" not in message and "new_build" not in message


def test_staff_entering_a_paper_form_are_refused_too(ward_staff_chuo, association_a, meeting_hall, hall):
    with pytest.raises(RuleNotConfirmed):
        services.application_enter_paper(
            actor=ward_staff_chuo,
            association_id=association_a.pk,
            programme_id=meeting_hall.pk,
            purpose="紙",
            scanned_form=pdf_file(),
            received_on=dt.date(2026, 11, 20),
            category="repair",
            hall_id=hall.pk,
        )


def test_switching_a_draft_to_such_a_category_is_refused(leader_a, association_a, meeting_hall, hall):
    app = create(leader_a, association_a, meeting_hall, hall, "extension_rebuild")
    with pytest.raises(RuleNotConfirmed):
        services.application_update(actor=leader_a, application_id=app.pk, category="purchase")
    app.refresh_from_db()
    assert app.category == "extension_rebuild"


def test_confirming_the_rule_opens_the_category(leader_a, city_admin, association_a, meeting_hall, hall):
    rule = ProgrammeRule.objects.get(programme=meeting_hall, category="new_build")
    services.rule_confirm(actor=city_admin, rule_id=rule.pk)
    app = create(leader_a, association_a, meeting_hall, hall, "new_build")
    assert app.category == "new_build" and not app.breakdown["needs_confirmation"]


def test_only_confirmed_categories_are_offered_and_a_programme_without_any_is_not_open(meeting_hall, digital):
    assert [r.category for r in selectors.open_categories(meeting_hall)] == [
        "extension_rebuild",
        "demolition",
    ]
    today = dt.date(2026, 11, 29)
    assert meeting_hall in selectors.open_programmes(day=today)
    meeting_hall.rules.update(needs_confirmation=True)
    assert meeting_hall not in selectors.open_programmes(day=today)
    assert digital in selectors.open_programmes(day=today)
