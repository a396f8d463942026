import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { TimerTask, TimerTaskKind } from '@kairos/proto/kairos/persistence/v1/executions';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};

describe('a run that closes leaves no pending timeouts behind (Kairos store)', () => {
  it('deletes its workflow-task, activity and run timeouts in the closing write: only its retention timer stays', async () => {
    const kairos = await startKairosDev({ kairosOnly: true });
    try {
      const taskQueue = `closed-run-timers-${Date.now()}`;
      // Each run arms a run timeout (1 h), workflow task timeouts (10 s) and an activity
      // start-to-close timeout (10 s); it completes within a second, long before any fires.
      const runIds = await withWorker({ address: kairos.address, taskQueue, workflowsPath, activities }, async (client) => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const handle = await client.workflow.start('greetOne', { taskQueue, workflowId: `${taskQueue}-${i}`, args: ['timers'], workflowRunTimeout: '1h' });
          expect(await handle.result()).toBe('Hello, timers!');
          ids.push(handle.firstExecutionRunId);
        }
        return ids;
      });
      const db = new Database(kairos.dbFile, { readonly: true, fileMustExist: true });
      try {
        const timers = (db.prepare('SELECT data FROM timer_tasks').all() as Array<{ data: Buffer }>).map((row) => TimerTask.decode(row.data));
        const ofTheseRuns = timers.filter((timer) => runIds.includes(timer.runId));
        expect(ofTheseRuns.map((timer) => [timer.runId, TimerTaskKind[timer.kind]]).sort()).toEqual(
          runIds.map((runId) => [runId, 'TIMER_TASK_KIND_DELETE_CLOSED_RUN']).sort(),
        );
      } finally {
        db.close();
      }
    } finally {
      await kairos.stop();
    }
  });
});
