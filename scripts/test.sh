#!/usr/bin/env bash
# Command two: set everything up, run every suite (unit, conformance, TypeScript end-to-end with the
# differential oracle, Python end-to-end), and end with one line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

mkdir -p test/.work
rm -f test/.work/vitest.json test/.work/pytest.xml

echo "== TypeScript suites (vitest: libs, services, test/e2e)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test/.work/vitest.json
vitest_status=$?

echo "== Python suite (pytest, official temporalio SDK)"
(cd test/python && ../.venv/bin/python -m pytest -q --junitxml=../.work/pytest.xml)
pytest_status=$?

node scripts/summarize-results.mjs test/.work/vitest.json test/.work/pytest.xml
summary_status=$?
if [ $vitest_status -ne 0 ] || [ $pytest_status -ne 0 ] || [ $summary_status -ne 0 ]; then exit 1; fi
