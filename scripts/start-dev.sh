#!/usr/bin/env bash
# Command one: install and build when needed, then run the Kairos dev server on 127.0.0.1:7233
# (all three services in one process; SQLite in the user's data directory; the `default`
# namespace), with the Temporal Web UI on 127.0.0.1:8233. Extra flags go to `kairos server start-dev`, e.g. --in-memory, --db-filename FILE,
# --port P, --namespace NAME, --log-level debug.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

npm_locked() {
  if command -v flock >/dev/null 2>&1; then flock /tmp/kairos-npm.lock npm "$@"; else npm "$@"; fi
}
if [ ! -d node_modules ]; then
  npm_locked ci --no-audit --no-fund
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm_locked install --no-audit --no-fund
fi
# Build when there is no build yet or a source, proto or package file is newer than it.
if [ ! -f services/kairos/dist/main.js ] || [ -n "$(find services libs proto -newer services/kairos/dist/main.js \
    \( -name '*.ts' -o -name '*.proto' -o -name 'package.json' \) -not -path '*/node_modules/*' -not -path '*/dist/*' \
    -not -path '*/generated/*' -not -path '*/.staging/*' -print -quit)" ]; then
  npx turbo run build --output-logs=errors-only >&2
fi
# The official Temporal Web UI beside it (as `temporal server start-dev`); without Go the server
# still starts, headless, and its banner says why.
bash scripts/setup-ui.sh >&2 || echo "start-dev: the Web UI server could not be built; starting without it" >&2
exec node --max-semi-space-size=32 services/kairos/dist/main.js server start-dev "$@"
