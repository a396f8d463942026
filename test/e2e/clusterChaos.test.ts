import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { startPostgresCluster, type PostgresCluster } from '../src/harness/cluster';
import { eventTypes, withWorker } from '../src/harness/sdk';
import { sleep, until, untilAsync } from '../src/harness/waiting';

const workflowsPath = require.resolve('../workflows/chaos.ts');
const scheduleWorkflowsPath = require.resolve('../workflows/schedules.ts');
const SCHEDULES = 20;
const SCHEDULE_INTERVAL_MS = 2000;
const WORKFLOWS = 500;
/** Workflows started while a history instance is frozen, after its lease (`cluster.shardLease`) ran out. */
const LATE_WAVE = 50;
const SHARD_LEASE_MS = 10_000;
/** The freeze ends when the late wave is done, or after this (a failure). */
const MAX_FREEZE_MS = 60_000;

/** Event types a history of `threeSteps` may hold: instances dying may time out workflow tasks, never more. */
const ALLOWED = new Set([
  'WorkflowExecutionStarted',
  'WorkflowTaskScheduled',
  'WorkflowTaskStarted',
  'WorkflowTaskCompleted',
  'WorkflowTaskTimedOut',
  'WorkflowTaskFailed',
  'ActivityTaskScheduled',
  'ActivityTaskStarted',
  'ActivityTaskCompleted',
  'WorkflowExecutionCompleted',
]);

/** Checks one history event by event; returns what is wrong, or nothing. */
function historyProblems(history: temporal.api.history.v1.IHistory): string[] {
  const events = history.events ?? [];
  const types = eventTypes(history);
  const problems: string[] = [];
  events.forEach((e, i) => {
    if (Number(e.eventId) !== i + 1) problems.push(`event ${i + 1} has id ${e.eventId}`);
  });
  for (const t of types) if (!ALLOWED.has(t)) problems.push(`unexpected ${t}`);
  const count = (t: string) => types.filter((x) => x === t).length;
  if (types[0] !== 'WorkflowExecutionStarted' || count('WorkflowExecutionStarted') !== 1) problems.push('not started exactly once');
  if (types[types.length - 1] !== 'WorkflowExecutionCompleted' || count('WorkflowExecutionCompleted') !== 1) problems.push('not completed exactly once, last');
  for (const t of ['ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCompleted']) {
    if (count(t) !== 3) problems.push(`${count(t)} ${t}`);
  }
  // Each activity closes once, in order, referring to its own scheduled event.
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => Number(e.eventId));
  const completedFor = events.filter((e) => e.activityTaskCompletedEventAttributes).map((e) => Number(e.activityTaskCompletedEventAttributes!.scheduledEventId));
  if (JSON.stringify(scheduled) !== JSON.stringify(completedFor)) problems.push(`activities scheduled ${scheduled} completed for ${completedFor}`);
  // Every workflow task that was scheduled is closed before the next is scheduled.
  let open = 0;
  for (const t of types) {
    if (t === 'WorkflowTaskScheduled') open++;
    if (t === 'WorkflowTaskCompleted' || t === 'WorkflowTaskTimedOut' || t === 'WorkflowTaskFailed') open--;
    if (open < 0 || open > 1) problems.push(`workflow tasks out of order at ${t}`);
  }
  return problems;
}

