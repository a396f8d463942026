import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, fetchHistory, ONE_ACTIVITY_EVENT_TYPES, withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/activities.ts');
const activities = {
  greet: async (name: string) => `Hello, ${name}!`,
  compose: async (greeting: string, name: string, punctuation: string) => `${greeting}, ${name}${punctuation}`,
};

function decode(payloads: temporal.api.common.v1.IPayloads | null | undefined): unknown[] {
  return (payloads?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p as never));
}

function seconds(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!d) return Number.NaN;
  return Number(d.seconds ?? 0) + (d.nanos ?? 0) / 1e9;
}

/** Runs workflow `type` with `args` on a fresh task queue and returns its result and id. */
function scenario(type: 'greetOne' | 'greetSeveral', args: string[]): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-${type}-${suffix}`;
    const workflowId = `wf-${type}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities }, (client) =>
      client.workflow.execute(type, { taskQueue, workflowId, args }),
    );
    return { outcome, workflowIds: [workflowId] };
  };
}

/** The happy-path history of a workflow that runs one activity (sdk-contract Appendix A). */
function expectOneActivityHistory(
  history: temporal.api.history.v1.IHistory,
  expected: { workflowType: string; taskQueue: string; activityType: string; input: unknown[]; result: string },
): void {
  expect(eventTypes(history)).toEqual(ONE_ACTIVITY_EVENT_TYPES);
  const e = history.events!;
  e.forEach((event, i) => {
    expect(Number(event.eventId)).toBe(i + 1);
    expect(event.eventTime).toBeTruthy();
  });

  const started = e[0]!.workflowExecutionStartedEventAttributes!;
  expect(started.workflowType?.name).toBe(expected.workflowType);
  expect(started.taskQueue?.name).toBe(expected.taskQueue);
  expect(started.taskQueue?.kind).toBe(1); // NORMAL
  expect(decode(started.input)).toEqual(expected.input);
  expect(seconds(started.workflowTaskTimeout)).toBe(10);
  expect(started.attempt).toBe(1);
  expect(started.identity).toBeTruthy();
  expect(started.firstExecutionRunId).toBe(started.originalExecutionRunId);

  const wft1 = e[1]!.workflowTaskScheduledEventAttributes!;
  expect(wft1.taskQueue?.name).toBe(expected.taskQueue);
  expect(seconds(wft1.startToCloseTimeout)).toBe(10);
  expect(wft1.attempt).toBe(1);
  const wftStarted1 = e[2]!.workflowTaskStartedEventAttributes!;
  expect(Number(wftStarted1.scheduledEventId)).toBe(2);
  expect(wftStarted1.identity).toBeTruthy();
  expect(wftStarted1.requestId).toBeTruthy();
  const wftCompleted1 = e[3]!.workflowTaskCompletedEventAttributes!;
  expect(Number(wftCompleted1.scheduledEventId)).toBe(2);
  expect(Number(wftCompleted1.startedEventId)).toBe(3);
  expect(wftCompleted1.identity).toBe(wftStarted1.identity);

  const scheduled = e[4]!.activityTaskScheduledEventAttributes!;
  expect(scheduled.activityId).toBe('1');
  expect(scheduled.activityType?.name).toBe(expected.activityType);
  expect(scheduled.taskQueue?.name).toBe(expected.taskQueue);
  expect(decode(scheduled.input)).toEqual(expected.input);
  expect(Number(scheduled.workflowTaskCompletedEventId)).toBe(4);
  // As recorded by Temporal: start-to-close as given, the others normalised to "none" (0).
  expect(seconds(scheduled.startToCloseTimeout)).toBe(10);
  expect(seconds(scheduled.scheduleToCloseTimeout)).toBe(0);
  expect(seconds(scheduled.scheduleToStartTimeout)).toBe(0);
  expect(seconds(scheduled.heartbeatTimeout)).toBe(0);
  // The default retry policy, filled in by the server.
  expect(seconds(scheduled.retryPolicy?.initialInterval)).toBe(1);
  expect(scheduled.retryPolicy?.backoffCoefficient).toBe(2);
  expect(seconds(scheduled.retryPolicy?.maximumInterval)).toBe(100);
  expect(scheduled.retryPolicy?.maximumAttempts ?? 0).toBe(0);

  const activityStarted = e[5]!.activityTaskStartedEventAttributes!;
  expect(Number(activityStarted.scheduledEventId)).toBe(5);
  expect(activityStarted.attempt).toBe(1);
  expect(activityStarted.identity).toBeTruthy();
  expect(activityStarted.requestId).toBeTruthy();
  const activityCompleted = e[6]!.activityTaskCompletedEventAttributes!;
  expect(Number(activityCompleted.scheduledEventId)).toBe(5);
  expect(Number(activityCompleted.startedEventId)).toBe(6);
  expect(decode(activityCompleted.result)).toEqual([expected.result]);
  expect(activityCompleted.identity).toBeTruthy();

  // The second workflow task goes to the worker's sticky queue.
  const wft2 = e[7]!.workflowTaskScheduledEventAttributes!;
  expect(wft2.taskQueue?.kind).toBe(2); // STICKY
  expect(wft2.taskQueue?.normalName).toBe(expected.taskQueue);
  expect(Number(e[8]!.workflowTaskStartedEventAttributes!.scheduledEventId)).toBe(8);
  const wftCompleted2 = e[9]!.workflowTaskCompletedEventAttributes!;
  expect(Number(wftCompleted2.scheduledEventId)).toBe(8);
  expect(Number(wftCompleted2.startedEventId)).toBe(9);

  const completed = e[10]!.workflowExecutionCompletedEventAttributes!;
  expect(decode(completed.result)).toEqual([expected.result]);
  expect(Number(completed.workflowTaskCompletedEventId)).toBe(10);
}

describe('a workflow executing an activity (TypeScript SDK)', () => {
  // Kairos start-dev, and the real Temporal dev server for the oracle (unless KAIROS_ORACLE=off).
  const servers = useOracleServers();

  it('runs an activity with one argument and writes Temporal’s history', async () => {
    const run = scenario('greetOne', ['World']);
    const suffix = `direct-${Date.now()}`;
    const { outcome, workflowIds } = await run(servers.kairos.address, { suffix });
    expect(outcome).toBe('Hello, World!');
    expectOneActivityHistory(await fetchHistory(servers.kairos.address, workflowIds[0]!), {
      workflowType: 'greetOne',
      taskQueue: `tq-greetOne-${suffix}`,
      activityType: 'greet',
      input: ['World'],
      result: 'Hello, World!',
    });
  });

  it('runs an activity with several arguments and writes Temporal’s history', async () => {
    const run = scenario('greetSeveral', ['Hello', 'World', '!']);
    const suffix = `direct-${Date.now()}`;
    const { outcome, workflowIds } = await run(servers.kairos.address, { suffix });
    expect(outcome).toBe('Hello, World!');
    expectOneActivityHistory(await fetchHistory(servers.kairos.address, workflowIds[0]!), {
      workflowType: 'greetSeveral',
      taskQueue: `tq-greetSeveral-${suffix}`,
      activityType: 'compose',
      input: ['Hello', 'World', '!'],
      result: 'Hello, World!',
    });
  });

  it('matches the real Temporal dev server: one argument', async () => {
    const { outcome } = await servers.compare(scenario('greetOne', ['Kairos']));
    expect(outcome).toBe('Hello, Kairos!');
  });

  it('matches the real Temporal dev server: several arguments', async () => {
    const { outcome } = await servers.compare(scenario('greetSeveral', ['Hi', 'there', '?']));
    expect(outcome).toBe('Hi, there?');
  });
});
