import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, memoryMiB } from '../procStats';
import { freePort } from '../servers';
import { launchKairosDev, launchTemporalDev, type LaunchedServer } from './launch';

export interface ColdStartReport {
  server: 'kairos' | 'temporal';
  /** Launch → first DescribeNamespace('default') answered, each run, ms. */
  freshDbMs: number[];
  existingDbMs: number[];
  medianFreshMs: number;
  medianExistingMs: number;
  /** RSS right after serving on an existing database (median). */
  rssMiB: number;
  /**
   * CPU the server used from launch to serving on an existing database (median, ms): unlike the
   * wall time, it hardly depends on what else the machine runs.
   */
  cpuMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function launcher(server: 'kairos' | 'temporal', db: string, workDir: string): Promise<LaunchedServer> {
  const port = await freePort();
  if (server === 'kairos') return launchKairosDev(db, port, join(workDir, 'server.log'));
  return launchTemporalDev(db, { grpc: port, http: await freePort(), metrics: await freePort(), ui: await freePort() }, join(workDir, 'server.log'));
}

/**
 * Goal 7: start-dev from launch to serving, on a fresh database file (a new one each run) and on
 * an existing one (the file the first fresh run made), `runs` times each, one server at a time.
 */
export async function coldStart(servers: Array<'kairos' | 'temporal'>, runs: number): Promise<ColdStartReport[]> {
  const reports: ColdStartReport[] = [];
  for (const server of servers) {
    const workDir = mkdtempSync(join(tmpdir(), `state-scale-cold-${server}-`));
    try {
      const fresh: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = await launcher(server, join(workDir, `fresh-${i}.db`), workDir);
        fresh.push(s.servingMs);
        await s.stop();
      }
      const existing: number[] = [];
      const rss: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = await launcher(server, join(workDir, 'fresh-0.db'), workDir);
        existing.push(s.servingMs);
        rss.push(memoryMiB(s.pid).rss);
        cpu.push(cpuSeconds(s.pid) * 1000);
        await s.stop();
      }
      reports.push({ server, freshDbMs: fresh, existingDbMs: existing, medianFreshMs: median(fresh), medianExistingMs: median(existing), rssMiB: Math.round(median(rss)), cpuMs: Math.round(median(cpu)) });
      process.stderr.write(`${server}: ${JSON.stringify(reports[reports.length - 1])}\n`);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  return reports;
}
