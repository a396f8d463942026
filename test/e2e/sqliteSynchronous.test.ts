import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KAIROS_MAIN, workPath } from '../src/harness/paths';
import { freePort } from '../src/harness/ports';
import { hasExited, spawnManaged, type ManagedProcess } from '../src/harness/processes';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/activities.ts');

/**
 * The pragmas of the server's own SQLite connection, from its `store opened` line: the server
 * reads each one back from that connection after setting it (synchronous is per connection, so
 * no other connection could tell).
 */
async function storePragmas(proc: ManagedProcess): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    // The log file appears with the process's first write; a line may be caught half written.
    const text = existsSync(proc.logFile) ? readFileSync(proc.logFile, 'utf8') : '';
    for (const line of text.split('\n').slice(0, -1)) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; pragmas?: Record<string, unknown> };
      if (entry.msg === 'store opened' && entry.pragmas) return entry.pragmas;
    }
    if (hasExited(proc)) throw new Error(`${proc.name} exited before opening its store:\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no "store opened" line in ${proc.logFile}`);
}

/** One `kairos server start --service history` on a SQLite file (NATS absent: only the store matters here). */
async function historyProcess(flags: string[]): Promise<ManagedProcess> {
  const [port, natsPort] = [await freePort(), await freePort()];
  return spawnManaged(
    `history-synchronous-${port}`,
    process.execPath,
    [KAIROS_MAIN, 'server', 'start', '--service', 'history', '--port', String(port), '--db-filename', workPath(`synchronous-${port}.db`), '--nats-url', `nats://127.0.0.1:${natsPort}`, ...flags],
    workPath(`synchronous-history-${port}.log`),
  );
}

describe('SQLite durability (synchronous) by command', () => {
  // Kairos's own setting: FULL where a process serves in production, NORMAL for start-dev.
  it('start-dev runs synchronous=NORMAL by default, FULL when asked (Temporal’s --sqlite-pragma form too), and serves on it', async () => {
    const normal = await startKairosDev({ kairosOnly: true });
    try {
      expect(await storePragmas(normal.processes[0]!)).toMatchObject({ journal_mode: 'WAL', synchronous: 'NORMAL' });
    } finally {
      await normal.stop();
    }
    const full = await startKairosDev({ kairosOnly: true, extraArgs: ['--sqlite-pragma', 'synchronous=FULL'] });
    try {
      const proc = full.processes[0]!;
      expect(await storePragmas(proc)).toMatchObject({ journal_mode: 'WAL', synchronous: 'FULL' });
      // The start-up banner says so too.
      expect(readFileSync(proc.logFile, 'utf8')).toMatch(/settings: .*synchronous=FULL/);
      const taskQueue = `synchronous-full-${Date.now()}`;
      const result = await withWorker({ address: full.address, taskQueue, workflowsPath, activities: { greet: async (name: string) => `hello ${name}` } }, async (client) =>
        client.workflow.execute('greetOne', { taskQueue, workflowId: `synchronous-full-${Date.now()}`, args: ['fsync'] }),
      );
      expect(result).toBe('hello fsync');
    } finally {
      await full.stop();
    }
  });

  it('server start runs synchronous=FULL by default and NORMAL when asked', async () => {
    const byDefault = await historyProcess([]);
    try {
      expect(await storePragmas(byDefault)).toMatchObject({ journal_mode: 'WAL', synchronous: 'FULL' });
    } finally {
      await byDefault.kill();
    }
    const asked = await historyProcess(['--sqlite-synchronous', 'normal']);
    try {
      expect(await storePragmas(asked)).toMatchObject({ journal_mode: 'WAL', synchronous: 'NORMAL' });
    } finally {
      await asked.kill();
    }
  });
});
