"""Imports of counts files: 2,200 rows at the size of a city, 300,000 rows nationwide through the command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.measure.common import NEW_DATE, bench_admin, clear_day, figure

# ---------------------------------------------------------------------------------------------
# Imports
# ---------------------------------------------------------------------------------------------


def _association_codes(limit=None):
    """Active associations as (code, name, households, members) of the survey before NEW_DATE.

    The figures are the previous survey's (None where an association has none): the files below
    move each count a little from them, as a ward's yearly file does, instead of drawing figures
    unrelated to the register that would make every row a change over 20 % (rules.check_count).
    """
    from chonaikai.associations.models import Association, HouseholdCount
    from chonaikai.associations.selectors import previous_survey_date

    qs = Association.objects.filter(status="active").order_by("code").values_list("code", "name")
    codes = list(qs[:limit] if limit else qs)
    previous = previous_survey_date(NEW_DATE)
    figures = (
        dict(
            (code, (h, m))
            for code, h, m in HouseholdCount.objects.filter(survey_date=previous).values_list(
                "association__code", "households", "member_households"
            )
        )
        if previous
        else {}
    )
    return [(code, name, *figures.get(code, (None, None))) for code, name in codes]


def _figures(i: int, previous_households, previous_members, bump: int) -> tuple[int, int]:
    """A row's figures: the previous survey's moved by `bump` (or a made-up pair when there are none)."""
    if previous_households is None:
        households = 150 + i % 400 + bump
        return households, households * 7 // 10
    households = previous_households + bump
    return households, min(previous_members + bump, households)


def _note(households, members, previous_households, previous_members) -> str:
    """The reason a ward writes in 備考 when the rule asks for one (a change over 20 %), else blank."""
    from chonaikai.associations import rules

    check = rules.check_count(
        households,
        members,
        previous_households=previous_households,
        previous_member_households=previous_members,
    )
    return NOTE if any(flag.code == rules.LARGE_CHANGE_CODE for flag in check.flags) else ""


# The reason given for the few synthetic counts that move more than 20 % from the previous survey.
NOTE = "ベンチマーク用の合成データ"  # i18n: data


def workbook(rows, *, bump=0, title_rows=True, survey_date=None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("counts")
    header = ["町内会コード", "町内会名", "区域内世帯数", "加入世帯数", "備考"]
    if title_rows:
        ws.append(["令和8年1月1日現在 町内会別世帯数（合成データ）"])
        ws.append([])
    if survey_date:
        header.append("調査基準日")
    ws.append(header)
    for i, (code, name, ph, pm) in enumerate(rows):
        households, members = _figures(i, ph, pm, bump)
        line = [code, name, households, members, _note(households, members, ph, pm)]
        if survey_date:
            line.append(survey_date)
        ws.append(line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_file(rows, *, bump=0) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["町内会コード", "町内会名", "区域内世帯数", "加入世帯数", "備考"])
    for i, (code, name, ph, pm) in enumerate(rows):
        households, members = _figures(i, ph, pm, bump)
        writer.writerow([code, name, households, members, _note(households, members, ph, pm)])
    return out.getvalue().encode()


def _existing_path(data: bytes, filename: str):
    """What the server does for the page's two requests: the preview (upload), then the commit.

    The commit request runs services.counts_import_file, as the page does (counts_upload_commit):
    on PostgreSQL the fast path, on SQLite read, check once inside the transaction, write. Until
    2026-12 this measured counts_import_commit after the preview on PostgreSQL too, a path no route
    takes there.
    """
    from chonaikai.associations import services
    from chonaikai.associations.imports import importer

    preview = importer.preview_file(data, filename=filename, survey_date=NEW_DATE, actor=None)
    assert not preview.has_errors, preview.errors[:3]
    return services.counts_import_file(actor=None, data=data, filename=filename, survey_date=NEW_DATE)


def measure_imports_city() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chonaikai.associations import services

    rows = _association_codes()
    data = workbook(rows, survey_date=NEW_DATE.isoformat(), title_rows=False)
    times = []
    for _ in range(3):
        clear_day()
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            result = _existing_path(data, "counts.xlsx")
            times.append(time.perf_counter() - start)
        assert result.created == len(rows)
    ours = statistics.median(times) * 1000
    ratio = baseline = None
    note = f"{len(queries)} queries"
    try:
        from bench import iex

        clear_day()
        executed = []  # CaptureQueriesContext keeps only 9,000 queries: count them as they run
        with connection.execute_wrapper(lambda execute, *a: executed.append(1) or execute(*a)):
            start = time.perf_counter()
            imported = iex.import_file(data)
            iex_ms = (time.perf_counter() - start) * 1000
        assert imported == len(rows), imported
        ratio, baseline = iex_ms / ours, "faster than django-import-export"
        note += f"; django-import-export {iex_ms / 1000:.1f} s, {len(executed):,} queries"
    except ImportError:
        note += "; django-import-export not installed (pip install -r bench/requirements.txt)"
    figure(
        "import_2200",
        f"import {len(rows):,} rows .xlsx (preview + commit, new counts)",
        ours,
        "ms",
        1000,
        baseline=baseline,
        ratio=ratio,
        note=note,
    )
    if ratio is not None:
        figure(
            "import_2200_vs_iex",
            f"import {len(rows):,} rows: speed-up over django-import-export (same file, same run)",
            ratio,
            "×",
            5,
            better="higher",
        )
    if connection.vendor == "postgresql":
        times = []
        for _ in range(3):
            clear_day()
            start = time.perf_counter()
            result = services.counts_import_file(
                actor=None, data=data, filename="counts.xlsx", survey_date=NEW_DATE
            )
            times.append(time.perf_counter() - start)
        assert result.created == len(rows)
        figure(
            "import_2200_fast",
            f"import {len(rows):,} rows .xlsx, fast path (counts_import_file on PostgreSQL)",
            statistics.median(times) * 1000,
            "ms",
            1000,
        )
    clear_day()


def _child(database_url: str, path: Path, day: dt.date, command: str = "import-child") -> dict:
    """One import in a new process: its time and its peak memory (VmHWM)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.measure",
            "--database-url",
            database_url,
            command,
            str(path),
            day.isoformat(),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],  # the checkout (bench/measure/imports.py)
        # The command stores the upload in the default storage: next to the file, not in media/.
        env={**os.environ, "MEDIA_ROOT": str(path.parent / "media")},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_child(path: Path, day: dt.date) -> None:
    """One import as the city administrator (as the import page or its task runs it), with its phases."""
    from chonaikai.associations import services

    actor = bench_admin()
    data = path.read_bytes()
    marks: dict[str, float] = {}

    def progress(stage, done, total):
        marks.setdefault(stage, time.perf_counter())

    start = time.perf_counter()
    result = services.counts_import_file(
        actor=actor, data=data, filename=path.name, survey_date=day, progress=progress
    )
    elapsed = time.perf_counter() - start
    # The fast path reports: reading (start), checked (file read and COPYed), writing (rows checked
    # against the register), done (written, summaries, events, committed).
    phases = {}
    if {"checked", "writing", "done"} <= marks.keys():
        phases = {
            "read + COPY": marks["checked"] - start,
            "check": marks["writing"] - marks["checked"],
            "write + commit": marks["done"] - marks["writing"],
        }
    status = Path("/proc/self/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_mb": peak / 1024,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "phases": phases,
            }
        )
    )


