import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyDifferences } from '../src/harness/diff';
import { historyToProto3Json, normalizeHistory } from '../src/harness/normalize';
import { startOracleReference } from '../src/harness/oracle';
import { REPO_ROOT, workPath } from '../src/harness/paths';
import { fetchHistory, withWorker } from '../src/harness/sdk';
import { startKairosDev, type TestServer } from '../src/harness/servers';

const { EventType, TaskQueueKind } = temporal.api.enums.v1;
/** Loosely typed so numbers can stand for int64s (protobufjs's fromObject accepts them). */
type Event = Record<string, any>;

const payload = (value: unknown) => defaultPayloadConverter.toPayload(value) as Event;
const ts = (seconds: number, nanos = 0) => ({ seconds, nanos });

/** A hand-made history touching every masking rule of test/oracle/MASKING.md, and fields that must stay compared. */
function syntheticHistory(variant: { runId: string; identity: string; time: number; sticky: string; requestId: string; flags: number[] }): temporal.api.history.v1.IHistory {
  const events: Event[] = [
    {
      eventId: 1,
      eventTime: ts(variant.time),
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      taskId: 1_048_576 + variant.time,
      workflowExecutionStartedEventAttributes: {
        workflowType: { name: 'greetOne' },
        taskQueue: { name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        input: { payloads: [payload('World')] },
        workflowTaskTimeout: { seconds: 10 },
        originalExecutionRunId: variant.runId,
        firstExecutionRunId: variant.runId,
        identity: variant.identity,
        attempt: 1,
        workflowExecutionExpirationTime: ts(variant.time + 60),
        header: {},
      },
    },
    {
      eventId: 2,
      eventTime: ts(variant.time, 5),
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      taskId: 1_048_577 + variant.time,
      workflowTaskStartedEventAttributes: { scheduledEventId: 1, identity: variant.identity, requestId: variant.requestId, historySizeBytes: 300 + variant.time },
    },
    {
      eventId: 3,
      eventTime: ts(variant.time, 7),
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      workflowTaskCompletedEventAttributes: {
        scheduledEventId: 1,
        startedEventId: 2,
        identity: '',
        sdkMetadata: { coreUsedFlags: variant.flags, sdkName: 'temporal-typescript', sdkVersion: '1.24.0' },
        workerVersion: { buildId: 'build-1' },
      },
    },
    {
      eventId: 4,
      eventTime: ts(variant.time, 9),
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      workflowTaskScheduledEventAttributes: {
        taskQueue: { name: variant.sticky, kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: 'tq' },
        startToCloseTimeout: { seconds: 10 },
        attempt: 1,
      },
    },
    {
      eventId: 5,
      eventTime: ts(variant.time, 11),
      eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
      activityTaskScheduledEventAttributes: {
        activityId: '1',
        activityType: { name: 'greet' },
        taskQueue: { name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        input: { payloads: [payload('World')] },
        scheduleToCloseTimeout: {},
        startToCloseTimeout: { seconds: 10 },
        retryPolicy: { initialInterval: { seconds: 1 }, backoffCoefficient: 2, maximumInterval: { seconds: 100 } },
        workflowTaskCompletedEventId: 3,
      },
    },
  ];
  return { events } as temporal.api.history.v1.IHistory;
}

const base = { runId: 'run-a', identity: '1@host-a', time: 1_700_000_000, sticky: 'host-a:uuid-a', requestId: 'req-a', flags: [3, 1, 2] };

/** Runs test/python/normalize.py on a history (as proto3 JSON) and returns its output. */
function pythonNormalize(history: temporal.api.history.v1.IHistory, name: string): unknown {
  const python = join(REPO_ROOT, 'test/.venv/bin/python');
  if (!existsSync(python)) throw new Error(`${python} is missing: run scripts/setup.sh`);
  const file = workPath(`${name}-${process.pid}-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(historyToProto3Json(history)));
  return JSON.parse(execFileSync(python, [join(REPO_ROOT, 'test/python/normalize.py'), file], { encoding: 'utf8' }));
}

describe('history normalizer (masking rules of test/oracle/MASKING.md)', () => {
  it('masks only what legitimately differs between runs and servers', () => {
    const a = normalizeHistory(syntheticHistory(base));
    const b = normalizeHistory(
      syntheticHistory({ runId: 'run-b', identity: '2@host-b', time: 1_800_000_000, sticky: 'host-b:uuid-b', requestId: 'req-b', flags: [2, 3, 1] }),
    );
    expect(b).toEqual(a);
    expect(a[0]).toMatchObject({
      eventId: '1',
      eventTime: '<time>',
      taskId: '<task-id>',
      eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      workflowExecutionStartedEventAttributes: {
        originalExecutionRunId: '<run-id>',
        firstExecutionRunId: '<run-id>',
        identity: '<identity>',
        workflowExecutionExpirationTime: '<time>',
        workflowTaskTimeout: '10s',
        header: {},
      },
    });
    expect(a[1]!.workflowTaskStartedEventAttributes).toEqual({ scheduledEventId: '1', identity: '<identity>', requestId: '<request-id>', historySizeBytes: '<size>' });
    expect(a[2]!.workflowTaskCompletedEventAttributes).toMatchObject({ sdkMetadata: { coreUsedFlags: [1, 2, 3] }, workerVersion: { buildId: 'build-1' } });
    expect(a[2]!.workflowTaskCompletedEventAttributes).not.toHaveProperty('identity'); // empty stays absent
    expect(a[3]!.workflowTaskScheduledEventAttributes).toEqual({
      taskQueue: { name: '<sticky-queue>', kind: 'TASK_QUEUE_KIND_STICKY', normalName: 'tq' },
      startToCloseTimeout: '10s',
      attempt: 1,
    });
    // A set but zero duration is kept, and differs from an unset one.
    expect(a[4]!.activityTaskScheduledEventAttributes).toMatchObject({ scheduleToCloseTimeout: '0s', startToCloseTimeout: '10s' });
    expect(a[4]!.activityTaskScheduledEventAttributes).not.toHaveProperty('heartbeatTimeout');
  });

  it('keeps everything else compared: ids, attempts, queues, timeouts, payloads, build ids, presence', () => {
    const reference = normalizeHistory(syntheticHistory(base));
    const mutations: Array<[string, (events: Event[]) => void]> = [
      ['event id', (e) => (e[1]!.eventId = 7)],
      ['cross-reference', (e) => (e[2]!.workflowTaskCompletedEventAttributes!.startedEventId = 1)],
      ['attempt', (e) => (e[3]!.workflowTaskScheduledEventAttributes!.attempt = 2)],
      ['normal task queue name', (e) => (e[4]!.activityTaskScheduledEventAttributes!.taskQueue!.name = 'other')],
      ['sticky normal name', (e) => (e[3]!.workflowTaskScheduledEventAttributes!.taskQueue!.normalName = 'other')],
      ['queue kind', (e) => (e[3]!.workflowTaskScheduledEventAttributes!.taskQueue!.kind = TaskQueueKind.TASK_QUEUE_KIND_NORMAL)],
      ['timeout', (e) => (e[4]!.activityTaskScheduledEventAttributes!.startToCloseTimeout = { seconds: 11 })],
      ['unset vs zero timeout', (e) => (e[4]!.activityTaskScheduledEventAttributes!.scheduleToCloseTimeout = null)],
      ['retry policy', (e) => (e[4]!.activityTaskScheduledEventAttributes!.retryPolicy!.backoffCoefficient = 1.5)],
      ['payload bytes', (e) => (e[4]!.activityTaskScheduledEventAttributes!.input = { payloads: [payload('world')] })],
      ['build id', (e) => (e[2]!.workflowTaskCompletedEventAttributes!.workerVersion = { buildId: 'build-2' })],
      ['identity presence', (e) => (e[1]!.workflowTaskStartedEventAttributes!.identity = '')],
      ['history size presence', (e) => (e[1]!.workflowTaskStartedEventAttributes!.historySizeBytes = 0)],
      ['flag set content', (e) => (e[2]!.workflowTaskCompletedEventAttributes!.sdkMetadata!.coreUsedFlags = [1, 2])],
      ['event type', (e) => (e[0]!.eventType = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)],
      ['missing event', (e) => e.pop()],
    ];
    for (const [what, mutate] of mutations) {
      const history = syntheticHistory(base);
      mutate(history.events as Event[]);
      const mutated = normalizeHistory(history);
      expect(mutated, what).not.toEqual(reference);
      expect(historyDifferences(mutated, reference).length, `a readable difference for: ${what}`).toBeGreaterThan(0);
    }
  });

  it('the Python normalizer gives the same output on the same history', () => {
    const history = syntheticHistory(base);
    expect(pythonNormalize(history, 'normalizer-synthetic')).toEqual(normalizeHistory(history));
  });

  describe('on a real history', () => {
    let server: TestServer | undefined;
    beforeAll(async () => {
      // The reference server when the oracle is on (it is what the oracle compares against).
      server = (await startOracleReference()) ?? (await startKairosDev());
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('the Python normalizer gives the same output as the TypeScript one', async () => {
      const suffix = `${Date.now()}`;
      const taskQueue = `normalizer-${suffix}`;
      const workflowId = `normalizer-wf-${suffix}`;
      await withWorker(
        {
          address: server!.address,
          taskQueue,
          workflowsPath: require.resolve('../workflows/activities.ts'),
          activities: { greet: async (name: string) => `Hello, ${name}!`, compose: async () => 'unused' },
        },
        (client) => client.workflow.execute('greetOne', { taskQueue, workflowId, args: ['parity'] }),
      );
      const history = await fetchHistory(server!.address, workflowId);
      const ours = normalizeHistory(history);
      expect(ours).toHaveLength(11);
      expect(pythonNormalize(history, 'normalizer-real')).toEqual(ours);
    });
  });
});
