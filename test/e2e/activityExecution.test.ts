import { describe, expect, it } from 'vitest';
import { behaviourActivities } from '../src/activityBehaviour';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import type { NormalizedEvent } from '../src/harness/normalize';
import { withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/activityBehaviour.ts');

/** Runs one workflow of workflows/activityBehaviour.ts with fresh activity state per server. */
function scenario(workflowType: string, args: (suffix: string) => unknown[] = () => []): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `act-${workflowType}-${suffix}`;
    const workflowId = `act-wf-${workflowType}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities: behaviourActivities() }, (client) =>
      client.workflow.execute(workflowType, { taskQueue, workflowId, args: args(suffix), workflowTaskTimeout: '5s' }),
    );
    return { outcome, workflowIds: [workflowId] };
  };
}

const types = (events: NormalizedEvent[]) => events.map((e) => String(e.eventType).replace('EVENT_TYPE_', ''));
const only = (histories: Record<string, NormalizedEvent[]>) => Object.values(histories)[0]!;
const attrs = (event: NormalizedEvent | undefined, name: string) => (event?.[name] ?? {}) as Record<string, any>;

describe('activity execution, compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  const compare = (s: Scenario) => servers.compare(s);

  it('retries on the server without events for failed attempts; Started carries the final attempt and last failure', async () => {
    const { outcome, histories } = await compare(scenario('retriesThenSucceeds', (s) => [`k-${s}`]));
    expect(outcome).toEqual({ result: 'succeeded on attempt 3' });
    const events = only(histories);
    expect(types(events).filter((t) => t.startsWith('ACTIVITY'))).toEqual(['ACTIVITY_TASK_SCHEDULED', 'ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_COMPLETED']);
    const started = attrs(events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_STARTED'), 'activityTaskStartedEventAttributes');
    expect(started.attempt).toBe(3);
    expect(started.lastFailure?.message).toBe('failure 2');
  });

  it('stops at maximum attempts with ActivityTaskFailed(MAXIMUM_ATTEMPTS_REACHED)', async () => {
    const { outcome } = await compare(scenario('maximumAttemptsReached', (s) => [`k-${s}`]));
    expect(outcome).toMatchObject({ failure: { type: 'ActivityFailure', retryState: 'MAXIMUM_ATTEMPTS_REACHED', causeMessage: 'failure 3' } });
  });

  it('does not retry a non-retryable ApplicationFailure', async () => {
    const { outcome, histories } = await compare(scenario('nonRetryableFailure'));
    expect(outcome).toMatchObject({ failure: { retryState: 'NON_RETRYABLE_FAILURE', causeMessage: 'do not retry me' } });
    const started = attrs(only(histories).find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_STARTED'), 'activityTaskStartedEventAttributes');
    expect(started.attempt).toBe(1);
  });

  it('times out start-to-close with a TimeoutFailure the SDK decodes', async () => {
    const { outcome, histories } = await compare(scenario('startToCloseTimeout'));
    expect(outcome).toMatchObject({ failure: { type: 'ActivityFailure', timeoutType: 'START_TO_CLOSE', causeType: 'TimeoutFailure' } });
    expect(types(only(histories))).toContain('ACTIVITY_TASK_TIMED_OUT');
  });

  it('times out on a missed heartbeat, with the last heartbeat details', async () => {
    const { outcome } = await compare(scenario('heartbeatTimeout'));
    expect(outcome).toMatchObject({ failure: { timeoutType: 'HEARTBEAT', lastHeartbeatDetails: 'progress-1' } });
  });

  it('hands the last heartbeat details to the next attempt', async () => {
    const { outcome } = await compare(scenario('heartbeatDetailsReachNextAttempt', (s) => [`k-${s}`]));
    expect(outcome).toEqual({ result: expect.stringMatching(/^resumed from k-.*:checkpoint$/) });
  });

  it('gives up retrying at schedule-to-close', async () => {
    const { outcome } = await compare(scenario('scheduleToCloseTimeout'));
    expect(outcome).toMatchObject({
      failure: {
        type: 'ActivityFailure',
        retryState: 'TIMEOUT',
        timeoutType: 'SCHEDULE_TO_CLOSE',
        causeMessage: 'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying',
      },
    });
  });

  it('ends an activity whose schedule-to-close deadline passes during an attempt: TimedOut SCHEDULE_TO_CLOSE, the last failure as cause', async () => {
    const { outcome, histories } = await compare(scenario('scheduleToCloseDuringAttempt'));
    expect(outcome).toMatchObject({
      failure: {
        retryState: 'TIMEOUT',
        timeoutType: 'SCHEDULE_TO_CLOSE',
        causeMessage: 'Not enough time to schedule next retry before activity ScheduleToClose timeout, giving up retrying',
      },
    });
    const timedOut = attrs(only(histories).find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT'), 'activityTaskTimedOutEventAttributes');
    expect(timedOut.failure?.cause?.message).toBe('failed after 1500 ms on attempt 1');
  });

  it('times out schedule-to-start when no worker picks the activity up, without a Started event', async () => {
    const { outcome, histories } = await compare(scenario('scheduleToStartTimeout', (s) => [`no-worker-${s}`]));
    expect(outcome).toMatchObject({ failure: { timeoutType: 'SCHEDULE_TO_START', retryState: 'TIMEOUT' } });
    expect(types(only(histories))).not.toContain('ACTIVITY_TASK_STARTED');
  });

  it('an unpolled activity with only a schedule-to-close timeout times out as SCHEDULE_TO_START (the tie goes to it)', async () => {
    const { outcome } = await compare(scenario('onlyScheduleToCloseUnpolled', (s) => [`no-worker-${s}`]));
    expect(outcome).toMatchObject({ failure: { timeoutType: 'SCHEDULE_TO_START', retryState: 'TIMEOUT' } });
  });

  for (const type of ['TRY_CANCEL', 'WAIT_CANCELLATION_COMPLETED', 'ABANDON'] as const) {
    it(`cancels a running activity (${type})`, async () => {
      const { outcome, histories } = await compare(scenario('cancelActivity', () => [type]));
      expect(outcome).toMatchObject({ failure: { type: 'ActivityFailure' } });
      const activityEvents = types(only(histories)).filter((t) => t.startsWith('ACTIVITY'));
      if (type === 'ABANDON') expect(activityEvents).not.toContain('ACTIVITY_TASK_CANCEL_REQUESTED');
      else expect(activityEvents).toContain('ACTIVITY_TASK_CANCEL_REQUESTED');
    });
  }

  it('cancels an activity that never started: CancelRequested then Canceled at once', async () => {
    const { outcome, histories } = await compare(scenario('cancelBeforeStart', (s) => [`no-worker-${s}`]));
    expect(outcome).toMatchObject({ failure: { type: 'ActivityFailure' } });
    expect(types(only(histories)).filter((t) => t.startsWith('ACTIVITY'))).toEqual([
      'ACTIVITY_TASK_SCHEDULED',
      'ACTIVITY_TASK_CANCEL_REQUESTED',
      'ACTIVITY_TASK_CANCELED',
    ]);
  });

  it('runs workflow timers and cancels one', async () => {
    const { outcome, histories } = await compare(scenario('timers'));
    expect(outcome).toBe('slept');
    expect(types(only(histories)).filter((t) => t.startsWith('TIMER'))).toEqual(['TIMER_STARTED', 'TIMER_FIRED', 'TIMER_STARTED', 'TIMER_STARTED', 'TIMER_FIRED', 'TIMER_CANCELED']);
  });
});
