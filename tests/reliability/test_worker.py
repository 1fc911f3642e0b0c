"""A real Celery worker (Redis broker, PostgreSQL) runs the tasks: imports, maps, emails, and survives a crash.

Run by `.ci/worker_tests.sh` (`pytest -m redis`); skipped elsewhere. The worker is started by the
`live_worker` fixture on this session's test database (see conftest.py), so the tests commit their
rows (transaction=True) and the wards loaded by migrations are restored after each one.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from simple_history.utils import bulk_create_with_history

from chonaikai.accounts.services import account_invite
from chonaikai.associations import services, tasks
from chonaikai.associations.imports.importer import Col
from chonaikai.associations.models import Association, HouseholdCount
from chonaikai.audit.models import AuditEvent
from tests.factories import AssociationFactory, UserFactory, ward
from tests.reliability.conftest import wait_for
from wards.models import Ward

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SURVEY = dt.date(2025, 1, 1)
HEADER = [Col.CODE, Col.NAME, Col.HOUSEHOLDS, Col.MEMBERS, Col.NOTE]


def csv_file(associations) -> bytes:
    lines = [",".join(HEADER)]
    lines += [f"{a.code},{a.name},{100 + a.pk % 50},{60 + a.pk % 30}," for a in associations]
    return ("\r\n".join(lines) + "\r\n").encode()


def many_associations(n: int) -> list[Association]:
    """n associations spread over the ten wards, inserted in bulk (with their history rows)."""
    wards = list(Ward.objects.order_by("code"))
    rows = []
    for i in range(n):
        w = wards[i % len(wards)]
        number = i // len(wards) + 1
        code = f"{w.code}-{number:04d}"
        name = f"負荷試験{w.name}{number}町内会"
        rows.append(
            Association(code=code, name=name, ward=w, search_text=Association.build_search_text(name, ""))
        )
    bulk_create_with_history(rows, Association, batch_size=2000)
    return list(Association.objects.order_by("code"))


def progress_of(task_id: str, stages=("done", "failed")):
    progress = tasks.import_progress(task_id)
    return progress if progress and progress["stage"] in stages else None


# (a) ---------------------------------------------------------------------------------------------


def test_a_large_counts_import_is_done_by_the_worker_with_history_and_audit(worker, city_admin, settings):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 10
    associations = [AssociationFactory(ward=ward("01101" if n % 2 else "01102")) for n in range(30)]

    submission = services.counts_import_submit(
        actor=city_admin, data=csv_file(associations), filename="counts.csv", survey_date=SURVEY
    )

    assert submission.deferred
    progress = wait_for(lambda: progress_of(submission.task_id), timeout=60, what="the import's outcome")
    assert progress["result"]["ok"] is True, progress
    assert progress["result"]["created"] == 30
    counts = HouseholdCount.objects.filter(survey_date=SURVEY)
    assert counts.count() == 30
    assert set(counts.values_list("entered_by__username", flat=True)) == {"city_admin"}
    assert HouseholdCount.history.filter(survey_date=SURVEY, history_type="+").count() == 30
    assert AuditEvent.objects.filter(action="counts.imported").count() == 2  # one per ward
    assert not default_storage.exists(f"imports/uploads/{submission.task_id}/upload")


# (b) ---------------------------------------------------------------------------------------------


def test_the_map_is_rendered_by_the_worker_and_then_served_from_the_shared_cache(worker, client):
    from tests.maps.boundary_files import import_synthetic_boundaries

    import_synthetic_boundaries()
    cache.clear()

    first = client.get("/maps/")
    assert first.status_code == 200
    assert "地図を作成しています" in first.content.decode()  # the worker has it; the table is shown

    def rendered():
        html = client.get("/maps/").content.decode()
        return html if "L.map(" in html else None

    html = wait_for(rendered, timeout=90, interval=1, what="the worker's map render")
    assert 'data-ward="01101"' in html
    assert "maps.render_ward_map" in worker.log_text()


# (c) ---------------------------------------------------------------------------------------------


def test_the_password_setup_email_is_sent_by_the_worker(worker):
    user = UserFactory(username="new_leader", email="new.leader@example.jp")

    assert account_invite(actor=None, user=user, site_url="https://chonaikai.example.jp") is True

    log = wait_for(
        lambda: (text := worker.log_text()) and "To: new.leader@example.jp" in text and text,
        timeout=60,
        what="the email in the worker's console output",
    )
    assert re.search(r"https://chonaikai\.example\.jp/accounts/reset/\S+/\S+/", log)


# (d) ---------------------------------------------------------------------------------------------

ROWS = 20_000


def test_a_worker_killed_mid_import_leaves_all_or_nothing_and_the_redelivered_task_finishes_once(
    worker, city_admin, settings
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 100
    associations = many_associations(ROWS)
    submission = services.counts_import_submit(
        actor=city_admin, data=csv_file(associations), filename="counts.csv", survey_date=SURVEY
    )
    stored = f"imports/uploads/{submission.task_id}/upload"

    # Kill the worker (SIGKILL, every process) once it has checked the file and is writing.
    wait_for(
        lambda: progress_of(submission.task_id, stages=("writing",)),
        timeout=120,
        interval=0.05,
        what="the import to reach its writing stage",
    )
    worker.kill()

    written = HouseholdCount.objects.filter(survey_date=SURVEY).count()
    assert written in (0, ROWS)  # one transaction: all rows or none
    assert HouseholdCount.history.filter(survey_date=SURVEY).count() == written
    # Retryable: the outcome is still open, the upload is kept and the message is still owed.
    assert tasks.import_progress(submission.task_id)["stage"] not in ("done", "failed")
    assert default_storage.exists(stored)
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    assert broker.hlen("unacked") == 1

    worker.start()
    timeout = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 90
    progress = wait_for(
        lambda: progress_of(submission.task_id), timeout=timeout, interval=0.5, what="the redelivered import"
    )

    assert progress["result"]["ok"] is True, progress
    assert progress["result"]["created"] + progress["result"]["unchanged"] == ROWS
    assert HouseholdCount.objects.filter(survey_date=SURVEY).count() == ROWS
    assert HouseholdCount.history.filter(survey_date=SURVEY, history_type="+").count() == ROWS  # written once
    assert AuditEvent.objects.filter(action="counts.imported").count() == 10  # one per ward, once
    assert not default_storage.exists(stored)
    wait_for(lambda: broker.hlen("unacked") == 0, timeout=30, what="the message to be acknowledged")
