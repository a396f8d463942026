import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { startKairosDev } from '../src/harness/servers';

describe('graceful shutdown', () => {
  it('answers waiting polls empty (not an error) on SIGTERM and exits cleanly', async () => {
    // Kairos's own behaviour (Temporal's dev server drops the connection instead).
    const kairos = await startKairosDev({ kairosOnly: true });
    const connection = await Connection.connect({ address: kairos.address });
    try {
      // Many at once, as a worker's pollers are: each listens for the shutdown while it waits.
      const polls = Array.from({ length: 30 }, (_, i) =>
        connection.withDeadline(Date.now() + 60_000, () =>
          connection.workflowService.pollWorkflowTaskQueue({
            namespace: 'default',
            taskQueue: { name: `shutdown-${i}-${Date.now()}` },
            identity: 'shutdown-test',
          }),
        ),
      );
      // Let the polls reach the server and start waiting.
      await new Promise((r) => setTimeout(r, 500));
      const proc = kairos.processes[0]!;
      const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
      proc.child.kill('SIGTERM');
      for (const response of await Promise.all(polls)) {
        expect(response.taskToken?.length ?? 0).toBe(0);
        expect(response.workflowExecution).toBeFalsy();
      }
      expect(await exited).toBe(0);
      const log = proc.tail(500);
      expect(log).toContain('stopped');
      expect(log).not.toContain('MaxListenersExceededWarning');
    } finally {
      await connection.close();
      await kairos.stop();
    }
  });

  it('ShutdownWorker answers that worker’s waiting polls empty at once, and only that worker’s', async () => {
    // Kairos's own behaviour check (the namespace advertises workerPollCompleteOnShutdown).
    const kairos = await startKairosDev({ kairosOnly: true });
    const connection = await Connection.connect({ address: kairos.address });
    const service = connection.workflowService;
    const taskQueue = `shutdown-worker-${Date.now()}`;
    try {
      const described = await service.describeNamespace({ namespace: 'default' });
      expect(described.namespaceInfo?.capabilities?.workerPollCompleteOnShutdown).toBe(true);
      const settled: string[] = [];
      const poll = (key: string) =>
        connection
          .withDeadline(Date.now() + 60_000, () => service.pollActivityTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, identity: key, workerInstanceKey: key }))
          .then((response) => {
            settled.push(key);
            return response;
          });
      const leaving = poll('leaving-worker');
      // (ends with the connection below; it must not have been answered by the shutdown)
      poll('staying-worker').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500)); // both polls are waiting
      await service.shutdownWorker({ namespace: 'default', identity: 'leaving-worker', workerInstanceKey: 'leaving-worker', taskQueue, taskQueueTypes: [] });
      const response = await leaving;
      expect(response.taskToken?.length ?? 0).toBe(0);
      expect(settled).toEqual(['leaving-worker']);
    } finally {
      await connection.close();
      await kairos.stop();
    }
  });
});