def import_command_child(path: Path, day: dt.date) -> None:
    """`manage.py import_counts FILE --survey-date DAY --user <city administrator>`: time and peak memory.

    The command records the upload, stores the file and imports it through services.uploads — the
    page's path (on PostgreSQL the fast path for a file this size), in this process.
    """
    from django.core.management import call_command

    from chonaikai.associations.models import CountsUpload

    actor = bench_admin()
    start = time.perf_counter()
    call_command(
        "import_counts",
        str(path),
        "--survey-date",
        day.isoformat(),
        "--user",
        actor.get_username(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    elapsed = time.perf_counter() - start
    record = CountsUpload.objects.order_by("-created_at").first()
    status = Path("/proc/self/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
    result = record.result or {}
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_mb": peak / 1024,
                "created": result.get("created"),
                "updated": result.get("updated"),
                "unchanged": result.get("unchanged"),
                "status": record.status,
            }
        )
    )


def _bare_copy_upsert(rows, *, bump) -> float:
    """The floor: COPY the figures into a staging table and upsert them — no check, no history."""
    from django.db import connection, transaction

    from chonaikai.associations.models import Association

    ids = dict(Association.objects.values_list("code", "id"))
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bare_stage (association_id bigint, households int, members int) ON COMMIT DROP"
        )
        with cursor.copy("COPY bare_stage FROM STDIN") as copy:
            for i, (code, _name, ph, pm) in enumerate(rows):
                copy.write_row((ids[code], *_figures(i, ph, pm, bump)))
        cursor.execute(
            "INSERT INTO associations_householdcount AS c (association_id, survey_date, households, "
            "member_households, source, note, entered_at, version) "
            "SELECT association_id, %s, households, members, 'import', '', now(), 1 FROM bare_stage "
            "ON CONFLICT (association_id, survey_date) DO UPDATE SET households = EXCLUDED.households, "
            "member_households = EXCLUDED.member_households, version = c.version + 1",
            [NEW_DATE],
        )
    return time.perf_counter() - start


