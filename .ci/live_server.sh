# Sourced by .ci/schemathesis.sh and .ci/client.sh: a throwaway work folder and the development
# server on 127.0.0.1:$PORT, both removed on exit whatever happens. Needs PY, PORT and BASE.

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Start the server and wait until it serves the API schema; its log is ${WORK}/server.log.
start_server() {
    # Another server on the port would answer in our place (with another database): refuse to guess.
    if curl -s -o /dev/null --max-time 2 "${BASE}/"; then
        echo "Port ${PORT} is already in use; run with PORT=<free port> $0" >&2
        exit 2
    fi
    $PY manage.py runserver "127.0.0.1:${PORT}" --noreload >"${WORK}/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 60); do
        if curl -fs -o /dev/null "${BASE}/api/v1/schema/"; then return 0; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "${WORK}/server.log" >&2; exit 1; fi
        sleep 1
    done
    echo "the server did not answer on ${BASE} within 60 s" >&2
    cat "${WORK}/server.log" >&2
    exit 1
}
