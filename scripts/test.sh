#!/usr/bin/env bash
# Command two: set everything up, run every suite, and end with one line "N passed, M failed".
#   1. unit and conformance suites of libs/ and services/ (vitest, root config, every project but e2e)
#   2. end-to-end suites in test/e2e (vitest with test/vitest.config.mts: one file at a time), which
#      drive the official TypeScript SDK against Kairos and, through the differential oracle,
#      against the real Temporal dev server
#   3. the Python suite in test/python (pytest, official temporalio SDK, same oracle)
#   4. the lint (`npm run lint`: every package and its tests type-checked, ESLint with the
#      package-contract rules)
# Env: KAIROS_ORACLE=off runs without the real Temporal dev server (no comparison). Nothing else
# skips anything.
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

if ! bash scripts/setup.sh; then
  echo "setup failed"
  echo "0 passed, 1 failed"
  exit 1
fi

mkdir -p test/.work
reports=(test/.work/vitest-unit.json test/.work/vitest-e2e.json test/.work/pytest.xml test/.work/lint.xml)
rm -f "${reports[@]}"
status=0

echo "== Unit and conformance suites (vitest: libs/*, services/*)"
npx vitest run --project '!e2e' --reporter=default --reporter=json --outputFile.json=test/.work/vitest-unit.json || status=1

echo "== End-to-end suites (vitest: test/e2e, official TypeScript SDK, differential oracle)"
(cd test && npx vitest run --reporter=default --reporter=json --outputFile.json=.work/vitest-e2e.json) || status=1

echo "== Python suite (pytest: test/python, official temporalio SDK, differential oracle)"
(cd test/python && ../.venv/bin/python -m pytest -q -p no:cacheprovider --junitxml=../.work/pytest.xml) || status=1

echo "== Lint (type-check of every package with its tests, ESLint)"
node scripts/lint.mjs --junit test/.work/lint.xml || status=1

node scripts/summarize-results.mjs "${reports[@]}" || status=1
exit $status
