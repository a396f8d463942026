#!/usr/bin/env bash
# Command one: install and build if needed, then run the Kairos dev server on 127.0.0.1:7233
# (SQLite in the user's data directory; extra flags are passed to `kairos server start-dev`).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
if [ ! -f services/kairos/dist/main.js ] || [ -n "$(find services libs proto -newer services/kairos/dist/main.js \( -name '*.ts' -o -name '*.proto' \) -not -path '*/dist/*' -not -path '*/generated/*' -print -quit)" ]; then
  npx turbo run build --output-logs=errors-only
fi
exec node services/kairos/dist/main.js server start-dev "$@"
