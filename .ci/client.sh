#!/usr/bin/env bash
# A generated Python client against the live API: what a new user with openapi-python-client does.
#
# Writes the schema with `manage.py spectacular --file --validate`, migrates a throwaway SQLite
# database, seeds the demo data, creates a ward's staff account (a password, no token), starts the
# development server on a free port and downloads the schema it serves. In a throwaway virtualenv
# under a temporary directory (never .venv) it installs openapi-python-client, generates a client
# from the served schema with no configuration, installs that client, and runs a flow with it:
# password → token, list associations, membership statistics (signed in and anonymous), subsidy
# applications (list and one), revoke the token. Fails on any failure (a warning of the generator
# is printed, an error or an unusable answer fails); the server, the venv and the database are
# removed whatever happens.
#
#   .ci/client.sh                  # a free port is chosen
#   PORT=8801 .ci/client.sh
#   OPENAPI_PYTHON_CLIENT='openapi-python-client==0.29.1' .ci/client.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY="$PWD/.venv/bin/python"
GENERATOR="${OPENAPI_PYTHON_CLIENT:-openapi-python-client>=0.29,<0.30}"
BASE_PYTHON="${BASE_PYTHON:-python3}"

log() { printf '\n==> %s\n' "$*"; }

# shellcheck source=live_server.sh
source .ci/live_server.sh

PORT="${PORT:-$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
BASE="http://127.0.0.1:${PORT}"

# A database, media folder and cache of its own; tasks run eagerly; no rate limits; no .env surprises.
export DEBUG=1
export SECRET_KEY=client-ci-only
export DATABASE_URL="sqlite:///${WORK}/db.sqlite3"
export MEDIA_ROOT="${WORK}/media"
export CACHE_URL="locmemcache://"
export CELERY_BROKER_URL=""
export API_THROTTLE_ANON="" API_THROTTLE_USER="" API_THROTTLE_LOGIN=""
export LOG_LEVEL=WARNING

log "the schema, validated (manage.py spectacular --file)"
$PY manage.py spectacular --file "${WORK}/schema-file.yaml" --validate --fail-on-warn

log "migrate and seed a throwaway database (${WORK})"
$PY manage.py migrate --noinput --verbosity 0
$PY manage.py load_city cities/sapporo >/dev/null
$PY manage.py seed_demo >/dev/null

log "a ward's staff account with a password (the client obtains its own token)"
USERNAME=client-ci-staff
PASSWORD="$($PY -c 'import secrets; print(secrets.token_urlsafe(24))')"
CHONAIKAI_PASSWORD="$PASSWORD" $PY manage.py create_account "$USERNAME" --role ward_staff --ward 01101 >/dev/null

log "start the server on ${BASE}"
start_server
curl -fsS "${BASE}/api/v1/schema/?format=json" -o "${WORK}/schema.json"
$PY -c 'import json, sys; json.load(open(sys.argv[1]))' "${WORK}/schema.json" # JSON when asked

log "openapi-python-client in a throwaway virtualenv (${GENERATOR})"
"$BASE_PYTHON" -m venv "${WORK}/venv"
"${WORK}/venv/bin/pip" install --quiet --disable-pip-version-check "$GENERATOR"

log "generate a client from the served schema, with no configuration"
# No configuration file: the schema alone names the package, modules and classes. (The generator's
# ruff post-hook finds no ruff in that venv and says so; formatting is all it would do.)
(cd "$WORK" && "${WORK}/venv/bin/openapi-python-client" generate --path schema.json \
    --output-path client --meta setup) | tee "${WORK}/generate.log"
if grep -q "^Error" "${WORK}/generate.log"; then
    echo "openapi-python-client reported errors" >&2
    exit 1
fi

# Every module, class and function name ASCII (the schema's tags, operation ids and titles are).
if "$PY" - "${WORK}/client" <<'PYTHON'
import pathlib, re, sys
bad = [f"{p}: {m}" for p in pathlib.Path(sys.argv[1]).rglob("*.py")
       for m in re.findall(r"^\s*(?:class|def)\s+(\S*[^\x00-\x7f]\S*?)\s*[(:]", p.read_text(), re.M)]
