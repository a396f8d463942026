// Sums test reports into one line: "N passed, M failed".
// Usage: node scripts/summarize-results.mjs REPORT...   (*.json = vitest JSON reporter, *.xml = JUnit, e.g. pytest)
// A missing or unreadable report counts as one failure, so a suite that did not run cannot pass
// silently. Skipped and todo tests count as failures (no test may be skipped).
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;

function vitest(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A test file that failed to load has no failing test of its own: count it as one failure.
  for (const result of report.testResults ?? []) {
    const failedTests = (result.assertionResults ?? []).filter((t) => t.status === 'failed').length;
    if (result.status === 'failed' && failedTests === 0) failed += 1;
  }
  failed += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (report.numTotalTests === 0) failed += 1;
}

function junit(file) {
  const xml = readFileSync(file, 'utf8');
  const suites = xml.match(/<testsuite\b[^>]*>/g) ?? [];
  let tests = 0;
  for (const suite of suites) {
    const attr = (name) => Number(suite.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
    const bad = attr('failures') + attr('errors');
    tests += attr('tests');
    passed += attr('tests') - bad - attr('skipped');
    failed += bad + attr('skipped');
  }
  if (tests === 0) failed += 1;
}

for (const file of process.argv.slice(2)) {
  try {
    if (!existsSync(file)) throw new Error('missing');
    if (file.endsWith('.json')) vitest(file);
    else if (file.endsWith('.xml')) junit(file);
    else throw new Error('unknown report type');
  } catch (err) {
    console.error(`report ${file}: ${err.message}`);
    failed += 1;
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
