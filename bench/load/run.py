"""make load / make load-short: concurrent users against gunicorn and PostgreSQL; a table and three checks.

    .venv/bin/python -m bench.load.run --users 50 --duration 120          # make load (the full form)
    .venv/bin/python -m bench.load.run --users 20 --duration 20 --no-static   # make load-short (CI)

1. A PostgreSQL database of its own (chonaikai_load on BENCH_POSTGRES, default
   postgres://postgres@127.0.0.1:5432), migrated, loaded with the CITY profile (load_city; make load
   sets it) and filled with city-size synthetic data (bench.generate: the profile's sample size ×
   10 survey dates, labelled （合成）), the ward boundaries (BOUNDARIES, when given), then
   bench.load.prepare: a city administrator opens the
   2026 round; ward staff and viewer accounts; the plan for the users.
2. gunicorn (--workers, default 4, as README's production command) with production settings:
   DEBUG off, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, TRUSTED_PROXY_COUNT=1 (the users act as
   the proxy: X-Forwarded-Proto https, X-Forwarded-For), the API's throttles as configured, the
   cache in Redis (LOAD_REDIS, default redis://127.0.0.1:6379/13, emptied before and after; the
   local-memory cache when Redis does not answer), static files collected and served by WhiteNoise
   (unless --no-static). Without a broker, map renders run in the web process (Celery eager).
3. A warm-up (each page kind a few times per worker, not measured), then locust, headless, one
   process (bench/load/locustfile.py): 30 % ward staff saving counts, 10 % signed-in viewers, the
   rest anonymous visitors and API scripts (3:2), each waiting --wait seconds between requests.
4. The table: per request kind and in total, requests, requests per second, p50 / p95 / p99 and
   the largest time in ms, errors. Then the checks: no error; p95 of the reads under --read-p95 ms
   (300); every count the ward staff saved is in the database with the values, note and version
   they saved, one history row per save, no count nobody saved, and the ward summaries agree with
   the counts (rebuild_summaries --check). Exit status 1 when a check fails.

The database is dropped at the end (--keep keeps it).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

from bench.generate import boundaries_file, city_profile
from bench.run import POSTGRES, _free_port, _psql

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
BIN = Path(PY).parent
DATABASE = "chonaikai_load"
REDIS = os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379/13")
KINDS = ("read", "write", "login", "static")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _setup_env(database_url: str) -> dict:
    """Environment of the set-up commands (migrate, generate, prepare): development settings."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1"}
    for name in ("CELERY_BROKER_URL", "CACHE_URL"):
        env.pop(name, None)
    return env