bad += [str(p) for p in pathlib.Path(sys.argv[1]).rglob("*") if not p.name.isascii()]
print("\n".join(bad))
sys.exit(1 if bad else 0)
PYTHON
then :; else echo "the generated client has non-ASCII names (above)" >&2; exit 1; fi

log "install the generated client"
"${WORK}/venv/bin/pip" install --quiet --disable-pip-version-check "${WORK}/client"

log "token → associations → statistics → subsidy applications, with the generated client"
"${WORK}/venv/bin/python" - "$BASE" "$USERNAME" "$PASSWORD" <<'PYTHON'
import sys

from chonaikai_api_client import AuthenticatedClient, Client
from chonaikai_api_client.api.associations import associations_list
from chonaikai_api_client.api.auth import auth_token_obtain, auth_token_revoke_current
from chonaikai_api_client.api.stats import stats_membership
from chonaikai_api_client.api.subsidy_applications import (
    subsidy_applications_list,
    subsidy_applications_retrieve,
)
from chonaikai_api_client.models import (
    Application,
    MembershipStats,
    NewToken,
    PaginatedApplicationList,
    PaginatedAssociationList,
    TokenObtainInputRequest,
)
from chonaikai_api_client.models.stats_membership_level import StatsMembershipLevel

base, username, password = sys.argv[1:4]


def expect(value, kind, what):
    if not isinstance(value, kind):
        sys.exit(f"{what}: expected {kind.__name__}, got {value!r}")
    print(f"ok  {what}")
    return value


anonymous = Client(base_url=base, raise_on_unexpected_status=True)
new = expect(
    auth_token_obtain.sync(
        client=anonymous, body=TokenObtainInputRequest(username=username, password=password, name="client-ci")
    ),
    NewToken,
    "POST /api/v1/auth/token/ (password → token)",
)
client = AuthenticatedClient(base_url=base, token=new.token, prefix="Token", raise_on_unexpected_status=True)

associations = expect(associations_list.sync(client=client, page_size=20), PaginatedAssociationList, "associations")
if not associations.results or associations.count < 1:
    sys.exit("associations: the seeded associations are missing")
if not all(a.is_sample for a in associations.results):
    sys.exit("associations: seeded rows must carry is_sample")
print(f"    {associations.count} associations, first {associations.results[0].code}")

stats = expect(stats_membership.sync(client=client, level=StatsMembershipLevel.WARD), MembershipStats, "ward stats")
if len(stats.results) != 10 or not all(row.sample for row in stats.results):
    sys.exit("ward stats: ten wards, each flagged as sample data, expected")
public = expect(
    stats_membership.sync(client=anonymous, level=StatsMembershipLevel.CITY),
    MembershipStats,
    "city stats, anonymous",
)
print(f"    city rate {public.results[0].rate} % on {public.survey_date}")

applications = expect(
    subsidy_applications_list.sync(client=client, page_size=20), PaginatedApplicationList, "subsidy applications"
)
if not applications.results:
    sys.exit("subsidy applications: the seeded applications of 中央区 are missing")
first = expect(
    subsidy_applications_retrieve.sync(id=str(applications.results[0].id), client=client),
    Application,
    f"subsidy application {applications.results[0].id}",
)
print(f"    {applications.count} applications; {first.id}: {first.status}")

response = auth_token_revoke_current.sync_detailed(client=client)
if response.status_code != 204:
    sys.exit(f"revoke the token: {response.status_code}")
print("ok  DELETE /api/v1/auth/token/ (revoked)")
PYTHON

if grep -q "Internal Server Error" "${WORK}/server.log"; then
    log "server errors logged during the run:"
    grep -A30 "Internal Server Error" "${WORK}/server.log" | head -200 >&2
    exit 1
fi
log "generated client flow passed"
