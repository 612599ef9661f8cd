#!/usr/bin/env bash
# Regenerate the TypeScript client's generated files from the live OpenAPI document:
#   openapi.json        the document, dumped without a server (scripts/dump_openapi.py)
#   src/schema.d.ts     its types, by openapi-typescript (the version pinned in package-lock.json)
#
#   generate.sh          rewrite both in clients/typescript (`make client`)
#   generate.sh --check  generate into a temporary directory and fail if the committed files differ
#                        (`make client-check`, run by CI)
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
GENERATED=(openapi.json src/schema.d.ts)

[ -d "$HERE/node_modules" ] || (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)

generate_into() {  # $1: a directory that gets openapi.json and src/schema.d.ts
  mkdir -p "$1/src"
  # A clean environment: DATABASE_URL, REDIS_URL and friends must not change the document.
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" PEERLESS_ENV=testing "$PY" "$HERE/scripts/dump_openapi.py" "$1/openapi.json"
  (cd "$HERE" && node_modules/.bin/openapi-typescript "$1/openapi.json" -o "$1/src/schema.d.ts" --silent)
}

if [ "${1:-}" != "--check" ]; then
  generate_into "$HERE"
  echo "regenerated clients/typescript/{openapi.json,src/schema.d.ts}"
  exit 0
fi

fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
generate_into "$fresh"
stale=()
for file in "${GENERATED[@]}"; do
  cmp -s "$fresh/$file" "$HERE/$file" || stale+=("clients/typescript/$file")
done
if [ ${#stale[@]} -gt 0 ]; then
  echo "The committed TypeScript client is stale: the API changed but these files were not regenerated:" >&2
  printf '  %s\n' "${stale[@]}" >&2
  diff -u "$HERE/openapi.json" "$fresh/openapi.json" | head -40 >&2 || true
  echo "Run \`make client\` and commit the result." >&2
  exit 1
fi
echo "clients/typescript is up to date with the OpenAPI document"
