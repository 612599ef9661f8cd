#!/usr/bin/env bash
# Run the TypeScript client's tests against a live API on 127.0.0.1 (`make client-test` runs this via ci.sh).
#
# Starts the API as it is deployed (gunicorn with api/gunicorn_config.py: gthread, WebSockets through
# simple-websocket) on a free port, in production mode with a throwaway secret, waits for /healthz,
# runs `npm test` with PEERLESS_URL set, and stops the server however the run ends.
#
#   DATABASE_URL unset  a fresh SQLite file in a temporary directory, migrated first
#   DATABASE_URL set    used as it is (CI: PostgreSQL), migrated first; REDIS_URL, when set, carries
#                       Socket.IO between processes exactly as in production
#
# Access tokens live ACCESS_TOKEN_SECONDS (8 s here, not 15 min) so that the journey really sees
# tokens expire: 401 token_expired, a refresh, a socket dropped by the server and reconnected.
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV_BIN="${VENV_BIN:-$ROOT/.venv/bin}"
ACCESS_SECONDS="${JOURNEY_ACCESS_TOKEN_SECONDS:-8}"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$("$VENV_BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$work/journey.db}"
export PEERLESS_ENV=production
export JWT_SECRET_KEY="$("$VENV_BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')"
export ACCESS_TOKEN_SECONDS="$ACCESS_SECONDS"
export REALTIME_SWEEP_SECONDS=1           # an expired socket is dropped within a second, not five
export PASSWORD_HASH_PROFILE=cheapest     # registration speed is not under test
# Rate limits stay on, but counted in this process: a Redis shared with earlier CI steps may hold
# their counters for 127.0.0.1.
export RATELIMIT_STORAGE_URI="memory://"
export PUSH_WORKER_IN_PROCESS=false
export PYTHONDONTWRITEBYTECODE=1
unset FLASK_DEBUG

cd "$ROOT"
echo "run-journey: migrating ${DATABASE_URL%%:*} database"
PEERLESS_ENV=development timeout 120 "$VENV_BIN/flask" --app wsgi db upgrade >"$work/migrate.log" 2>&1 \
  || { cat "$work/migrate.log" >&2; exit 1; }

BIND="127.0.0.1:$port" GUNICORN_THREADS=20 GUNICORN_GRACEFUL_TIMEOUT=3 \
  "$VENV_BIN/gunicorn" -c "$ROOT/api/gunicorn_config.py" wsgi:app >"$work/server.log" 2>&1 &
server_pid=$!

url="http://127.0.0.1:$port"
for _ in $(seq 1 150); do  # up to 30 s
  if curl -fsS -m 2 "$url/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run-journey: the API exited before answering /healthz" >&2; cat "$work/server.log" >&2; exit 1
  fi
  sleep 0.2
done
curl -fsS -m 2 "$url/healthz" >/dev/null || { echo "run-journey: no /healthz in 30 s" >&2; tail -50 "$work/server.log" >&2; exit 1; }
echo "run-journey: API on $url (${DATABASE_URL%%:*}${REDIS_URL:+ + Redis}, access tokens ${ACCESS_SECONDS}s)"

cd "$HERE"
status=0
PEERLESS_URL="$url" PEERLESS_ACCESS_TOKEN_SECONDS="$ACCESS_SECONDS" timeout 180 npm test --silent || status=$?
if [ "$status" -ne 0 ]; then
  echo "run-journey: tests failed ($status); the API's log:" >&2
  tail -80 "$work/server.log" >&2
fi
exit "$status"