def _server_env(database_url: str, cache_url: str | None) -> dict:
    """Production settings; only what a deployment must give (README, Running in production)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CACHE_URL", "DEBUG")}
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "SITE_URL": "https://127.0.0.1",
            "TRUSTED_PROXY_COUNT": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    if cache_url:
        env["CACHE_URL"] = cache_url
    return env


def _manage(args: list[str], env: dict, **kwargs) -> None:
    subprocess.run([PY, *args], cwd=ROOT, env=env, check=True, **kwargs)


def _redis_ready(url: str) -> bool:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        client.flushdb()
        return True
    except Exception:  # any failure means "no Redis for this run"
        return False


def _prepare(database_url: str, *, staff: int, viewers: int, password: str, plan: Path, static: bool) -> None:
    env = {**_setup_env(database_url), "LOAD_PASSWORD": password}
    _manage(["manage.py", "migrate", "--noinput", "--verbosity", "0"], env)
    _manage(["manage.py", "load_city", city_profile()], env, stdout=subprocess.DEVNULL)
    _manage(
        ["-m", "bench.generate", "--database-url", database_url, "--size", "city"], env, stdout=sys.stderr
    )
    boundaries = boundaries_file()
    if boundaries and Path(boundaries).is_file():
        _manage(["manage.py", "import_boundaries", boundaries], env, stdout=subprocess.DEVNULL)
    else:
        _say(
            f"  no ward boundaries ({boundaries or 'BOUNDARIES not set'}): the map pages show the ward table only"
        )
    _manage(
        [
            "-m",
            "bench.load.prepare",
            "--database-url",
            database_url,
            "--staff",
            str(staff),
            "--viewers",
            str(viewers),
            "--plan",
            str(plan),
        ],
        env,
        stdout=sys.stderr,
    )
    if static:
        started = time.perf_counter()
        _manage(["manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env)
        _say(f"  collectstatic: {time.perf_counter() - started:.0f} s")


def _get(url: str, timeout: float = 60) -> int:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", "Accept-Language": "ja"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def _start_server(env: dict, workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    gunicorn = shutil.which("gunicorn", path=str(BIN)) or "gunicorn"
    with open(log, "ab") as out:
        server = subprocess.Popen(
            [
                gunicorn,
                "chonaikai.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited at start:\n{log.read_text()[-3000:]}")
        try:
            if _get(f"{base}/api/v1/survey-dates/", timeout=5) == 200:
                return server, base
        except OSError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer in 60 s:\n{log.read_text()[-3000:]}")


def _warm_up(base: str, workers: int) -> None:
    """Each page kind a few times per worker: first imports and first renders are not measured."""
    paths = [
        "/",
        "/associations/",
        "/wards/",
        "/maps/series/",
        "/api/v1/stats/membership/?level=ward",
        *[f"/maps/?metric={m}" for m in ("rate", "change", "members", "gap")],
    ]
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        statuses = list(
            pool.map(lambda p: (p, _get(base + p)), [p for p in paths for _ in range(workers * 2)])
        )
    bad = sorted({f"{p} {s}" for p, s in statuses if s != 200})
    if bad:
        _say(f"  warm-up answers other than 200: {', '.join(bad)}")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_pids(server: subprocess.Popen, database_url: str) -> dict[str, list[int]]:
    """gunicorn's workers, and the PostgreSQL backends connected to the run's database."""
    import psycopg

    try:
        workers = [int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()]
    except OSError:
        workers = []
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        backends = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DATABASE]
            )
        ]
    return {"gunicorn": workers, "postgres": backends}


class CpuMeter:
    """CPU seconds spent by gunicorn's workers, this database's PostgreSQL backends and locust.

    The machine may be shared: CPU time, unlike latency, does not grow with other people's load,
    so it says what a dedicated machine would need. Backends that closed during the run are missed.
    """

    def __init__(self, server: subprocess.Popen, database_url: str):
        self.server, self.database_url = server, database_url
        self.before = {
            pid: _cpu_seconds(pid) for pids in _server_pids(server, database_url).values() for pid in pids
        }
        self.children_before = _children_cpu()

    def stop(self) -> dict[str, float]:
        used = {}
        for name, pids in _server_pids(self.server, self.database_url).items():
            used[name] = sum(max(0.0, _cpu_seconds(pid) - self.before.get(pid, 0.0)) for pid in pids)
        used["locust"] = _children_cpu() - self.children_before
        return used


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_locust(base: str, args, plan: Path, out: Path, log: Path) -> None:
    env = {
        **os.environ,
        "LOAD_PLAN": str(plan),
        "LOAD_OUT": str(out),
        "LOAD_STATIC": "1" if args.static else "0",
        "LOAD_WAIT": args.wait,
    }
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench/load/locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.duration}s",
        "--stop-timeout",
        "30",
        "--host",
        base,
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    with open(log, "wb") as output:
        done = subprocess.run(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, timeout=args.duration + 180
        )
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"locust failed (exit status {done.returncode}):\n{log.read_text()[-4000:]}")


# --- the table ------------------------------------------------------------------------------------


def _percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _row(label: str, samples: list, seconds: float) -> dict:
    times = sorted(s[1] for s in samples)
    return {
        "label": label,
        "requests": len(samples),
        "rps": len(samples) / seconds if seconds else 0.0,
        "p50": _percentile(times, 50),
        "p95": _percentile(times, 95),
        "p99": _percentile(times, 99),
        "max": times[-1] if times else math.nan,
        "errors": sum(1 for s in samples if not s[2]),
    }


def summarise(samples: list) -> tuple[list[dict], dict[str, dict], float]:
    """Rows per request name (by kind), rows per kind and in total, and the measured window (s)."""
    if not samples:
        return [], {}, 0.0
    first = min(s[3] for s in samples)
    last = max(s[3] + s[1] / 1000 for s in samples)
    seconds = max(last - first, 1e-9)
    by_name = defaultdict(list)
    for s in samples:
        by_name[s[0]].append(s)
    order = {kind: i for i, kind in enumerate(KINDS)}
    names = sorted(by_name, key=lambda n: (order.get(n.split(":")[0], 9), n))
    rows = [_row(name, by_name[name], seconds) for name in names]
    totals = {}
    for kind in KINDS:
        mine = [s for s in samples if s[0].split(":")[0] == kind]
        if mine:
            totals[kind] = _row(f"all {kind}s" if kind != "static" else "all static", mine, seconds)
    totals["total"] = _row("total", samples, seconds)
    return rows, totals, seconds


def table(rows: list[dict], totals: dict[str, dict]) -> str:
    header = ("request", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
    lines = [header]

    def cells(r):
        return (
            r["label"],
            f"{r['requests']:,}",
            f"{r['rps']:.1f}",
            f"{r['p50']:.0f}",
            f"{r['p95']:.0f}",
            f"{r['p99']:.0f}",
            f"{r['max']:.0f}",
            f"{r['errors']:,}",
        )

    lines += [cells(r) for r in rows]
    separator = len(lines)
    lines += [cells(r) for r in totals.values()]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for i, line in enumerate(lines):
        if i == separator:
            out.append("-+-".join("-" * w for w in widths))
        out.append(
            " | ".join(
                c.ljust(w) if j == 0 else c.rjust(w)
                for j, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if i == 0:
            out.append("-+-".join("-" * w for w in widths))
    return "\n".join(out)


# --- the database check ---------------------------------------------------------------------------


def verify(database_url: str, ledger: dict, round_date: str) -> tuple[list[str], str]:
    """Problems (empty: all good) and a one-line account of what was checked."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT a.code, c.households, c.member_households, c.note, c.version "
            "FROM associations_householdcount c JOIN associations_association a ON a.id = c.association_id "
            "WHERE c.survey_date = %s",
            [round_date],
        ).fetchall()
        history = conn.execute(
            "SELECT COUNT(*) FROM associations_historicalhouseholdcount WHERE survey_date = %s", [round_date]
        ).fetchone()[0]
    held = {code: (h, m, note, version) for code, h, m, note, version in rows}
    problems, saves, pending_landed, pending = [], 0, 0, 0
    for code, entry in sorted(ledger.items()):
        expected = (entry["households"], entry["members"], entry["note"], entry["version"])
        found = held.get(code)
        if not entry["pending"]:
            saves += entry["saves"]
            if found != expected:
                problems.append(f"{code}: saved {expected} by {entry['user']}, database has {found}")
            continue
        # No answer came for the last save: either the new values or the ones before are right.
        pending += 1
        before = entry["before"]
        before_values = before and (
            before["households"],
            before["members"],
            before["note"],
            before["version"],
        )
        if found == expected:
            pending_landed += 1
            saves += entry["saves"]
        elif found == before_values:
            saves += before["saves"] if before else 0
        else:
            problems.append(
                f"{code}: last save unanswered; database has {found}, neither {expected} nor {before_values}"
            )
    for code in sorted(set(held) - set(ledger)):
        problems.append(f"{code}: a count nobody saved is in the database: {held[code]}")
    if history != saves:
        problems.append(f"{history:,} history rows for {saves:,} saves")
    summary = subprocess.run(
        [PY, "manage.py", "rebuild_summaries", "--check"],
        cwd=ROOT,
        env=_setup_env(database_url),
        capture_output=True,
        text=True,
    )
    if summary.returncode != 0:
        problems.append(
            "ward summaries disagree with the counts: " + (summary.stdout + summary.stderr).strip()[-500:]
        )
    account = (
        f"{len(ledger):,} counts saved by the ward staff ({saves:,} saves, {history:,} history rows"
        + (f", {pending} unanswered of which {pending_landed} landed" if pending else "")
        + f"); {len(held):,} counts for {round_date} in the database; ward summaries "
        + ("agree" if summary.returncode == 0 else "DISAGREE")
    )
    return problems, account


