"""Run as a script: N simultaneous saves of one count against a file-based SQLite database.

    DATABASE_URL=sqlite:////tmp/x.db python -m tests.rounds.sqlite_concurrent_saves [N]

Migrates the (new, empty) database, makes ward staff of 中央区, one association and an open round,
then N threads each POST the same count at the same moment, through the API and through the entry
grid, with the version they all loaded. Prints one JSON line: the status codes of each route.

The test suite's SQLite database lives in memory with a shared cache, which locks tables rather
than the file and never shows "database is locked"; this script is the smallest faithful
reproduction: real connections (one per thread, as Django gives each thread its own) to one file.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import sys
import threading
from pathlib import Path

SURVEY = dt.date(2025, 1, 1)


def main(n: int) -> dict[str, list[int]]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chonaikai.settings")
    os.environ.setdefault("SECRET_KEY", "concurrency-test-key")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # test client conveniences (ALLOWED_HOSTS testserver, locmem mail)
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    call_command(
        "load_city", str(Path(__file__).resolve().parents[2] / "cities" / "sapporo"), stdout=io.StringIO()
    )

    from django.contrib.auth import get_user_model

    from chonaikai.accounts.models import RoleAssignment
    from chonaikai.associations import services
    from chonaikai.associations.models import Association
    from wards.models import Ward

    chuo = Ward.objects.get(code="01101")
    user = get_user_model().objects.create_user("ward_staff_chuo", password="x" * 12)
    RoleAssignment.objects.create(user=user, role="ward_staff", ward=chuo)
    api_target = Association.objects.create(ward=chuo, code="01101-0001", name="一番町内会")  # i18n: data
    grid_target = Association.objects.create(ward=chuo, code="01101-0002", name="二番町内会")  # i18n: data
    services.round_open(actor=None, survey_date=SURVEY, deadline=dt.date(2025, 2, 28))
    connection.close()

    grid_url = f"/counts/01101/{SURVEY.isoformat()}/"
    prefix = f"a{grid_target.pk}"

    def api_save(client: Client, i: int):
        return client.post(
            "/api/v1/counts/",
            {
                "association": api_target.code,
                "survey_date": SURVEY.isoformat(),
                "households": 100 + i,
                "member_households": 50,
                "version": 0,
            },
            content_type="application/json",
        )

    def grid_save(client: Client, i: int):
        return client.post(
            grid_url,
            {
                f"{prefix}-households": str(100 + i),
                f"{prefix}-member_households": "50",
                f"{prefix}-note": "",
                f"{prefix}-version": "0",
                f"initial-{prefix}-households": "",
                f"initial-{prefix}-member_households": "",
                f"initial-{prefix}-note": "",
            },
        )

    results: dict[str, list[int]] = {}
    for route, save in (("api", api_save), ("grid", grid_save)):
        clients = []
        for _ in range(n):
            client = Client(raise_request_exception=False)
            client.force_login(user)
            clients.append(client)
        connection.close()
        barrier = threading.Barrier(n)
        statuses: list[int] = []
        lock = threading.Lock()

        def worker(i: int, client=None, save=save, barrier=barrier, statuses=statuses, lock=lock) -> None:
            from django.db import connection as thread_connection

            barrier.wait()
            response = save(client, i)
            with lock:
                statuses.append(response.status_code)
            thread_connection.close()

        threads = [threading.Thread(target=worker, args=(i, clients[i])) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results[route] = sorted(statuses)
    return results


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)))
