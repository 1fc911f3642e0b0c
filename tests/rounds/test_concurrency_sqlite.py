"""SQLite under concurrent saves: 409 (or the grid's "someone else saved first"), never a 500."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse

from chonaikai.associations.models import HouseholdCount

from .helpers import SURVEY

REPO = Path(__file__).resolve().parents[2]


def test_eight_simultaneous_saves_of_one_count_on_a_file_database_answer_201_or_409_never_500(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'concurrent.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "chonaikai.settings",
        "DEBUG": "1",
    }
    run = subprocess.run(
        [sys.executable, "-m", "tests.rounds.sqlite_concurrent_saves", "8"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    statuses = json.loads(run.stdout.strip().splitlines()[-1])
    assert statuses["api"].count(201) == 1 and set(statuses["api"]) <= {201, 409}, statuses
    # The grid: one save redirects, the others are shown the newer value (stale save refused).
    assert statuses["grid"].count(302) == 1 and set(statuses["grid"]) <= {302, 400}, statuses
    assert "database is locked" not in run.stderr


@pytest.mark.django_db
def test_a_save_that_still_finds_the_database_locked_answers_409_and_asks_to_save_again(
    client, ward_staff_chuo, association_a, survey_round, monkeypatch
):
    from chonaikai.associations import services

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "counts_grid_save", locked)
    client.force_login(ward_staff_chuo)
    prefix = f"a{association_a.pk}"
    url = reverse(
        "associations:count_entry", kwargs={"ward_code": "01101", "survey_date": SURVEY.isoformat()}
    )
    response = client.post(
        url,
        {f"{prefix}-households": "10", f"{prefix}-member_households": "5", f"{prefix}-version": "0"},
    )
    assert response.status_code == 409
    assert "もう一度保存してください" in response.content.decode()
    assert response["Retry-After"] == "1"
    assert not HouseholdCount.objects.exists()


@pytest.mark.django_db
def test_the_api_answers_a_locked_database_with_409_in_its_error_shape(
    client, ward_staff_chuo, association_a, survey_round, monkeypatch
):
    from api.counts import entry

    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(entry, "count_enter", locked)
    client.force_login(ward_staff_chuo)
    response = client.post(
        "/api/v1/counts/",
        {
            "association": association_a.code,
            "survey_date": SURVEY.isoformat(),
            "households": 10,
            "member_households": 5,
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    assert set(response.json()) == {"message", "extra"}
