"""Time the household-count import: .xlsx file → preview → committed counts.

    .venv/bin/python -m bench.bench_import [--rows 2200] [--runs 5] [--database-url URL]

Runs against a throwaway database made for the run and dropped afterwards: a SQLite file in a
temporary directory by default, or — given --database-url or DATABASE_URL — Django's test
database next to that one (for postgres://…/chonaikai_bench that is test_chonaikai_bench; the named
database itself is never written). Creates `rows` associations spread over the 10 wards, writes
one workbook with a row for each, and times three imports (median of `runs`):

- new:       no counts yet for the survey date, every row is created;
- changed:   every row's figures differ, every row is updated;
- unchanged: the same file again, nothing is written.

It repeats the first at a tenth of the rows to show that the number of SQL queries does not
grow with rows, on SQLite as on PostgreSQL (on SQLite the writes pass all rows as one JSON
parameter, services.counts._insert_rows, instead of Django's batches of 999 parameters).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

SURVEY = dt.date(2025, 1, 1)


def _setup(database_url: str | None, tmp: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "chonaikai.settings"
    os.environ["DEBUG"] = "1"  # the settings need no SECRET_KEY then; queries are captured explicitly
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.conf import settings

    db = settings.DATABASES["default"]
    db["CONN_MAX_AGE"] = 0
    if db["ENGINE"].endswith("sqlite3"):
        db["TEST"]["NAME"] = str(tmp / "bench.sqlite3")  # a file, not Django's in-memory default


def _workbook(associations, *, bump: int = 0) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("counts")
    ws.append(["令和7年1月1日現在 町内会別世帯数"])
    ws.append([])
    ws.append(["町内会コード", "町内会名", "区域内世帯数", "加入世帯数", "備考"])
    for i, (code, name) in enumerate(associations):
        households = 150 + i % 400 + bump
        ws.append(
            [code, name, households, households * 7 // 10, "ベンチマーク用の合成データ"]
        )  # i18n: data (a change over 20 % needs a reason)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _make_associations(rows: int) -> list[tuple[str, str]]:
    from chonaikai.associations.models import Association
    from wards.models import Ward

    wards = list(Ward.objects.order_by("code"))
    objs = []
    for i in range(rows):
        ward = wards[i % len(wards)]
        name = f"ベンチ{ward.name}第{i // len(wards) + 1}町内会"
        objs.append(
            Association(
                code=f"{ward.code}-{i // len(wards) + 1:04d}",
                name=name,
                ward=ward,
                search_text=Association.build_search_text(name, ""),
            )
        )
    Association.objects.bulk_create(objs, batch_size=500)
    return [(a.code, a.name) for a in objs]


def _clear_counts() -> None:
    from django.db import connection

    from chonaikai.associations.models import HouseholdCount

    with connection.cursor() as cursor:
        for model in (HouseholdCount.history.model, HouseholdCount):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _import(path: Path, actor) -> tuple[float, int, dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chonaikai.associations import services
    from chonaikai.associations.imports import importer

    connection.queries_log.clear()  # the log keeps 9,000 queries: never let it wrap while counting
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        data = path.read_bytes()
        preview = importer.preview_file(data, filename=path.name, survey_date=SURVEY, actor=actor)
        checked = time.perf_counter()
        result = services.counts_import_commit(actor=actor, survey_date=SURVEY, preview=preview)
        end = time.perf_counter()
    assert not preview.has_errors, preview.errors[:3]
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    return end - start, len(queries), {"preview": checked - start, "commit": end - checked, **counts}


def _scenario(name, path_first, path_timed, actor, runs, *, reset):
    times, parts = [], []
    for _ in range(runs):
        if reset:
            _clear_counts()
        if path_first is not None:
            _import(path_first, actor)
        elapsed, n_queries, detail = _import(path_timed, actor)
        times.append(elapsed)
        parts.append(detail)
    detail = parts[-1]
    median = statistics.median(times)
    print(
        f"{name:<10} {median * 1000:8.0f} ms  (preview {statistics.median(p['preview'] for p in parts) * 1000:5.0f} ms,"
        f" commit {statistics.median(p['commit'] for p in parts) * 1000:5.0f} ms)"
        f"  {n_queries:4d} queries  created {detail['created']}, updated {detail['updated']},"
        f" unchanged {detail['unchanged']}"
    )
    return median, n_queries


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="chonaikai-bench-") as tmp_name:
        tmp = Path(tmp_name)
        _setup(args.database_url, tmp)
        from django.contrib.auth import get_user_model
        from django.db import connection

        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            print(f"database: {connection.vendor} ({test_db}), {os.cpu_count()} CPUs")
            actor = get_user_model().objects.create_superuser("bench", password=None)
            associations = _make_associations(args.rows)
            for label, subset in (
                (f"{args.rows} rows", associations),
                (f"{args.rows // 10} rows", associations[: args.rows // 10]),
            ):
                new = tmp / f"counts-{len(subset)}.xlsx"
                new.write_bytes(_workbook(subset))
                changed = tmp / f"counts-{len(subset)}-changed.xlsx"
                changed.write_bytes(_workbook(subset, bump=1))
                print(f"-- {label} ({new.stat().st_size // 1024} KB .xlsx), median of {args.runs}")
                _scenario("new", None, new, actor, args.runs, reset=True)
                _scenario("changed", new, changed, actor, args.runs, reset=True)
                _scenario("unchanged", new, new, actor, args.runs, reset=True)
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