# --- main -------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, help="users started per second (default: users / 10)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--wait", default="1,3", help="seconds a user waits between requests: MIN,MAX")
    parser.add_argument("--read-p95", type=float, default=300.0, help="target for the reads' p95 (ms)")
    parser.add_argument(
        "--p95-slack",
        type=float,
        default=1.0,
        help="fail only when the reads' p95 exceeds the target by more than this factor (CI: 1.5, as make bench)",
    )
    parser.add_argument(
        "--static", action=argparse.BooleanOptionalAction, default=True, help="collect and fetch static files"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    args.spawn_rate = args.spawn_rate or max(1.0, args.users / 10)
    staff = max(1, round(args.users * 0.3))
    viewers = max(1, round(args.users * 0.1))
    if staff + viewers >= args.users:
        parser.error("--users must be at least 3")

    started = time.perf_counter()
    database_url = f"{POSTGRES}/{DATABASE}"
    cache_url = REDIS if _redis_ready(REDIS) else None
    password = secrets.token_urlsafe(18)
    _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _psql(f"CREATE DATABASE {DATABASE}")
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="chonaikai-load-") as tmp_name:
            tmp = Path(tmp_name)
            plan, out = tmp / "plan.json", tmp / "out.json"
            _say(f"== load test: preparing {DATABASE} (the size of {city_profile()}'s sample)")
            _prepare(
                database_url, staff=staff, viewers=viewers, password=password, plan=plan, static=args.static
            )
            round_date = json.loads(plan.read_text())["round"]
            server_log = tmp / "gunicorn.log"
            _say(f"  prepared in {time.perf_counter() - started:.0f} s")
            server, base = _start_server(_server_env(database_url, cache_url), args.workers, server_log)
            _warm_up(base, args.workers)
            _say(f"  gunicorn up and warmed at {time.perf_counter() - started:.0f} s")
            _say(
                f"== load test: {args.users} users ({staff} ward staff, {viewers} viewers) for {args.duration} s "
                f"against gunicorn ({args.workers} workers) at {base}"
            )
            meter = CpuMeter(server, database_url)
            _run_locust(base, args, plan, out, tmp / "locust.log")
            cpu = meter.stop()
            _say(f"  locust done at {time.perf_counter() - started:.0f} s")
            server.terminate()
            server.wait(timeout=30)
            server = None
            result = json.loads(out.read_text())
            server_errors = [
                line for line in server_log.read_text(errors="replace").splitlines() if "Traceback" in line
            ]
            rows, totals, seconds = summarise(result["samples"])
            problems, account = verify(database_url, result["ledger"], round_date)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        if cache_url:
            _redis_ready(cache_url)  # empties the run's cache database

    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print()
    print(
        f"chonaikai load test: {time.strftime('%Y-%m-%d %H:%M')}, {args.users} users ({staff} ward staff, "
        f"{viewers} viewers, {args.users - staff - viewers} anonymous) for {args.duration} s, waits {args.wait} s; "
        f"gunicorn {args.workers} workers, PostgreSQL, cache {'Redis' if cache_url else 'local memory (Redis did not answer)'}"
        f"{'' if args.static else ', no static files'}; {os.cpu_count()} CPUs, load average at the end {load}; "
        f"measured over {seconds:.0f} s, {time.perf_counter() - started:.0f} s in all. Synthetic data (bench/generate.py)."
    )
    print(table(rows, totals))
    requests = totals.get("total", {}).get("requests", 0)
    app_cpu = cpu["gunicorn"] + cpu["postgres"]
    print(
        f"CPU used during the load: gunicorn workers {cpu['gunicorn']:.0f} s, PostgreSQL {cpu['postgres']:.0f} s, "
        f"locust {cpu['locust']:.0f} s; {1000 * app_cpu / max(requests, 1):.0f} ms of server CPU per request "
        f"({app_cpu / max(seconds, 1e-9):.2f} of the {os.cpu_count()} CPUs on average)."
    )
    print()
    failures = []
    errors = totals.get("total", {}).get("errors", 0)
    reads = totals.get("read")
    writes = totals.get("write", {}).get("requests", 0)
    checks = [
        (
            "no errors",
            errors == 0 and not server_errors,
            f"{errors:,} errors; {len(server_errors)} tracebacks in gunicorn's log",
        ),
        (
            f"p95 of reads < {args.read_p95:.0f} ms",
            reads is not None and reads["p95"] < args.read_p95,
            f"{reads['p95']:.0f} ms over {reads['requests']:,} reads" if reads else "no reads",
        ),
        ("every saved count is in the database", writes > 0 and not problems, account),
    ]
    for label, ok, detail in checks:
        verdict = "ok  " if ok else "FAIL"
        if not ok and label.startswith("p95") and reads and reads["p95"] < args.read_p95 * args.p95_slack:
            verdict, ok = "MISS", True  # within the slack a shared machine needs (see --p95-slack)
            detail += f" (within the ×{args.p95_slack:g} slack: not a failure)"
        print(f"{verdict} {label}: {detail}")
        if not ok:
            failures.append(label)
    for name, messages in result["errors"].items():
        for message in messages:
            print(f"  error in {name}: {message}", file=sys.stderr)
    for problem in problems[:20]:
        print(f"  {problem}", file=sys.stderr)
    if len(problems) > 20:
        print(f"  … and {len(problems) - 20} more", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