describe('chaos: a PostgreSQL cluster of 1 frontend, 2 history and 2 matching processes with nats-server', () => {
  let cluster: PostgresCluster;

  beforeAll(async () => {
    cluster = await startPostgresCluster({ frontend: 1, history: 2, matching: 2 });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it(
    `completes ${WORKFLOWS} workflows of 3 activities exactly while instances are killed, restarted and paused past their lease, and keeps completing new ones during the pause`,
    async () => {
      const taskQueue = `chaos-${Date.now()}`;
      const executed = new Set<string>();
      const activities = {
        step: async (workflowNumber: number, step: number) => {
          executed.add(`${workflowNumber}:${step}`);
          return `wf${workflowNumber}-step${step}`;
        },
      };
      const [history0, history1] = cluster.of('history');
      const [matching0] = cluster.of('matching');
      const chaos: string[] = [];

      const results = await withWorker({ address: cluster.address, taskQueue, workflowsPath, activities }, async (client) => {
        const handles = [];
        for (let first = 0; first < WORKFLOWS; first += 50) {
          const batch = Array.from({ length: Math.min(50, WORKFLOWS - first) }, (_, k) => first + k);
          handles.push(
            ...(await Promise.all(batch.map((n) => client.workflow.start('threeSteps', { taskQueue, workflowId: `${taskQueue}-${n}`, args: [n] })))),
          );
        }
        const all = Promise.all(handles.map((h) => h.result() as Promise<string[]>));

        // A crash of one history and one matching instance, both started again.
        await until(() => executed.size >= 300, '300 activities', 180_000);
        await Promise.all([history0!.kill('SIGKILL'), matching0!.kill('SIGKILL')]);
        chaos.push(`killed history-0 and matching-0 after ${executed.size} activities`);
        await sleep(1_000);
        await Promise.all([history0!.restart(), matching0!.restart()]);

        // The other history instance frozen past its 10 s shard lease: the survivor takes its shards
        // over and calls waiting on the frozen one follow them, so the cluster keeps moving while it
        // is still frozen. A second wave of workflows, started once the lease is over, must complete
        // before it is thawed; what it tries to write when it wakes is fenced out.
        await until(() => executed.size >= 800, '800 activities', 180_000);
        history1!.signal('SIGSTOP');
        const frozenAt = Date.now();
        chaos.push(`paused history-1 after ${executed.size} activities`);
        await sleep(SHARD_LEASE_MS + 1_000);
        const lateWave = await Promise.all(
          Array.from({ length: LATE_WAVE }, (_, k) =>
            client.workflow.start('threeSteps', { taskQueue, workflowId: `${taskQueue}-${WORKFLOWS + k}`, args: [WORKFLOWS + k] }),
          ),
        );
        const lateWaveDone = Promise.all(lateWave.map((h) => h.result()));
        const doneWhileFrozen = await Promise.race([lateWaveDone.then(() => true), sleep(MAX_FREEZE_MS - (Date.now() - frozenAt)).then(() => false)]);
        const frozenFor = Date.now() - frozenAt;
        history1!.signal('SIGCONT');
        expect(doneWhileFrozen, `the late wave had not completed after ${frozenFor} ms of freeze`).toBe(true);
        chaos.push(`late wave of ${LATE_WAVE} completed while history-1 was frozen (${frozenFor} ms); resumed it at ${executed.size} activities`);
        const lateResults = await lateWaveDone;
        return [...(await all), ...lateResults] as string[][];
      });

      console.log(`chaos: ${chaos.join('; ')}`);
      expect(chaos).toHaveLength(3);
      expect(results).toHaveLength(WORKFLOWS + LATE_WAVE);
      results.forEach((result, n) => expect(result).toEqual([`wf${n}-step1`, `wf${n}-step2`, `wf${n}-step3`]));
      expect(executed.size).toBe((WORKFLOWS + LATE_WAVE) * 3);

      // Every history, read back in full through the cluster: no duplicate or missing event.
      const connection = await Connection.connect({ address: cluster.address });
      try {
        const client = new Client({ connection });
        const problems: string[] = [];
        for (let first = 0; first < WORKFLOWS + LATE_WAVE; first += 25) {
          const ids = Array.from({ length: Math.min(25, WORKFLOWS + LATE_WAVE - first) }, (_, k) => `${taskQueue}-${first + k}`);
          const histories = await Promise.all(ids.map((id) => client.workflow.getHandle(id).fetchHistory()));
          histories.forEach((h, k) => problems.push(...historyProblems(h).map((p) => `${ids[k]}: ${p}`)));
        }
        expect(problems).toEqual([]);
      } finally {
        await connection.close();
      }

      // The restarted and resumed instances are members again and serving.
      for (const instance of cluster.instances) expect(instance.process.child.exitCode, instance.process.name).toBeNull();
    },
    600_000,
  );

  it(
    `fires each nominal time of ${SCHEDULES} schedules every ${SCHEDULE_INTERVAL_MS / 1000} s exactly once while both history instances are killed and restarted in turn`,
    async () => {
      const taskQueue = `chaos-sched-${Date.now()}`;
      const ids = Array.from({ length: SCHEDULES }, (_, n) => `${taskQueue}-s${n}`);
      const [history0, history1] = cluster.of('history');
      /** The nominal times (ms) of the runs a schedule started, one entry per run. */
      const nominalTimes = async (client: Client, scheduleId: string): Promise<number[]> => {
        const times: number[] = [];
        for await (const w of client.workflow.list({ query: `TemporalScheduledById = '${scheduleId}'` })) {
          times.push(Date.parse(/-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/.exec(w.workflowId)![1]!));
        }
        return times.sort((a, b) => a - b);
      };
      const report = await withWorker({ address: cluster.address, taskQueue, workflowsPath: scheduleWorkflowsPath, activities: {} }, async (client) => {
        const handles = await Promise.all(
          ids.map((scheduleId) =>
            client.schedule.create({
              scheduleId,
              spec: { intervals: [{ every: SCHEDULE_INTERVAL_MS }] },
              action: { type: 'startWorkflow', workflowType: 'scheduledEcho', args: [scheduleId], taskQueue, workflowId: `wf-${scheduleId}` },
              // Every nominal time starts (no overlap skips), and a late one still fires within a minute.
              policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '1 minute' },
            }),
          ),
        );
        await sleep(5_000);
        await history0!.kill('SIGKILL');
        await sleep(3_000);
        await history0!.restart();
        await sleep(5_000);
        await history1!.kill('SIGKILL');
        await sleep(3_000);
        await history1!.restart();
        await sleep(5_000);
        await Promise.all(handles.map((h) => h.pause('chaos over')));
        // Starts decided before the pause are carried out; then every action is a listed run.
        const settled = async () => {
          for (const h of handles) {
            const described = await h.describe();
            if (described.info.numActionsTaken !== (await nominalTimes(client, h.scheduleId)).length) return false;
          }
          return true;
        };
        await untilAsync(settled, 'every recorded action listed as a run', 120_000, 1_000);
        const problems: string[] = [];
        let fired = 0;
        for (const h of handles) {
          const times = await nominalTimes(client, h.scheduleId);
          fired += times.length;
          if (times.length < 5) problems.push(`${h.scheduleId}: only ${times.length} firings`);
          for (let i = 1; i < times.length; i++) {
            const gap = times[i]! - times[i - 1]!;
            if (gap !== SCHEDULE_INTERVAL_MS) problems.push(`${h.scheduleId}: ${gap} ms between ${new Date(times[i - 1]!).toISOString()} and the next`);
          }
        }
        return { problems, fired };
      });
      console.log(`chaos: ${report.fired} scheduled runs from ${SCHEDULES} schedules`);
      expect(report.problems).toEqual([]);
    },
    600_000,
  );
});
