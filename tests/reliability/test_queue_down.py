"""Redis down: pages and the API still answer; actions that need the queue say so (503), never a 500.

The broker is a local port where nothing listens (fixture `broker_down`), so these run everywhere,
with or without Redis.
"""

import datetime as dt
import time

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from chonaikai.accounts.services import account_invite
from chonaikai.accounts.tasks import send_password_setup_email_task
from chonaikai.associations import services
from chonaikai.associations.models import CountsUpload, HouseholdCount
from chonaikai.queue import QueueUnavailable, enqueue
from tests.factories import AssociationFactory, UserFactory, ward

SURVEY = dt.date(2025, 1, 1)
QUEUE_MESSAGE = "バックグラウンド処理の受付（待ち行列）に接続できない"


def csv_for(associations) -> bytes:
    lines = ["町内会コード,町内会名,区域内世帯数,加入世帯数"]
    lines += [f"{a.code},{a.name},100,60" for a in associations]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def boundaries(db):
    from tests.maps.boundary_files import import_synthetic_boundaries

    cache.clear()
    import_synthetic_boundaries()
    yield
    cache.clear()


def test_enqueue_says_in_japanese_that_the_queue_is_down_within_seconds(broker_down):
    start = time.monotonic()

    with pytest.raises(QueueUnavailable) as raised:
        enqueue(send_password_setup_email_task, 1, "https://example.jp")

    assert time.monotonic() - start < 5
    assert QUEUE_MESSAGE in raised.value.message
    assert raised.value.status_code == 503


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/associations/", "/wards/", "/accounts/login/"])
def test_pages_that_need_no_queue_still_answer(broker_down, client, path):
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_the_map_page_shows_the_table_and_says_why_there_is_no_map(broker_down, boundaries, client):
    first = client.get("/maps/")
    html = first.content.decode()

    assert first.status_code == 200
    assert QUEUE_MESSAGE in html
    assert 'data-ward="01101"' in html  # the figures are still there
    assert 'http-equiv="refresh"' not in html  # no endless "being drawn" reloads
    assert client.get("/maps/").status_code == 200  # and the next request tries again


@pytest.mark.django_db
def test_a_map_export_answers_503_with_the_reason(broker_down, boundaries, client):
    response = client.get("/maps/export.png")

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert QUEUE_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_a_large_import_is_refused_and_its_stored_upload_removed(
    broker_down, city_admin, settings, django_capture_on_commit_callbacks
):
    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    data = csv_for([AssociationFactory(ward=ward("01101")) for _ in range(3)])

    with pytest.raises(QueueUnavailable), django_capture_on_commit_callbacks(execute=True):
        services.counts_import_submit(actor=city_admin, data=data, filename="counts.csv", survey_date=SURVEY)

    upload = CountsUpload.objects.get()  # the record stays (purged later), its file is gone
    assert upload.status == CountsUpload.Status.DISCARDED and not upload.file
    assert stored_files(f"imports/uploads/{upload.pk}") == []
    assert not HouseholdCount.objects.exists()


def stored_files(folder: str) -> list[str]:
    try:
        dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    return [f"{folder}/{f}" for f in files] + [n for d in dirs for n in stored_files(f"{folder}/{d}")]


@pytest.fixture
def autocommit_callbacks(monkeypatch):
    """Run on-commit callbacks at once, as they run in production requests (autocommit).

    The test's own transaction would otherwise hold them back until a commit that never comes.
    """
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


@pytest.mark.django_db
def test_the_api_answers_503_in_its_error_shape_for_an_import_that_needs_the_queue(
    broker_down, city_admin, settings, autocommit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.COUNTS_IMPORT_ASYNC_THRESHOLD = 1
    data = csv_for([AssociationFactory(ward=ward("01101")) for _ in range(3)])
    api = APIClient()
    api.force_authenticate(city_admin)

    response = api.post(
        "/api/v1/counts/import/",
        {"file": SimpleUploadedFile("counts.csv", data), "survey_date": SURVEY.isoformat()},
        format="multipart",
    )

    assert response.status_code == 503, response.content
    assert QUEUE_MESSAGE in response.json()["message"]
    assert not HouseholdCount.objects.exists()
    assert api.get("/api/v1/wards/").status_code == 200  # reads still answer


@pytest.mark.django_db
def test_an_invitation_that_cannot_be_queued_is_reported_and_the_account_is_kept(
    broker_down, autocommit_callbacks
):
    user = UserFactory(username="new_leader", email="new.leader@example.jp")

    with pytest.raises(QueueUnavailable):
        account_invite(actor=None, user=user, site_url="https://chonaikai.example.jp")

    assert type(user).objects.filter(username="new_leader").exists()


def test_a_view_that_lets_the_error_through_answers_a_503_page_not_a_500(rf):
    """The middleware is the net under views that do not catch QueueUnavailable themselves."""
    from django.contrib.auth.models import AnonymousUser

    from chonaikai.operations.middleware import QueueUnavailableMiddleware

    request = rf.post("/import/token/")
    request.user = AnonymousUser()
    middleware = QueueUnavailableMiddleware(lambda r: None)

    response = middleware.process_exception(request, QueueUnavailable())

    assert response.status_code == 503
    assert QUEUE_MESSAGE in response.content.decode()
    assert middleware.process_exception(request, ValueError("other")) is None
