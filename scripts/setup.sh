#!/usr/bin/env bash
# Installs and builds everything Kairos and its test suites need, on a fresh machine or a warm one.
# Idempotent: each step is skipped when its result is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

need_apt=()
command -v nats-server >/dev/null 2>&1 || need_apt+=(nats-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund
fi

echo "setup: generating protos and building (turbo)"
npx turbo run build --output-logs=errors-only

VENV=test/.venv
if [ ! -x "$VENV/bin/python" ] || ! cmp -s test/python/requirements.txt "$VENV/.requirements"; then
  echo "setup: creating the Python venv with the official SDK and Temporal CLI"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r test/python/requirements.txt
  cp test/python/requirements.txt "$VENV/.requirements"
fi
echo "setup: done"
