"""Measurements on a database that bench.generate has filled; run by bench.run, one process per database.

    .venv/bin/python -m bench.measure --database-url URL --size city|nationwide [--out FILE]
    .venv/bin/python -m bench.measure --database-url URL import-child FILE YYYY-MM-DD  (one import; its peak memory)
    .venv/bin/python -m bench.measure --database-url URL import-command-child FILE YYYY-MM-DD  (the same through
        `manage.py import_counts`, the page's path: upload record, stored file, services)
    .venv/bin/python -m bench.measure --database-url URL --only grid  (one section's figures alone:
        imports, stats, api, maps, grid or backup)

Prints (or writes to --out) one JSON object per figure: key, label, value, unit, target, and where a
baseline was measured in the same run its name and ratio. Times are medians of several runs taken
after one warm-up, wall clock, in this process (no network); web pages through Django's test client.
"""

from __future__ import annotations

import argparse
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
from unittest import mock

NEW_DATE = dt.date(2026, 1, 1)  # after the generated survey dates: imports write it, then it is removed
FIGURES: list[dict] = []


def figure(key, label, value, unit, target=None, *, better="lower", baseline=None, ratio=None, note=""):
    FIGURES.append(
        {
            "key": key,
            "label": label,
            "value": value,
            "unit": unit,
            "target": target,
            "better": better,
            "baseline": baseline,
            "ratio": ratio,
            "note": note,
        }
    )
    shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
    print(f"  {label}: {shown} {unit}" + (f"  ({ratio:.1f}× {baseline})" if ratio else ""), file=sys.stderr)


