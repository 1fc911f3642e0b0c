"""Two transactions writing counts of the same ward and date at once: neither loses the other's sums."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from chonaikai.associations.models import HouseholdCount, WardSummary
from chonaikai.associations.stats.services import summaries_mismatches, summaries_refresh
from tests.factories import AssociationFactory, ward

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SURVEY = dt.date(2025, 1, 1)


def test_concurrent_refreshes_of_one_pair_both_count():
    chuo = ward("01101")
    first, second = AssociationFactory(ward=chuo), AssociationFactory(ward=chuo)
    barrier = threading.Barrier(2)
    errors = []

    def worker(association, households):
        try:
            with transaction.atomic():
                HouseholdCount.objects.create(
                    association=association, survey_date=SURVEY, households=households, member_households=1
                )
                barrier.wait()  # both counts written, neither committed
                summaries_refresh([(chuo.pk, SURVEY)])
                time.sleep(0.3)  # hold the lock: the other refresh must wait, then see this count
        except Exception as e:
            errors.append(e)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(first, 100)),
        threading.Thread(target=worker, args=(second, 200)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    summary = WardSummary.objects.get(ward=chuo, survey_date=SURVEY)
    assert (summary.households, summary.associations) == (300, 2)
    assert summaries_mismatches() == []
