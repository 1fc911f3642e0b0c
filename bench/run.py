"""make bench / make bench-full: make the databases, fill them, measure, print one table.

    .venv/bin/python -m bench.run quick   # city size (the CITY profile's sample, × 10 dates), SQLite and PostgreSQL
    .venv/bin/python -m bench.run full    # nationwide (300,000 × 10 = 3,000,000 counts), PostgreSQL

Each database is made for the run and dropped after it: a SQLite file in a temporary directory and
PostgreSQL databases named chonaikai_bench_quick / chonaikai_bench_full on BENCH_POSTGRES (default
postgres://postgres@127.0.0.1:5432). For each: migrate, load_city $CITY (the city profile, e.g.
cities/<name>; make bench sets it), bench.generate (synthetic data), the ward boundaries
(BOUNDARIES, when given), bench.measure in its own process, then the
resident memory of a web process (gunicorn, one worker) after it has served the API list, the map
page (cold and cached), the association layer and the statistics pages.

The quick run exits with status 1 when a figure misses its target by more than 50 %.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.generate import boundaries_file, city_profile

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
POSTGRES = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
SLACK = 1.5  # a quick-run figure fails the run when it is worse than its target by more than this


def _env(database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1", "ALLOWED_HOSTS": "*"}
    env.update({"API_THROTTLE_ANON": "", "API_THROTTLE_USER": ""})
    env.pop("CELERY_BROKER_URL", None)  # tasks (map renders) run eagerly in the web process
    return env


def _run(args, database_url, **kwargs):
    return subprocess.run([PY, *args], cwd=ROOT, env=_env(database_url), check=True, **kwargs)


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _prepare(database_url: str, size: str) -> None:
    _run(["manage.py", "migrate", "--noinput", "--verbosity", "0"], database_url)
    _run(["manage.py", "load_city", city_profile()], database_url, stdout=subprocess.DEVNULL)
    _run(
        ["-m", "bench.generate", "--database-url", database_url, "--size", size],
        database_url,
        stdout=sys.stderr,
    )
    boundaries = boundaries_file()
    if boundaries and Path(boundaries).is_file():
        _run(["manage.py", "import_boundaries", boundaries], database_url, stdout=subprocess.DEVNULL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _web_rss(database_url: str) -> tuple[float, str]:
    """VmRSS of a gunicorn worker after it served every page measured (MB), and what it served."""
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(PY).parent)) or "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "chonaikai.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "300"],
        cwd=ROOT,
        env=_env(database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        cookie = _session_cookie(database_url)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/v1/survey-dates/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        pages = [
            "/api/v1/associations/",
            "/api/v1/associations/?page=2",
            "/maps/?public=on",
            "/maps/?public=on",
            "/maps/",
            "/",
            "/wards/",
            "/api/v1/stats/membership/?level=ward",
            "/api/v1/stats/membership/?level=district",
        ]
        served = []
        for path in pages:
            request = urllib.request.Request(base + path, headers={"Cookie": cookie})
            try:
                with urllib.request.urlopen(request, timeout=300) as response:
                    served.append(f"{path} {response.status}")
            except urllib.error.HTTPError as e:
                served.append(f"{path} {e.code}")
        worker = _worker_pid(server.pid)
        status = Path(f"/proc/{worker}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
        return rss, "; ".join(served)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0]) if children else master


def _session_cookie(database_url: str) -> str:
    """A signed-in city administrator's session cookie, made directly in the database."""
    code = (
        "import django; django.setup();"
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY;"
        "from django.contrib.sessions.backends.db import SessionStore;"
        "u, _ = get_user_model().objects.get_or_create(username='bench-admin', defaults={'is_superuser': True, 'is_staff': True});"
        "s = SessionStore(); s[SESSION_KEY] = str(u.pk);"
        "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend';"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.create(); print(s.session_key)"
    )
    env = {**_env(database_url), "DJANGO_SETTINGS_MODULE": "chonaikai.settings"}
    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return f"sessionid={out.stdout.strip().splitlines()[-1]}"


