import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { useOracleServers } from '../src/harness/oracle';
import { withWorker } from '../src/harness/sdk';
import { untilAsync } from '../src/harness/waiting';

/**
 * Temporal's Schedules API with the official TypeScript client, each scenario run on Kairos and on
 * the real Temporal dev server and compared (times that depend on the clock are masked; the
 * backfilled workflows, whose ids and nominal times are fixed, are compared event by event).
 */

const workflowsPath = require.resolve('../workflows/schedules.ts');
const activities = {};

/** A gRPC error as the scenario's outcome: code and text. */
async function errorOf(call: () => Promise<unknown>): Promise<{ code: unknown; message: string; name: string } | 'no error'> {
  try {
    await call();
    return 'no error';
  } catch (err) {
    const e = err as { code?: unknown; details?: string; message: string; name: string; cause?: { code?: unknown; details?: string } };
    return { code: e.code ?? e.cause?.code, message: e.details ?? e.cause?.details ?? e.message, name: e.name };
  }
}

/** Ids of the workflows a schedule started, found by their TemporalScheduledById. */
async function startedIds(client: Client, scheduleId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query: `TemporalScheduledById = '${scheduleId}'` })) ids.push(w.workflowId);
  return ids.sort();
}

/** A timestamp in a workflow id (`…-2026-12-02T19:09:28Z`) as a fixed word. */
const maskStamp = (text: string) => text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, '<time>');

