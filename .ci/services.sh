#!/usr/bin/env bash
# Start or stop PostgreSQL and Redis on 127.0.0.1 for the second test pass.
# PostgreSQL refuses to run as root, so it runs as the `postgres` user (STACK.md).
set -euo pipefail
STATE=${CI_SERVICES_DIR:-/tmp/peerless-ci-services}
PG_PORT=${PG_PORT:-54329}
REDIS_PORT=${REDIS_PORT:-6390}

start() {
  if ! command -v redis-server >/dev/null || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql redis-server >/dev/null
  fi
  local bin; bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  stop  # a previous run's servers (same ports, same state folder)
  rm -rf "$STATE"; mkdir -p "$STATE/pgdata" "$STATE/run"
  chown -R postgres "$STATE"
  runuser -u postgres -- "$bin/initdb" -D "$STATE/pgdata" -U postgres --auth=trust -E UTF8 >/dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$STATE/pgdata" -l "$STATE/run/pg.log" -w start \
    -o "-p $PG_PORT -k $STATE/run -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$STATE/run/redis.pid" --logfile "$STATE/run/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"
}

stop() {
  local bin; bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)" 2>/dev/null || true)
  [ -d "$STATE/pgdata" ] && runuser -u postgres -- "$bin/pg_ctl" -D "$STATE/pgdata" -m fast stop >/dev/null 2>&1 || true
  [ -f "$STATE/run/redis.pid" ] && kill "$(cat "$STATE/run/redis.pid")" 2>/dev/null || true
}

"$@"
