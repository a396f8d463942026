// Sums the vitest JSON report and the pytest JUnit report into one line: "N passed, M failed".
// A missing report counts as one failure, so a suite that did not run cannot pass silently.
import { existsSync, readFileSync } from 'node:fs';

const [vitestJson, pytestXml] = process.argv.slice(2);
let passed = 0;
let failed = 0;

if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A test file that failed to load has no failing test of its own: count it as one failure.
  for (const file of report.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed').length;
    if (file.status === 'failed' && failedTests === 0) failed += 1;
  }
  // Skipped or todo tests are unfinished work: they count as failures, as pytest's skips do.
  failed += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (report.numTotalTests === 0) failed += 1;
} else {
  console.error(`missing ${vitestJson}`);
  failed += 1;
}

if (existsSync(pytestXml)) {
  const xml = readFileSync(pytestXml, 'utf8');
  const suite = xml.match(/<testsuite\b[^>]*>/)?.[0] ?? '';
  const attr = (name) => Number(suite.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
  const tests = attr('tests');
  const bad = attr('failures') + attr('errors');
  passed += tests - bad - attr('skipped');
  failed += bad + attr('skipped');
  if (tests === 0) failed += 1;
} else {
  console.error(`missing ${pytestXml}`);
  failed += 1;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
