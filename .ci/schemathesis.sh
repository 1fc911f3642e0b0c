#!/usr/bin/env bash
# Property-based tests of the REST API against its own OpenAPI schema (schemathesis 4).
#
# Migrates a throwaway SQLite database, seeds the demo data, creates a city administrator and an
# API token, starts the development server on 127.0.0.1:$PORT and runs every check schemathesis
# has (server errors, status codes, content types, response schemas, negative and positive data,
# auth, unsupported methods …) with a bounded number of examples per operation, on two workers
# (the development server answers each request in a thread). Fails on any failure, and when
# operations get only 401/403 (the token stopped working: .ci/schemathesis.toml); the server and the
# database are removed whatever happens.
#
#   .ci/schemathesis.sh                 # defaults: 20 examples per operation, 2 workers, port 8765
#   MAX_EXAMPLES=50 SCHEMATHESIS_WORKERS=1 PORT=8800 .ci/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${PORT:-8765}"
MAX_EXAMPLES="${MAX_EXAMPLES:-20}"
PY=.venv/bin/python
BASE="http://127.0.0.1:${PORT}"

log() { printf '\n==> %s\n' "$*"; }

if ! [ -x .venv/bin/schemathesis ]; then
    echo "schemathesis is not installed: .venv/bin/pip install 'schemathesis>=4,<5'" >&2
    exit 2
fi

# shellcheck source=live_server.sh
source .ci/live_server.sh

# A database, media folder and cache of its own; tasks run eagerly; no rate limits (schemathesis
# sends thousands of requests from one address); no .env surprises.
export DEBUG=1
export SECRET_KEY=schemathesis-only
export DATABASE_URL="sqlite:///${WORK}/db.sqlite3"
export MEDIA_ROOT="${WORK}/media"
export CACHE_URL="locmemcache://"
export CELERY_BROKER_URL=""
export API_THROTTLE_ANON="" API_THROTTLE_USER="" API_THROTTLE_LOGIN=""
export AXES_FAILURE_LIMIT=1000000
export LOG_LEVEL=WARNING

log "migrate and seed a throwaway database (${WORK})"
$PY manage.py migrate --noinput --verbosity 0
$PY manage.py load_city cities/sapporo >/dev/null
$PY manage.py seed_demo >/dev/null

log "a city administrator and an API token"
CHONAIKAI_PASSWORD="$($PY -c 'import secrets; print(secrets.token_urlsafe(24))')" \
    $PY manage.py create_account schemathesis-admin --role city_admin >/dev/null
if ! TOKEN="$($PY manage.py create_api_token schemathesis-admin --name schemathesis 2>"${WORK}/token.log")"; then
    cat "${WORK}/token.log" >&2
    exit 1
fi

log "start the server on ${BASE}"
start_server
curl -fsS -o /dev/null -H "Authorization: Token ${TOKEN}" "${BASE}/api/v1/wards/" || { echo "the API token does not work" >&2; cat "${WORK}/server.log" >&2; exit 1; }

log "schemathesis run --checks all --max-examples ${MAX_EXAMPLES}"
status=0
.venv/bin/schemathesis --config-file .ci/schemathesis.toml run "${BASE}/api/v1/schema/" \
    --checks all \
    --max-examples "${MAX_EXAMPLES}" \
    --workers "${SCHEMATHESIS_WORKERS:-2}" \
    --header "Authorization: Token ${TOKEN}" \
    --seed "${SCHEMATHESIS_SEED:-20250101}" \
    --generation-database none \
    --request-timeout 30 \
    --no-color || status=$?

if grep -q "Internal Server Error" "${WORK}/server.log"; then
    log "server errors logged during the run:"
    grep -A30 "Internal Server Error" "${WORK}/server.log" | head -200 >&2
    status=1
fi
exit "$status"