def timed(fn, *, runs=5, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000  # ms


def setup(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "chonaikai.settings"
    os.environ["DEBUG"] = "1"
    os.environ["DATABASE_URL"] = database_url
    os.environ["ALLOWED_HOSTS"] = "*"
    for scope in ("API_THROTTLE_ANON", "API_THROTTLE_USER"):
        os.environ[scope] = ""  # the benchmark asks more often than a client may
    os.environ.setdefault("CONN_MAX_AGE", "60")
    import django

    django.setup()


# ---------------------------------------------------------------------------------------------
# Statistics: city, ward, district and federation from the summaries against the GROUP BY they replace
# ---------------------------------------------------------------------------------------------


def measure_stats(size: str) -> None:
    from django.db import connection

    from chonaikai.associations import selectors
    from chonaikai.associations.stats.services import summaries_rebuild
    from wards.models import Ward

    Level = selectors.Level
    day = selectors.latest_survey_date()
    dates = [day, selectors.previous_survey_date(day)]
    all_dates = selectors.survey_dates()
    runs = 5 if size == "city" else 3
    for level, label in ((Level.WARD, "ward"), (Level.CITY, "city")):
        summary = timed(lambda level=level: selectors._summary_sums(level, dates, None), runs=runs)
        raw = timed(lambda level=level: selectors._count_sums(level, dates, None), runs=runs)
        figure(
            f"stats_{label}_date",
            f"{label} sums, one survey date (+previous), from summaries",
            summary,
            "ms",
            20 if level == Level.WARD else None,
            baseline="faster than GROUP BY over counts",
            ratio=raw / summary,
            note=f"GROUP BY {raw:.0f} ms",
        )
    summary = timed(lambda: selectors._summary_sums(Level.WARD, all_dates, None), runs=runs)
    raw = timed(lambda: selectors._count_sums(Level.WARD, all_dates, None), runs=runs)
    figure(
        "stats_ward_series",
        f"ward series, {len(all_dates)} survey dates, from summaries",
        summary,
        "ms",
        50,
        baseline="faster than GROUP BY over counts",
        ratio=raw / summary,
        note=f"GROUP BY {raw:.0f} ms",
    )
    figure(
        "stats_membership_ward",
        "membership_stats(level=ward) end to end",
        timed(lambda: selectors.membership_stats(survey_date=day, level=Level.WARD), runs=runs),
        "ms",
        50,
    )
    one = Ward.objects.filter(summaries__survey_date=day).order_by("code").first()  # a ward's own page
    for level in (Level.DISTRICT, Level.FEDERATION):
        # City-wide: every group of the city (12,000 districts and federations at nationwide size).
        summary = timed(lambda level=level: selectors._area_figures(level, day, dates[1], None), runs=runs)
        raw = timed(lambda level=level: selectors._count_sums(level, dates, None), runs=runs)
        groups = len(selectors._area_figures(level, day, dates[1], None))
        figure(
            f"stats_{level}_date",
            f"{level} sums, one survey date (+previous), city-wide, {groups:,} groups, from summaries",
            summary,
            "ms",
            50,
            baseline="faster than GROUP BY over counts",
            ratio=raw / summary,
            note=f"GROUP BY {raw:.0f} ms",
        )
        ours = timed(lambda level=level: selectors.membership_stats(survey_date=day, level=level), runs=runs)

        def on_the_fly(level, survey_date, previous_day, ward):
            pair = [survey_date] + ([previous_day] if previous_day else [])
            sums = selectors._count_sums(level, pair, ward)
            return selectors._stats_from_sums(level, survey_date, previous_day, ward, sums)

        # The same call summing the counts, as every read of these levels did before their summaries.
        with mock.patch.object(selectors, "_area_stats", on_the_fly):
            fly = timed(lambda level=level: selectors.membership_stats(survey_date=day, level=level), runs=3)
        figure(
            f"stats_{level}",
            f"membership_stats(level={level}) city-wide end to end, from summaries",
            ours,
            "ms",
            50,
            baseline="faster than on the fly",
            ratio=fly / ours,
            note=f"on the fly (GROUP BY over counts) {fly:.0f} ms",
        )
        figure(
            f"stats_{level}_one_ward",
            f"membership_stats(level={level}, ward={one.code}) end to end, from summaries",
            timed(
                lambda level=level: selectors.membership_stats(survey_date=day, level=level, ward=one),
                runs=runs,
            ),
            "ms",
            50,
        )
    figure(
        "stats_association",
        "membership_stats(level=association), on the fly",
        timed(lambda: selectors.membership_stats(survey_date=day, level=Level.ASSOCIATION), runs=3),
        "ms",
        100 if size == "city" else None,
    )
    if connection.vendor == "postgresql":
        from chonaikai.associations.models import HouseholdCount

        def latest():
            return list(
                HouseholdCount.objects.order_by("association_id", "-survey_date")
                .distinct("association_id")
                .values_list("association_id", "households", "member_households")
            )

        figure(
            "latest_distinct_on", "latest count per association (DISTINCT ON)", timed(latest, runs=3), "ms"
        )
    start = time.perf_counter()
    rows = summaries_rebuild()
    figure(
        "summaries_rebuild",
        f"rebuild_summaries ({rows:,} rows)",
        (time.perf_counter() - start) * 1000,
        "ms",
        note="full rebuild from all counts",
    )


# ---------------------------------------------------------------------------------------------
# The association list API and the maps
# ---------------------------------------------------------------------------------------------


def _admin():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def measure_api(size: str) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    client = Client()

    def page(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    p50 = timed(lambda: page("/api/v1/associations/"), runs=15, warmup=2)
    counts = []
    for url in (
        "/api/v1/associations/",
        "/api/v1/associations/?page=2",
        "/api/v1/associations/?page_size=200",
    ):
        with CaptureQueriesContext(connection) as queries:
            page(url)
        counts.append(len(queries))
    total = page("/api/v1/associations/").json()["count"]
    figure(
        "api_list_p50",
        f"API association list, page of 50 of {total:,}, p50",
        p50,
        "ms",
        50,
        note=f"queries per page (page 1, page 2, 200 rows): {counts}",
    )
    figure(
        "api_list_queries",
        "API association list, queries per page (any page, any size)",
        max(counts),
        "queries",
        2,
    )
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        page("/api/v1/associations/")
        uncached = (time.perf_counter() - start) * 1000
    figure(
        "api_list_uncounted",
        "API association list, page 1 with the total not yet cached",
        uncached,
        "ms",
        None,
        note=f"{len(queries)} queries (COUNT(*) included)",
    )


def measure_maps(size: str) -> None:
    from django.core.cache import cache
    from django.test import Client

    from maps import selectors as map_selectors

    client = Client()
    cache.clear()
    start = time.perf_counter()
    client.get("/maps/?public=on&metric=members")  # loads folium, geopandas: once per process
    first = (time.perf_counter() - start) * 1000
    cache.clear()
    start = time.perf_counter()
    response = client.get("/maps/?public=on")
    cold = (time.perf_counter() - start) * 1000
    assert response.status_code == 200
    figure(
        "map_cold",
        "ward choropleth page, cold (render + cache)",
        cold,
        "ms",
        1000,
        note=f"first render in a new process, with the map libraries' import: {first:.0f} ms",
    )
    cached = timed(lambda: client.get("/maps/?public=on"), runs=15, warmup=2)
    figure(
        "map_cached",
        "ward choropleth page, cached",
        cached,
        "ms",
        20,
        note=f"page {len(response.content) // 1024} KB",
    )
    geometry = sum(len(g.encode()) for g in map_selectors.ward_geometries(full=False).values())
    figure("map_geometry", "ward geometry on the page (coverage-simplified)", geometry / 1024, "KB", 100)

    client.force_login(_admin())
    start = time.perf_counter()
    response = client.get("/maps/")
    elapsed = (time.perf_counter() - start) * 1000
    match = re.search(
        rb'<script type="application/json" id="association-layer-data">(.*?)</script>', response.content, re.S
    )
    layer_bytes = len(match.group(1)) if match else 0
    data = json.loads(match.group(1)) if match else {}
    halls = len(data.get("points", [])) or "none (fetched per viewport)"
    figure(
        "map_layer_payload",
        "association-point layer payload (city administrator, every hall)",
        layer_bytes / 1024 / 1024,
        "MB",
        2,
        note=f"page {elapsed:.0f} ms; levels embedded {sorted(data.get('levels', {}), key=int)}; "
        f"points embedded: {halls}; remote: {'remote' in data}",
    )
    if "remote" in data:
        viewport = f"{data['remote']}&zoom=14&bbox=43.02,141.28,43.10,141.42"
        ms = timed(lambda: client.get(viewport), runs=5)
        size_kb = len(client.get(viewport).content) / 1024
        figure(
            "map_layer_viewport",
            "association layer, one viewport at zoom 14",
            ms,
            "ms",
            500,
            note=f"{size_kb:.0f} KB",
        )


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


def _clear(day=NEW_DATE):
    """Remove what the imports wrote for `day`: counts, history rows, summaries, audit events."""
    from django.db import connection, transaction

    from chonaikai.associations.models import DistrictSummary, FederationSummary, HouseholdCount, WardSummary
    from chonaikai.audit.models import AuditEvent

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (HouseholdCount.history.model, HouseholdCount):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE survey_date = %s", [day])
        for model in (WardSummary, DistrictSummary, FederationSummary):
            model.objects.filter(survey_date=day).delete()
        AuditEvent.objects.filter(action="counts.imported").delete()


def _existing_path(data: bytes, filename: str):
    from chonaikai.associations import services
    from chonaikai.associations.imports import importer

    preview = importer.preview_file(data, filename=filename, survey_date=NEW_DATE, actor=None)
    assert not preview.has_errors, preview.errors[:3]
    return services.counts_import_commit(actor=None, survey_date=NEW_DATE, preview=preview)


def measure_imports_city() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chonaikai.associations import services

    rows = _association_codes()
    data = workbook(rows, survey_date=NEW_DATE.isoformat(), title_rows=False)
    times = []
    for _ in range(3):
        _clear()
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

        _clear()
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
            _clear()
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
    _clear()


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
        cwd=Path(__file__).resolve().parent.parent,
        # The command stores the upload in the default storage: next to the file, not in media/.
        env={**os.environ, "MEDIA_ROOT": str(path.parent / "media")},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def import_child(path: Path, day: dt.date) -> None:
    """One import as the city administrator (as the import page or its task runs it), with its phases."""
    from chonaikai.associations import services

    actor = _admin()
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

    actor = _admin()
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
        _clear()
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
        _clear()
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


# ---------------------------------------------------------------------------------------------
# The entry grid: the largest ward's page and its full save (every row entered)
# ---------------------------------------------------------------------------------------------


def measure_grid(size: str) -> None:
    """Ward staff's grid for the ward with the most active associations, on a round opened for
    NEW_DATE: the page (GET), and a save of the whole grid as a browser without JavaScript posts it
    (every field of every row; every row a new count, last survey's figures). Each save starts
    from no counts for NEW_DATE. Server time: Django's test client, in this process."""
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils.http import urlencode

    from bench.generate import sample_ward_sizes
    from chonaikai.accounts.models import RoleAssignment
    from chonaikai.associations import services
    from chonaikai.associations.models import Association, SurveyRound, WardProgress
    from tests.rounds.helpers import form_data
    from wards.models import Ward

    largest = (
        Association.objects.active().values("ward").annotate(n=Count("id")).order_by("-n", "ward").first()
    )
    ward, rows = Ward.objects.get(pk=largest["ward"]), largest["n"]
    # What the figure stands for: seed_demo's largest ward (bench.generate copies its ward sizes).
    sample_code, (sample_total, sample_ended) = max(
        sample_ward_sizes().items(), key=lambda item: (item[1][0] - item[1][1], item[0])
    )
    sample_rows = sample_total - sample_ended
    from django.contrib.auth import get_user_model

    staff, created = get_user_model().objects.get_or_create(username="bench-ward-staff")
    if created:
        RoleAssignment.objects.create(user=staff, role="ward_staff", ward=ward)
    _clear(NEW_DATE)
    survey_round = SurveyRound.objects.filter(survey_date=NEW_DATE).first()
    opened = survey_round is None
    if opened:
        survey_round = services.round_open(
            actor=None, survey_date=NEW_DATE, deadline=NEW_DATE + dt.timedelta(days=60)
        )
    client = Client()
    client.force_login(staff)
    url = f"/counts/{ward.code}/{NEW_DATE.isoformat()}/"
    try:

        def page():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        page_ms = timed(page, runs=7)
        response = page()
        data = form_data(response)
        previous = re.findall(
            r'id="prev-(\d+)-(households|members)">(?:<span[^>]*>[^<]*</span>)?([\d,]+)<',
            response.content.decode(),
        )
        values = {(aid, kind): value.replace(",", "") for aid, kind, value in previous}
        for name in list(data):
            m = re.fullmatch(r"a(\d+)-(households|member_households)", name)
            if m:
                kind = "households" if m.group(2) == "households" else "members"
                data[name] = values.get((m.group(1), kind), "100" if kind == "households" else "70")
        body = urlencode(data)  # as a browser posts a form (the test client would send multipart)
        times, queries = [], 0
        for run in range(4):
            _clear(NEW_DATE)
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                saved = client.post(url, body, content_type="application/x-www-form-urlencoded")
                elapsed = (time.perf_counter() - start) * 1000
            assert saved.status_code == 302, (saved.status_code, saved.content[:500])
            if run:  # the first is the warm-up
                times.append(elapsed)
            queries = len(captured)
        save_ms = statistics.median(times)
    finally:
        _clear(NEW_DATE)
        if opened:
            WardProgress.objects.filter(survey_round=survey_round).delete()
            SurveyRound.objects.filter(pk=survey_round.pk).delete()
    kb = len(response.content) / 1024
    as_sample = f"seed_demo's largest ward {sample_code}: {sample_rows:,} associations"
    figure(
        "grid_page",
        f"entry grid page, largest ward ({ward.code}, {rows:,} associations), server time",
        page_ms,
        "ms",
        300,
        note=f"{as_sample}; page {kb:,.0f} KB",
    )
    figure(
        "grid_save_full",
        f"entry grid, save of the whole grid ({rows:,} rows, {len(data):,} fields, new counts)",
        save_ms,
        "ms",
        500,
        note=f"{queries} queries; posted without JavaScript (with it only changed rows are sent); {as_sample}",
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--size", choices=["city", "nationwide"], default="city")
    parser.add_argument("--out")
    parser.add_argument(
        "--only",
        choices=["imports", "stats", "api", "maps", "grid", "backup"],
        help="measure one section (on a database bench.generate filled and kept, to re-take a figure)",
    )
    parser.add_argument("command", nargs="*")
    args = parser.parse_args(argv)
    setup(args.database_url)
    if args.command[:1] == ["import-child"]:
        import_child(Path(args.command[1]), dt.date.fromisoformat(args.command[2]))
        return
    if args.command[:1] == ["import-command-child"]:
        import_command_child(Path(args.command[1]), dt.date.fromisoformat(args.command[2]))
        return
    from django.db import connection

    print(f"measuring {args.size} on {connection.vendor}", file=sys.stderr)
    sections = {
        "stats": lambda: measure_stats(args.size),
        "api": lambda: measure_api(args.size),
        "maps": lambda: measure_maps(args.size),
    }
    if args.size == "city":
        sections["grid"] = lambda: measure_grid(args.size)
        sections = {"imports": measure_imports_city, **sections}
    elif connection.vendor == "postgresql":
        sections = {"imports": lambda: measure_imports_nationwide(args.database_url), **sections}
    from bench.bench_backup import measure_backup

    sections["backup"] = lambda: measure_backup(args.database_url, args.size)
    sections = [section for name, section in sections.items() if args.only in (None, name)]
    for section in sections:
        try:
            section()
        except Exception as e:  # one broken section must not lose the other sections' figures
            import traceback

            traceback.print_exc()
            figure("error", f"a section failed: {type(e).__name__}: {e}"[:120], float("inf"), "", 0)
    text = "\n".join(json.dumps(f, ensure_ascii=False) for f in FIGURES)
    if args.out:
        Path(args.out).write_text(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
