import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, workPath } from '../src/harness/paths';

const run = promisify(execFile);

describe('benchmark harness smoke run (correctness only, no thresholds)', () => {
  it('runs workloads A-D side by side on Kairos and the Temporal dev server, checking every result and history', async () => {
    const json = workPath(`bench-smoke-${process.pid}.json`);
    await run(
      process.execPath,
      [join(REPO_ROOT, 'bench/dist/main.js'), '--side-by-side', '--workload', 'A,B,C,D', '--workflows', '4', '--concurrency', '2', '--history-sample', '4', '--json', json],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const report = JSON.parse(readFileSync(json, 'utf8')) as { runs: Array<{ server: string; report: { workload: string; checkedHistories: number; workflowsPerSecond: number } }> };
    expect(report.runs.map((r) => `${r.server}:${r.report.workload}`).sort()).toEqual(
      ['A', 'B', 'C', 'D'].flatMap((w) => [`kairos:${w}`, `temporal:${w}`]).sort(),
    );
    for (const { report: r } of report.runs) {
      expect(r.checkedHistories).toBe(4);
      expect(r.workflowsPerSecond).toBeGreaterThan(0);
    }
  });
});