def _measure(database_url: str, size: str, label: str, tmp: Path) -> list[dict]:
    print(f"== {label}: generating and measuring", file=sys.stderr)
    started = time.perf_counter()
    _prepare(database_url, size)
    out = tmp / f"{label.replace('/', '-')}.jsonl"
    _run(
        ["-m", "bench.measure", "--database-url", database_url, "--size", size, "--out", str(out)],
        database_url,
    )
    figures = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    rss, served = _web_rss(database_url)
    figures.append(
        {
            "key": "web_rss",
            "label": "web process RSS after serving the pages above (gunicorn worker, VmRSS)",
            "value": rss,
            "unit": "MB",
            "target": 300,
            "better": "lower",
            "baseline": None,
            "ratio": None,
            "note": served,
        }
    )
    for f in figures:
        f["where"] = label
    print(f"== {label}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return figures


def _verdict(f: dict) -> str:
    target = f["target"]
    if target is None:
        return ""
    value = f["value"]
    if f["better"] == "higher":
        return "ok" if value >= target else ("MISS" if value >= target / SLACK else "FAIL")
    return "ok" if value <= target else ("MISS" if value <= target * SLACK else "FAIL")


def _number(value: float, unit: str) -> str:
    if unit in ("queries", "rows"):
        return f"{value:,.0f} {unit}"
    if unit == "×":
        return f"{value:.1f}×"
    return f"{value:,.2f} {unit}" if value < 10 else f"{value:,.0f} {unit}"


def table(figures: list[dict]) -> str:
    rows = [("where", "figure", "measured", "target", "baseline (same run)", "", "notes")]
    for f in figures:
        target = ""
        if f["target"] is not None:
            sign = "≥ " if f["better"] == "higher" else "≤ " if f["unit"] == "queries" else "< "
            target = sign + _number(f["target"], f["unit"])
        ratio = f"{f['ratio']:.1f}× {f['baseline']}" if f.get("ratio") else ""
        rows.append(
            (f["where"], f["label"], _number(f["value"], f["unit"]), target, ratio, _verdict(f), f["note"])
        )
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    lines = []
    for i, r in enumerate(rows):
        lines.append(" | ".join(c.ljust(w) for c, w in zip(r[:6], widths, strict=True)) + " | " + r[6])
        if i == 0:
            lines.append("-|-".join("-" * w for w in widths) + "-|-" + "-" * 5)
    return "\n".join(lines)


def main(argv=None) -> int:
    mode = (argv or sys.argv[1:] or ["quick"])[0]
    if mode not in ("quick", "full"):
        raise SystemExit("usage: python -m bench.run quick|full")
    city_profile()  # before anything is made: the profile every database is loaded with
    started = time.perf_counter()
    figures = []
    with tempfile.TemporaryDirectory(prefix="chonaikai-bench-") as tmp_name:
        tmp = Path(tmp_name)
        runs = [("postgres", "nationwide")] if mode == "full" else [("sqlite", "city"), ("postgres", "city")]
        for engine, size in runs:
            label = f"{size}/{engine}"
            if engine == "sqlite":
                figures += _measure(f"sqlite:///{tmp / 'bench.sqlite3'}", size, label, tmp)
                continue
            name = f"chonaikai_bench_{mode}"
            _psql(f"DROP DATABASE IF EXISTS {name}")
            _psql(f"CREATE DATABASE {name}")
            try:
                figures += _measure(f"{POSTGRES}/{name}", size, label, tmp)
            finally:
                _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print()
    print(
        f"chonaikai benchmarks ({mode}): {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs "
        f"(load average at the end: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}), "
        f"{time.perf_counter() - started:.0f} s in all. Synthetic data (bench/generate.py)."
    )
    print(table(figures))
    failed = [f for f in figures if _verdict(f) == "FAIL"]
    if mode == "quick" and failed:
        print(f"\n{len(failed)} figure(s) missed the target by more than {SLACK - 1:.0%}:", file=sys.stderr)
        for f in failed:
            print(f"  {f['where']} {f['label']}: {_number(f['value'], f['unit'])}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
