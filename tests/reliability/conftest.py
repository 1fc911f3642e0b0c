"""Fixtures for reliability tests: a broker that is down, and a real Celery worker on the test database.

The real worker (`worker`) runs only where CELERY_BROKER_URL, CACHE_URL (Redis) and a PostgreSQL
DATABASE_URL are set — `.ci/worker_tests.sh` sets them. It is started by the test session itself,
after pytest-django has created and migrated the test database, and pointed at exactly that
database (test_<name>): the worker and the tests then see the same committed rows. Tests that use
it are transactional (`django_db(transaction=True)`), since rows in a test's open transaction
would be invisible to another process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60


# --- a broker that is down -------------------------------------------------------------------


def _closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker_down(settings):
    """Point this process's Celery app at a port where no Redis answers, as when Redis has stopped.

    Celery reads its configuration once and keeps connection pools, so the fixture changes the
    app's configuration and drops its pools (and restores both afterwards) rather than only
    overriding Django settings.
    """
    from chonaikai.celery import app

    url = f"redis://127.0.0.1:{_closed_port()}/0"
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}

    def reset_connections():
        app._pool = None
        app.amqp._producer_pool = None
        app._local.__dict__.pop("backend", None)

    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False)
    reset_connections()
    yield url
    app.conf.update(saved)
    reset_connections()


# --- a real worker ----------------------------------------------------------------------------


class Worker:
    """`celery -A chonaikai worker` in its own process group, with its log in a file."""

    def __init__(self, *, env: dict, log: Path, media: Path):
        self.env = env
        self.log = log
        self.media = media  # its MEDIA_ROOT: where deferred uploads wait
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("celery")),
                    "-A",
                    "chonaikai",
                    "worker",
                    "-l",
                    "info",
                    "--concurrency",
                    "2",
                    "-P",
                    "prefork",
                    "-n",
                    f"reliability-{os.getpid()}@%h",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches the pool's children
            )
        if pidfile := os.environ.get("CHONAIKAI_WORKER_PIDFILE"):
            # .ci/worker_tests.sh kills this process group if pytest itself dies before stopping it.
            Path(pidfile).write_text(str(self.process.pid))
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited at start:\n{self.log_text()[-3000:]}")
            if " ready." in self.log_text(offset):
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"the Celery worker did not get ready in {READY_TIMEOUT} s:\n{self.log_text()[-3000:]}"
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash or the OOM killer would."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        """Warm shutdown (SIGTERM: finish the running tasks), SIGKILL if it takes too long."""
        if not self.running:
            self.process = None
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def log_text(self, offset: int = 0) -> str:
        if not self.log.exists():
            return ""
        with open(self.log, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", errors="replace")


def _database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


@pytest.fixture(scope="session")
def live_worker(django_db_setup, tmp_path_factory):
    """A worker on the test database, the broker and the shared cache; stopped before the database is dropped."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    cache_url = os.environ.get("CACHE_URL", "")
    if not broker:
        pytest.skip("needs CELERY_BROKER_URL=redis://… (see .ci/worker_tests.sh)")
    if not cache_url.startswith(("redis", "rediss")):
        pytest.skip("needs CACHE_URL=redis://…: the worker reports progress and maps through a shared cache")
    if connection.vendor != "postgresql":
        pytest.skip("needs a PostgreSQL DATABASE_URL: the worker must reach the test database")
    for url in (broker, cache_url):  # messages or progress left by an earlier run must not leak in
        _flush_redis(url)
    media = tmp_path_factory.mktemp("media")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chonaikai.settings",
        "DEBUG": "1",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CONN_MAX_AGE": "0",  # no connection left open when pytest-django flushes or drops the database
        "MEDIA_ROOT": str(media),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "SITE_URL": "https://chonaikai.example.jp",
        # A lost task comes back after this many seconds (production: 20 minutes, see settings).
        "CELERY_VISIBILITY_TIMEOUT": os.environ.get("CELERY_VISIBILITY_TIMEOUT", "15"),
        "PYTHONUNBUFFERED": "1",
    }
    worker = Worker(env=env, log=tmp_path_factory.mktemp("worker") / "worker.log", media=media)
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def worker(live_worker, settings):
    """The live worker, running (a test may have killed it); uploads go to the worker's MEDIA_ROOT."""
    if not live_worker.running:
        live_worker.start()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(live_worker.media)},
        },
    }
    yield live_worker
    if not live_worker.running:
        live_worker.start()


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
