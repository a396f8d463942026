#!/usr/bin/env bash
# Installs the official Temporal Web UI server that `kairos server start-dev` runs beside itself
# (as `temporal server start-dev` does) into .tools/bin/temporal-ui-server (gitignored).
# Idempotent: built only when missing or at another version. The UI server is the Go module
# github.com/temporalio/ui-server/v2 (its web assets are embedded), built with `go install` from the
# Go module proxy; v2.54.1 is the version the official CLI 1.9.1 embeds and the newest that builds
# with the Go of this machine. Without Go, or when the build fails, start-dev runs without a UI
# and says why.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=$PWD/.tools
BIN=$TOOLS/bin
UI_SERVER_VERSION=v2.54.1
stamp_file=$TOOLS/.temporal-ui-server.version

if [ -x "$BIN/temporal-ui-server" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$UI_SERVER_VERSION" ]; then
  exit 0
fi
GO=$(command -v go || true)
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || { echo "setup-ui: go not found (PATH, /usr/local/go/bin): the Web UI server cannot be built" >&2; exit 1; }
echo "setup-ui: building the Temporal Web UI server $UI_SERVER_VERSION (go install; about a minute the first time)"
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
# The machine's own Go: never fetch another toolchain behind our back.
GOBIN="$build" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false "$GO" install "github.com/temporalio/ui-server/v2/cmd/server@$UI_SERVER_VERSION"
mkdir -p "$BIN"
mv "$build/server" "$BIN/temporal-ui-server"
echo "$UI_SERVER_VERSION" >"$stamp_file"
