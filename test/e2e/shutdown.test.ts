import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { startKairosDev } from '../src/harness/servers';

describe('graceful shutdown', () => {
  it('answers a waiting poll empty (not an error) on SIGTERM and exits cleanly', async () => {
    // Kairos's own behaviour (Temporal's dev server drops the connection instead).
    const kairos = await startKairosDev({ kairosOnly: true });
    const connection = await Connection.connect({ address: kairos.address });
    try {
      const poll = connection.withDeadline(Date.now() + 60_000, () =>
        connection.workflowService.pollWorkflowTaskQueue({
          namespace: 'default',
          taskQueue: { name: `shutdown-${Date.now()}` },
          identity: 'shutdown-test',
        }),
      );
      // Let the poll reach the server and start waiting.
      await new Promise((r) => setTimeout(r, 500));
      const proc = kairos.processes[0]!;
      const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
      proc.child.kill('SIGTERM');
      const response = await poll;
      expect(response.taskToken?.length ?? 0).toBe(0);
      expect(response.workflowExecution).toBeFalsy();
      expect(await exited).toBe(0);
      expect(proc.tail()).toContain('stopped');
    } finally {
      await connection.close();
      await kairos.stop();
    }
  });
});
