"""Two real transactions saving the same count at once (PostgreSQL row locks): one wins, one is refused."""

import threading

import pytest
from django.db import connection

from chonaikai.associations import services
from chonaikai.associations.models import HouseholdCount

from .helpers import DEADLINE, PREVIOUS, SURVEY, change, save

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_concurrent_saves_on_the_same_version_one_is_refused(city_admin, ward_staff_chuo, association_a):
    from tests.factories import HouseholdCountFactory

    HouseholdCountFactory(
        association=association_a, survey_date=PREVIOUS, households=100, member_households=70
    )
    services.round_open(actor=None, survey_date=SURVEY, deadline=DEADLINE)
    save(None, "01101", change(association_a, 100, 70))  # version 1
    barrier = threading.Barrier(2)
    outcomes = {}

    def worker(actor, households):
        try:
            barrier.wait()
            save(actor, "01101", change(association_a, households, 70, version=1))
            outcomes[actor.username] = "saved"
        except services.CountsEntryRejected as e:
            outcomes[actor.username] = e.issues[0].code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(city_admin, 110)),
        threading.Thread(target=worker, args=(ward_staff_chuo, 105)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["saved", "stale"]
    count = HouseholdCount.objects.get(association=association_a, survey_date=SURVEY)
    assert count.version == 2
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    assert count.households == (110 if winner == "city_admin" else 105)
    assert count.history.count() == 2  # the first entry and the winner's: nothing lost silently
