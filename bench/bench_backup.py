"""Backup and restore of the whole database at the benchmark's size (manage.py backup / restore).

Called by bench.measure (section "backup") in its process, on the database bench.generate filled:

- backup: `create_backup` of the form the database gets by default (pg_dump on PostgreSQL, the
  portable JSON form on SQLite), wall time and file size;
- restore: `manage.py restore` of that file, in its own process, into a database made for it and
  dropped afterwards — on PostgreSQL one made by CREATE DATABASE only (what `createdb` gives), on
  SQLite a migrated file (the JSON form loads into a migrated database);
- at the city size on PostgreSQL, the portable JSON form's backup time as the baseline.

The restore's own check (rows per table against the manifest) must pass, or the figure is an error.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Targets (seconds) by size, form and step: the city size is checked by `make bench`, the
# nationwide one is reported by `make bench-full`.
TARGETS = {
    ("city", "json", "backup"): 10,
    ("city", "json", "restore"): 30,
    ("city", "pg_dump", "backup"): 5,
    ("city", "pg_dump", "restore"): 20,
    ("nationwide", "pg_dump", "backup"): 60,
    ("nationwide", "pg_dump", "restore"): 120,
}


def _restore_url(database_url: str, tmp: Path) -> tuple[str, object]:
    """A fresh database for the restore and a function that drops it."""
    if database_url.startswith("sqlite"):
        path = tmp / "restore.sqlite3"
        url = f"sqlite:///{path}"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=_env(url),
            check=True,
        )
        return url, lambda: path.unlink(missing_ok=True)
    import psycopg

    server, name = database_url.rsplit("/", 1)
    target = f"{name}_restore"

    def run(sql):
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(sql)

    run(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)")
    run(f"CREATE DATABASE {target}")
    return f"{server}/{target}", lambda: run(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)")


def _env(database_url: str) -> dict:
    import os

    return {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}


def measure_backup(database_url: str, size: str) -> None:
    from django.db import connection

    from bench.measure.common import figure
    from chonaikai.operations.backup import create_backup, default_engine

    engine = default_engine()
    with tempfile.TemporaryDirectory(prefix="chonaikai-bench-backup-") as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        summary = create_backup(tmp / "backup.zip", engine=engine)
        backup_s = time.perf_counter() - started
        megabytes = summary.path.stat().st_size / 1e6
        counts = summary.rows.get("associations.householdcount", 0)
        history = summary.rows.get("associations.historicalhouseholdcount", 0)
        what = f"{summary.total_rows:,} rows ({counts:,} counts, {history:,} count history rows)"
        baseline = ratio = None
        note = f"{what}; {megabytes:,.0f} MB"
        if size == "city" and connection.vendor == "postgresql":
            started = time.perf_counter()
            create_backup(tmp / "portable.zip", engine="json")
            json_s = time.perf_counter() - started
            baseline, ratio = "faster than the portable JSON form", json_s / backup_s
            note += f"; JSON form {json_s:.1f} s, {(tmp / 'portable.zip').stat().st_size / 1e6:,.0f} MB"
        figure(
            f"backup_{engine}",
            f"backup of the whole database ({engine}), {size}",
            backup_s,
            "s",
            TARGETS.get((size, engine, "backup")),
            baseline=baseline,
            ratio=ratio,
            note=note,
        )
        figure(f"backup_{engine}_size", f"backup file ({engine}), {size}", megabytes, "MB", note=what)

        url, drop = _restore_url(database_url, tmp)
        try:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "manage.py", "restore", str(summary.path)],
                cwd=ROOT,
                env=_env(url),
                check=True,
                stdout=subprocess.DEVNULL,
            )
            restore_s = time.perf_counter() - started
        finally:
            drop()
        target = (
            "a database made by CREATE DATABASE only" if engine == "pg_dump" else "a migrated empty database"
        )
        checked = ", rows per table checked against the manifest" if engine == "pg_dump" else ""
        figure(
            f"restore_{engine}",
            f"restore ({engine}) into {target}, {size}",
            restore_s,
            "s",
            TARGETS.get((size, engine, "restore")),
            note=f"manage.py restore in its own process{checked}; {what}",
        )
