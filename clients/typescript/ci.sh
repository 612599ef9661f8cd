#!/usr/bin/env bash
# The TypeScript client's CI (`make client-test`): generated files current, types check, tests pass
# against a live API (scripts/run-journey.sh; honours DATABASE_URL and REDIS_URL when set).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# The Makefile passes PYTHON relative to the repository root: make it absolute before leaving it.
PYTHON="${PYTHON:-.venv/bin/python}"
case "$PYTHON" in /*) ;; */*) PYTHON="$ROOT/$PYTHON" ;; esac  # (not realpath: a venv's python is a symlink)
cd "$HERE"

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "client-test: generated files match the OpenAPI document"
PYTHON="$PYTHON" bash scripts/generate.sh --check

echo "client-test: typecheck"
npm run --silent typecheck

echo "client-test: unit and journey tests against a live API"
bash scripts/run-journey.sh
