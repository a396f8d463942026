import { Connection } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workPath } from '../src/harness/paths';
import { healthStatus, NOT_SERVING, SERVING } from '../src/harness/health';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/activities.ts');
/** Fills the file system holding `dir` to its last byte with a filler file; returns its path. */
function fillDisk(dir: string): string {
  const filler = join(dir, 'filler');
  const { bavail, bsize } = statfsSync(dir);
  const chunk = Buffer.alloc(1024 * 1024);
  let left = bavail * bsize;
  writeFileSync(filler, '');
  try {
    while (left > 0) {
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      writeFileSync(filler, piece, { flag: 'a' });
      left -= piece.length;
    }
  } catch {
    // ENOSPC: full.
  }
  return filler;
}

describe('start-dev recovers by itself from a full disk', () => {
  // A small tmpfs the test mounts (the suites run as root on a fresh machine, as CI does).
  const disk = workPath(`small-disk-${process.pid}`);
  beforeAll(() => {
    mkdirSync(disk, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', disk]);
  });
  afterAll(() => {
    execFileSync('umount', ['-l', disk]);
    rmSync(disk, { recursive: true, force: true });
  });

  it('answers UNAVAILABLE while the disk is full, reports NOT_SERVING, and serves again within seconds of space freed', async () => {
    // Kairos's own behaviour (the Temporal dev server answered UNAVAILABLE and served again 7 s after).
    const kairos = await startKairosDev({ kairosOnly: true, dbFile: join(disk, 'kairos.db') });
    const raw = await Connection.connect({ address: kairos.address, interceptors: [] });
    const taskQueue = `disk-full-${Date.now()}`;
    const start = (workflowId: string) =>
      raw.workflowService.startWorkflowExecution({
        namespace: 'default',
        workflowId,
        workflowType: { name: 'greetOne' },
        taskQueue: { name: taskQueue },
        requestId: workflowId,
        input: { payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(`"${'x'.repeat(4000)}"`) }] },
      });
    let filler: string | undefined;
    try {
      expect(await healthStatus(kairos.address)).toBe(SERVING);
      filler = fillDisk(disk);
      // Writes fail once SQLite cannot grow its files: a few starts may still fit in pages it has.
      let refused: { code?: number } | undefined;
      for (let i = 0; i < 200 && !refused; i++) {
        refused = await start(`disk-full-${i}-${Date.now()}`).then(
          () => undefined,
          (err: { code?: number }) => err,
        );
      }
      expect(refused?.code).toBe(14); // UNAVAILABLE
      let sawNotServing = false;
      for (let i = 0; i < 15 && !sawNotServing; i++) {
        sawNotServing = (await healthStatus(kairos.address)) === NOT_SERVING;
        if (!sawNotServing) await new Promise((r) => setTimeout(r, 500));
      }
      expect(sawNotServing).toBe(true);

      rmSync(filler);
      filler = undefined;
      const freedAt = Date.now();
      const healedBy = freedAt + 10_000;
      let status: number | undefined;
      while ((status = await healthStatus(kairos.address)) !== SERVING && Date.now() < healedBy) await new Promise((r) => setTimeout(r, 250));
      expect(status).toBe(SERVING);
      console.log(`serving again ${Date.now() - freedAt} ms after space was freed`);
      const result = await withWorker({ address: kairos.address, taskQueue, workflowsPath, activities: { greet: async (name: string) => `hello ${name}` } }, async (client) =>
        client.workflow.execute('greetOne', { taskQueue, workflowId: `disk-freed-${Date.now()}`, args: ['again'] }),
      );
      expect(result).toBe('hello again');
      // The log says when background checkpoints failed, and that they work again.
      const log = () => readFileSync(kairos.processes[0]!.logFile, 'utf8');
      if (log().includes('background WAL checkpoint failed')) {
        const until = Date.now() + 10_000;
        while (!log().includes('background WAL checkpoints work again') && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
        expect(log()).toContain('background WAL checkpoints work again');
      }
    } finally {
      if (filler) rmSync(filler, { force: true });
      await raw.close();
      await kairos.stop();
    }
  });
});