describe('Schedules (Create, Describe, Patch, Update, List, Count, Delete) compared with the Temporal dev server', () => {
  const servers = useOracleServers();

  it('backfills a paused every-minute schedule: one workflow per nominal time, the start time included, each with the schedule’s search attributes', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const taskQueue = `tq-sched-backfill-${suffix}`;
      const scheduleId = `sched-backfill-${suffix}`;
      const workflowId = `wf-backfill-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const handle = await client.schedule.create({
          scheduleId,
          spec: { cronExpressions: ['* * * * *'] },
          action: { type: 'startWorkflow', workflowType: 'scheduledEcho', args: ['backfilled'], taskQueue, workflowId },
          state: { paused: true, note: 'created paused' },
          memo: { team: 'scheduling' },
        });
        await handle.backfill([{ start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-01T00:03:00Z'), overlap: ScheduleOverlapPolicy.ALLOW_ALL }]);
        await untilAsync(async () => (await startedIds(client, scheduleId)).length === 4, 'four backfilled workflows', 30_000);
        const ids = await startedIds(client, scheduleId);
        const results = await Promise.all(ids.map((id) => client.workflow.getHandle(id).result()));
        await untilAsync(async () => (await handle.describe()).info.recentActions.length === 4, 'four recorded actions', 10_000);
        const described = await handle.describe();
        const raw = described.raw;
        return {
          ids,
          results,
          state: described.state,
          memo: described.memo,
          actions: described.info.numActionsTaken,
          recent: described.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
          spec: temporal.api.schedule.v1.ScheduleSpec.toObject(temporal.api.schedule.v1.ScheduleSpec.create(raw.schedule?.spec ?? {}), { longs: String }),
          policies: { overlap: raw.schedule?.policies?.overlapPolicy, catchupWindow: String(raw.schedule?.policies?.catchupWindow?.seconds) },
        };
      });
      return { outcome, workflowIds: (outcome as { ids: string[] }).ids };
    });
    const outcome = run.outcome as { ids: string[]; results: Array<{ input: string; scheduledById: string }> };
    expect(outcome.ids.map(maskStamp)).toHaveLength(4);
    expect(outcome.ids[0]).toMatch(/-2026-01-01T00:00:00Z$/);
    expect(outcome.results.every((r) => r.input === 'backfilled')).toBe(true);
  });

  it('fires an interval schedule, reports its actions, and pauses it on a workflow failure', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const taskQueue = `tq-sched-fail-${suffix}`;
      const scheduleId = `sched-fail-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const handle = await client.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: '2s' }] },
          action: { type: 'startWorkflow', workflowType: 'scheduledFail', args: [], taskQueue, workflowId: `wf-fail-${suffix}` },
          policies: { pauseOnFailure: true, overlap: ScheduleOverlapPolicy.BUFFER_ONE },
        });
        await untilAsync(async () => (await handle.describe()).state.paused, 'paused on failure', 30_000);
        const described = await handle.describe();
        return {
          paused: described.state.paused,
          note: maskStamp(described.state.note ?? ''),
          overlap: described.policies.overlap,
          actions: described.info.numActionsTaken,
          lastStatus: described.info.recentActions.at(-1) && (described.raw.info?.recentActions?.at(-1)?.startWorkflowStatus ?? null),
          running: described.info.runningActions.length,
          idShape: maskStamp(described.info.recentActions[0]!.action.workflow.workflowId),
        };
      });
      return { outcome, workflowIds: [] };
    });
    expect(run.outcome).toMatchObject({ paused: true, actions: 1, running: 0 });
  });

  it('skips a due action while the previous one runs, and triggers one at once', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const taskQueue = `tq-sched-skip-${suffix}`;
      const scheduleId = `sched-skip-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const handle = await client.schedule.create({
          scheduleId,
          spec: { intervals: [{ every: '1s' }] },
          action: { type: 'startWorkflow', workflowType: 'scheduledSleep', args: [6000], taskQueue, workflowId: `wf-skip-${suffix}` },
          policies: { overlap: ScheduleOverlapPolicy.SKIP },
        });
        await untilAsync(async () => ((await handle.describe()).raw.info?.overlapSkipped?.toNumber?.() ?? Number((await handle.describe()).raw.info?.overlapSkipped ?? 0)) >= 2, 'skipped actions', 30_000);
        const busy = await handle.describe();
        await handle.pause('enough');
        await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
        await untilAsync(async () => (await handle.describe()).info.numActionsTaken === busy.info.numActionsTaken + 1, 'the triggered action', 10_000);
        const after = await handle.describe();
        const listEntry = async () => {
          for await (const s of client.schedule.list()) if (s.scheduleId === scheduleId) return { paused: s.state.paused, note: s.state.note, type: s.action?.type === 'startWorkflow' ? s.action.workflowType : '' };
          return 'not listed';
        };
        // The list is eventually consistent (Temporal's comes from visibility): wait for the pause to show.
        let listed: Awaited<ReturnType<typeof listEntry>> = 'not listed';
        await untilAsync(async () => {
          listed = await listEntry();
          return listed !== 'not listed' && listed.paused;
        }, 'the pause in the schedule list', 10_000).catch(() => undefined);
        return {
          runningWhileBusy: busy.info.runningActions.length,
          triggered: after.info.numActionsTaken - busy.info.numActionsTaken,
          paused: after.state.paused,
          note: after.state.note,
          listed,
        };
      });
      return { outcome, workflowIds: [] };
    });
    expect(run.outcome).toMatchObject({ runningWhileBusy: 1, triggered: 1, paused: true, note: 'enough', listed: { paused: true, note: 'enough', type: 'scheduledSleep' } });
  });

  it('answers bad input and unknown schedules with Temporal’s codes and words, and deletes', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const taskQueue = `tq-sched-bad-${suffix}`;
      return withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const scheduleId = `sched-bad-${suffix}`;
        const action = { type: 'startWorkflow' as const, workflowType: 'scheduledEcho', args: ['x'], taskQueue, workflowId: `wf-bad-${suffix}` };
        const handle = await client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action, state: { paused: true } });
        let duplicate: unknown;
        try {
          await client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action });
          duplicate = 'created twice';
        } catch (err) {
          duplicate = err instanceof ScheduleAlreadyRunning ? 'ScheduleAlreadyRunning' : String(err);
        }
        const service = client.workflowService;
        const createRaw = (id: string, spec: temporal.api.schedule.v1.IScheduleSpec) =>
          errorOf(() =>
            service.createSchedule({
              namespace: 'default',
              scheduleId: id,
              requestId: `req-${id}`,
              schedule: { spec, action: { startWorkflow: { workflowId: 'w', workflowType: { name: 'scheduledEcho' }, taskQueue: { name: taskQueue } } }, state: { paused: true } },
            }),
          );
        const badCron = await createRaw(`bad-cron-${suffix}`, { cronString: ['61 * * * *'] });
        const smallInterval = await createRaw(`bad-interval-${suffix}`, { interval: [{ interval: { seconds: Long.fromNumber(0) } }] });
        const badZone = await createRaw(`bad-zone-${suffix}`, { cronString: ['0 * * * *'], timezoneName: 'Mars/Olympus' });
        const unknown = await errorOf(() => client.schedule.getHandle(`no-such-${suffix}`).describe());
        const staleToken = await errorOf(() =>
          service.updateSchedule({
            namespace: 'default',
            scheduleId,
            conflictToken: new Uint8Array([0, 0, 0, 0, 0, 0, 0, 99]),
            requestId: `upd-${suffix}`,
            schedule: { spec: { interval: [{ interval: { seconds: Long.fromNumber(120) } }] }, action: { startWorkflow: { workflowId: 'w2', workflowType: { name: 'scheduledEcho' }, taskQueue: { name: taskQueue } } } },
          }),
        );
        const afterStale = (await handle.describe()).spec.intervals;
        // Temporal's frontend does not check a backfill's range: an inverted one is taken and fires nothing.
        const invertedBackfill = await errorOf(() => handle.backfill([{ start: new Date('2026-01-02T00:00:00Z'), end: new Date('2026-01-01T00:00:00Z'), overlap: ScheduleOverlapPolicy.ALLOW_ALL }]));
        const actionsAfterInverted = (await handle.describe()).info.numActionsTaken;
        const unknownHandle = client.schedule.getHandle(`no-such-${suffix}`);
        const unknownPatch = await errorOf(() => unknownHandle.pause('x'));
        const unknownDelete = await errorOf(() => unknownHandle.delete());
        await handle.update((previous) => ({ ...previous, spec: { intervals: [{ every: '30m' }] } }));
        const afterUpdate = (await handle.describe()).spec.intervals;
        await handle.delete();
        const deleted = await errorOf(() => handle.describe());
        return {
          outcome: {
            duplicate,
            badCron,
            smallInterval,
            badZone,
            unknown: { ...(unknown as object), message: maskStamp((unknown as { message: string }).message.replace(suffix, '<suffix>')) },
            staleToken,
            afterStale,
            invertedBackfill,
            actionsAfterInverted,
            unknownPatch: { ...(unknownPatch as object), message: (unknownPatch as { message: string }).message.replace(suffix, '<suffix>') },
            unknownDelete: { ...(unknownDelete as object), message: (unknownDelete as { message: string }).message.replace(suffix, '<suffix>') },
            afterUpdate,
            deleted: { ...(deleted as object), message: (deleted as { message: string }).message.replace(suffix, '<suffix>') },
          },
          workflowIds: [],
        };
      });
    });
    expect(run.outcome).toMatchObject({ invertedBackfill: 'no error', actionsAfterInverted: 0, duplicate: 'ScheduleAlreadyRunning', afterUpdate: [{ every: 1_800_000 }], badZone: { code: 3, message: 'Invalid schedule spec: unknown time zone Mars/Olympus' }, deleted: { message: 'schedule not found' } });
  });

  it('lists and counts schedules with Temporal’s query language: ScheduleId, TemporalSchedulePaused, and WorkflowId refused', async () => {
    const run = await servers.compare(async (address, { suffix }) => {
      const taskQueue = `tq-sched-list-${suffix}`;
      return withWorker({ address, taskQueue, workflowsPath, activities }, async (client) => {
        const action = (n: number) => ({ type: 'startWorkflow' as const, workflowType: 'scheduledEcho', args: ['x'], taskQueue, workflowId: `wf-list-${n}-${suffix}` });
        const ids = [0, 1, 2].map((n) => `sched-list-${n}-${suffix}`);
        for (const [n, scheduleId] of ids.entries()) {
          await client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action: action(n), state: { paused: n !== 1 }, memo: { n } });
        }
        const service = client.workflowService;
        const listed = async (query: string, expected: number) => {
          // Visibility may lag the write a moment (on the dev server the scheduler workflow sets
          // TemporalSchedulePaused on its first run).
          let names: string[] = [];
          await untilAsync(async () => {
            const page = await service.listSchedules({ namespace: 'default', query, maximumPageSize: 100 });
            names = (page.schedules ?? []).map((s) => s.scheduleId!.replace(suffix, '<suffix>')).sort();
            return names.length >= expected;
          }, `schedules for ${query}`, 15_000).catch(() => undefined);
          return names;
        };
        const counted = async (query: string) => Number((await service.countSchedules({ namespace: 'default', query })).count);
        const byId = await listed(`ScheduleId = '${ids[1]}'`, 1);
        const paused = await listed(`TemporalSchedulePaused = true AND ScheduleId IN ('${ids[0]}', '${ids[1]}', '${ids[2]}')`, 2);
        const refused = await errorOf(() => service.listSchedules({ namespace: 'default', query: `WorkflowId = 'temporal-sys-scheduler:${ids[0]}'` }));
        const count = await counted(`ScheduleId IN ('${ids[0]}', '${ids[1]}', '${ids[2]}')`);
        await untilAsync(async () => (await counted(`TemporalSchedulePaused = false AND ScheduleId IN ('${ids[0]}', '${ids[1]}', '${ids[2]}')`)) === 1, 'the unpaused one counted', 15_000).catch(() => undefined);
        const countPaused = await counted(`TemporalSchedulePaused = false AND ScheduleId IN ('${ids[0]}', '${ids[1]}', '${ids[2]}')`);
        for (const id of ids) await client.schedule.getHandle(id).delete();
        return { outcome: { byId, paused, refused, count, countPaused }, workflowIds: [] };
      });
    });
    expect(run.outcome).toMatchObject({ byId: ['sched-list-1-<suffix>'], paused: ['sched-list-0-<suffix>', 'sched-list-2-<suffix>'], count: 3, countPaused: 1 });
  });
});
