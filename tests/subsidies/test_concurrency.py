"""Two approvals racing for the last yen of a budget: exactly one succeeds (PostgreSQL).

Each approval runs in its own thread and database connection. check_budget is slowed down so that
both approvals have read the budget before either writes: without the lock on the programme row
both would succeed. With it the second waits for the first to commit, then sees what is left.
The same logic run one after the other is tested on SQLite in test_services.
"""

import threading
import time

import pytest
from django.db import connection

from chonaikai.subsidies import rules, services
from chonaikai.subsidies.errors import BudgetExceeded
from chonaikai.subsidies.models import Application, Programme
from chonaikai.subsidies.workflow import Status

from .helpers import make_application


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvals_racing_for_the_last_yen_cannot_both_succeed(
    city_admin, association_a, association_b, monkeypatch
):
    programme = Programme.objects.get(code="digital", fiscal_year=2026)
    Programme.objects.filter(pk=programme.pk).update(budget=100_000)
    apps = [
        make_application(association, programme=programme, status=Status.FORWARDED)  # 70,000 each
        for association in (association_a, association_b)
    ]
    check_budget = rules.check_budget

    def slow_check_budget(**kwargs):
        time.sleep(0.3)  # both threads have read "committed" by now, unless one is waiting on the lock
        return check_budget(**kwargs)

    monkeypatch.setattr(rules, "check_budget", slow_check_budget)
    start = threading.Barrier(2)
    outcomes = {}

    def approve(app):
        try:
            start.wait()
            services.application_approve(actor=city_admin, application_id=app.pk)
            outcomes[app.pk] = "approved"
        except BudgetExceeded:
            outcomes[app.pk] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["approved", "refused"]
    assert Application.objects.filter(status=Status.APPROVED).count() == 1
    assert (
        sum(Application.objects.values_list("approved_amount", flat=True).exclude(approved_amount=None))
        == 70_000
    )
