// `npm run lint`: every package type-checked with its tests (turbo `lint`), then ESLint over the
// monorepo (package contracts: no dist/ imports, no cycles). With --junit FILE it also writes a
// JUnit report (one test per step) for scripts/test.sh's summary line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const steps = [
  { name: 'type-check every package and its tests', command: 'npx', args: ['turbo', 'run', 'lint', '--output-logs=errors-only'] },
  { name: 'eslint', command: 'npx', args: ['eslint', '--max-warnings', '0', '.'] },
];
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const results = steps.map((step) => {
  const run = spawnSync(step.command, step.args, { stdio: 'inherit', env });
  return { ...step, ok: run.status === 0 };
});

const junitAt = process.argv.indexOf('--junit');
if (junitAt > 0) {
  const file = process.argv[junitAt + 1];
  const failures = results.filter((r) => !r.ok).length;
  const cases = results
    .map((r) => `  <testcase classname="lint" name="${r.name}">${r.ok ? '' : '<failure message="failed"/>'}</testcase>`)
    .join('\n');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `<?xml version="1.0"?>\n<testsuite name="lint" tests="${results.length}" failures="${failures}" errors="0" skipped="0">\n${cases}\n</testsuite>\n`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