def _vacuum() -> None:
    """VACUUM the counts and their history before a timed import (nationwide), so that each import
    and the bare COPY + upsert start from the same tables.

    Every all-changed import leaves 297,040 dead counts and history rows; where autovacuum is off or
    behind (it was off on the bench machine: 3.9 million dead counts after a few runs), each later
    import in the section scanned a larger table than the one before (the check's and the
    summaries' scans of the date's counts), while the bare upsert (index probes only) did not:
    the fourth import of the section, the command, paid for the three before it.
    """
    from django.db import connection

    from chonaikai.associations.models import HouseholdCount

    with connection.cursor() as cursor:
        for model in (HouseholdCount, HouseholdCount.history.model):
            cursor.execute(f"VACUUM {connection.ops.quote_name(model._meta.db_table)}")


def _phases(child: dict) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in child.get("phases", {}).items())


def measure_imports_nationwide(database_url: str) -> None:
    rows = _association_codes()
    with tempfile.TemporaryDirectory(prefix="chonaikai-bench-") as tmp:
        tmp = Path(tmp)
        new, changed, xlsx = tmp / "counts-new.csv", tmp / "counts-changed.csv", tmp / "counts-changed.xlsx"
        by_command = tmp / "counts-command.csv"
        new.write_bytes(csv_file(rows))
        changed.write_bytes(csv_file(rows, bump=1))
        by_command.write_bytes(csv_file(rows, bump=4))
        start = time.perf_counter()
        xlsx.write_bytes(workbook(rows, bump=2))
        write_xlsx = time.perf_counter() - start
        clear_day()
        _vacuum()
        first = _child(database_url, new, NEW_DATE)
        assert first["created"] == len(rows), first
        _vacuum()
        second = _child(database_url, changed, NEW_DATE)
        assert second["updated"] == len(rows), second
        _vacuum()
        third = _child(database_url, xlsx, NEW_DATE)
        assert third["updated"] == len(rows), third
        _vacuum()
        command = _child(database_url, by_command, NEW_DATE, command="import-command-child")
        assert command["updated"] == len(rows), command
        _vacuum()
        bare = _bare_copy_upsert(rows, bump=3)
        csv_mb = new.stat().st_size / 1e6
        clear_day()
        _vacuum()
    print(f"  imports: {first} / {second} / {third} / {command}; bare {bare:.1f} s", file=sys.stderr)
    n = f"{len(rows):,}"
    figure(
        "import_300k_csv_new",
        f"import {n} rows .csv, new counts (fast path)",
        first["seconds"],
        "s",
        12,
        note=f"{csv_mb:.1f} MB file; peak {first['peak_mb']:.0f} MB; {_phases(first)}",
    )
    figure(
        "import_300k_csv_changed",
        f"import {n} rows .csv, every count changed",
        second["seconds"],
        "s",
        12,
        baseline="of bare COPY + upsert",
        ratio=second["seconds"] / bare,
        note=f"bare COPY + upsert (no check, no history): {bare:.1f} s; {_phases(second)}",
    )
    figure(
        "import_300k_command",
        f"manage.py import_counts, {n} rows .csv, every count changed",
        command["seconds"],
        "s",
        12,
        baseline="of bare COPY + upsert",
        ratio=command["seconds"] / bare,
        note=f"peak {command['peak_mb']:.0f} MB; the page's path (upload record, stored file, fast path)",
    )
    figure(
        "import_300k_command_vs_bare",
        f"manage.py import_counts, {n} rows: time as a multiple of bare COPY + upsert (same run)",
        command["seconds"] / bare,
        "×",
        2,
        note=f"bare COPY + upsert (no check, no history): {bare:.1f} s",
    )
    figure(
        "import_300k_command_peak",
        f"manage.py import_counts, {n} rows: peak memory of the process (VmHWM)",
        command["peak_mb"],
        "MB",
        1024,
    )
    figure(
        "import_300k_peak",
        f"import {n} rows .csv: peak memory of the process (VmHWM)",
        max(first["peak_mb"], second["peak_mb"]),
        "MB",
        1024,
    )
    figure(
        "import_300k_xlsx",
        f"import {n} rows .xlsx, every count changed",
        third["seconds"],
        "s",
        15,
        note=f"peak {third['peak_mb']:.0f} MB; {_phases(third)}; writing the workbook took {write_xlsx:.0f} s",
    )
