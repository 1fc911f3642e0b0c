#!/usr/bin/env bash
# Tests against a real Celery worker: Redis as broker and shared cache, PostgreSQL as database.
#
# Runs `pytest -m redis`. The worker itself is started by the test session (fixture `live_worker`
# in tests/reliability/conftest.py) once pytest-django has created and migrated the test database,
# and pointed at exactly that database (test_chonaikai_worker): the worker and the tests see the
# same committed rows, and the fault test can SIGKILL and restart it. This script provides what
# that needs (PostgreSQL and Redis up, the environment), makes sure no worker outlives the run,
# and fails when a test fails or when no test actually ran (all skipped counts as none).
#
# Redis databases 14 (broker) and 15 (cache) are emptied by the run; nothing else is touched.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

if [ -z "${BOUNDARIES:-}" ] && [ -f ../shared/data/sapporo_wards.geojson ]; then
    export BOUNDARIES="$PWD/../shared/data/sapporo_wards.geojson"
fi

make install

start_postgres() {
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        log "PostgreSQL is down: starting it"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    pg_isready -h 127.0.0.1 -p 5432
}

redis_up() { .venv/bin/python -c 'import redis; redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()' 2>/dev/null; }

start_redis() {
    if redis_up; then return; fi
    log "Redis is down: starting it"
    if ! command -v redis-server >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server
    fi
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
        --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
    redis_up || { echo "Redis did not start (see /var/log/redis/ci.log)" >&2; exit 1; }
}

start_postgres
start_redis

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/chonaikai_worker"
export CELERY_BROKER_URL="redis://127.0.0.1:6379/14"
export CACHE_URL="redis://127.0.0.1:6379/15"
export CELERY_VISIBILITY_TIMEOUT=15   # a killed worker's task comes back after 15 s (production: 20 min)

work="$(mktemp -d)"
export CHONAIKAI_WORKER_PIDFILE="$work/worker.pid"
cleanup() {
    # The fixture stops its worker; if pytest died first, end the worker's process group here.
    if [ -s "$CHONAIKAI_WORKER_PIDFILE" ]; then
        kill -KILL -- "-$(cat "$CHONAIKAI_WORKER_PIDFILE")" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

log "pytest -m redis (real Celery worker, Redis, PostgreSQL)"
status=0
.venv/bin/python -m pytest -m redis --create-db -p no:cacheprovider -rs \
    --junitxml="$work/junit.xml" "$@" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
    echo "worker tests failed (pytest exit status $status)" >&2
    exit "$status"
fi

ran="$(.venv/bin/python - "$work/junit.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET

cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
print(sum(1 for case in cases if case.find("skipped") is None))
EOF
)"
if [ "$ran" -eq 0 ]; then
    echo "worker tests: none ran (every test marked redis was skipped or none was collected)" >&2
    exit 1
fi
log "worker tests passed: $ran ran against a real worker"
