import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  sleep,
  TimeoutFailure,
} from '@temporalio/workflow';

export interface BehaviourActivities {
  failTimes(key: string, times: number): Promise<string>;
  failNonRetryable(message: string): Promise<string>;
  sleepMs(ms: number): Promise<string>;
  failAfterMs(ms: number): Promise<string>;
  heartbeatThenStall(details: string): Promise<string>;
  resumeFromHeartbeat(key: string): Promise<string>;
  waitForCancel(): Promise<string>;
}

/** Describes how an activity call ended, in terms that are equal on every server. */
export interface CallOutcome {
  result?: string;
  failure?: { type: string; message: string; retryState?: string; timeoutType?: string; causeType?: string; causeMessage?: string; lastHeartbeatDetails?: unknown };
}

function describeFailure(err: unknown): CallOutcome {
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    return {
      failure: {
        type: 'ActivityFailure',
        message: err.message,
        retryState: err.retryState,
        timeoutType: cause instanceof TimeoutFailure ? cause.timeoutType : undefined,
        lastHeartbeatDetails: cause instanceof TimeoutFailure ? cause.lastHeartbeatDetails : undefined,
        causeType: cause?.constructor.name,
        causeMessage: cause?.message,
      },
    };
  }
  if (isCancellation(err)) return { failure: { type: 'Cancelled', message: (err as Error).message } };
  throw err;
}

async function outcomeOf(call: () => Promise<string>): Promise<CallOutcome> {
  try {
    return { result: await call() };
  } catch (err) {
    return describeFailure(err);
  }
}

export async function retriesThenSucceeds(key: string): Promise<CallOutcome> {
  const { failTimes } = proxyActivities<BehaviourActivities>({
    startToCloseTimeout: '10s',
    retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumAttempts: 5 },
  });
  return outcomeOf(() => failTimes(key, 2));
}

export async function maximumAttemptsReached(key: string): Promise<CallOutcome> {
  const { failTimes } = proxyActivities<BehaviourActivities>({
    startToCloseTimeout: '10s',
    retry: { initialInterval: '100ms', maximumAttempts: 3 },
  });
  return outcomeOf(() => failTimes(key, 10));
}

export async function nonRetryableFailure(): Promise<CallOutcome> {
  const { failNonRetryable } = proxyActivities<BehaviourActivities>({ startToCloseTimeout: '10s' });
  return outcomeOf(() => failNonRetryable('do not retry me'));
}

export async function startToCloseTimeout(): Promise<CallOutcome> {
  const { sleepMs } = proxyActivities<BehaviourActivities>({ startToCloseTimeout: '1s', retry: { maximumAttempts: 1 } });
  return outcomeOf(() => sleepMs(5_000));
}

export async function heartbeatTimeout(): Promise<CallOutcome> {
  const { heartbeatThenStall } = proxyActivities<BehaviourActivities>({
    startToCloseTimeout: '20s',
    heartbeatTimeout: '1s',
    retry: { maximumAttempts: 1 },
  });
  return outcomeOf(() => heartbeatThenStall('progress-1'));
}

export async function heartbeatDetailsReachNextAttempt(key: string): Promise<CallOutcome> {
  const { resumeFromHeartbeat } = proxyActivities<BehaviourActivities>({
    startToCloseTimeout: '10s',
    retry: { initialInterval: '100ms', maximumAttempts: 3 },
  });
  return outcomeOf(() => resumeFromHeartbeat(key));
}

/** Attempt 1 times out at 1 s; the next attempt could not start before schedule-to-close (2 s). */
export async function scheduleToCloseTimeout(): Promise<CallOutcome> {
  const { sleepMs } = proxyActivities<BehaviourActivities>({
    scheduleToCloseTimeout: '2s',
    startToCloseTimeout: '1s',
    retry: { initialInterval: '3s' },
  });
  return outcomeOf(() => sleepMs(5_000));
}

/**
 * Only a schedule-to-close timeout (4 s) and attempts that fail after 1.5 s: the second attempt
 * is still running at the deadline, so the schedule-to-close timer itself ends the activity.
 */
export async function scheduleToCloseDuringAttempt(): Promise<CallOutcome> {
  const { failAfterMs } = proxyActivities<BehaviourActivities>({ scheduleToCloseTimeout: '4s' });
  return outcomeOf(() => failAfterMs(1500));
}

/** The activity's task queue has no worker: schedule-to-start fires, the activity never starts. */
export async function scheduleToStartTimeout(queueWithoutWorker: string): Promise<CallOutcome> {
  const { sleepMs } = proxyActivities<BehaviourActivities>({
    taskQueue: queueWithoutWorker,
    scheduleToStartTimeout: '1s',
    startToCloseTimeout: '10s',
  });
  return outcomeOf(() => sleepMs(1));
}

/**
 * Only a schedule-to-close timeout, on a queue with no worker: schedule-to-start defaults to the
 * same deadline and Temporal reports the tie as SCHEDULE_TO_START.
 */
export async function onlyScheduleToCloseUnpolled(queueWithoutWorker: string): Promise<CallOutcome> {
  const { sleepMs } = proxyActivities<BehaviourActivities>({ taskQueue: queueWithoutWorker, scheduleToCloseTimeout: '2s' });
  return outcomeOf(() => sleepMs(1));
}

export async function cancelActivity(type: 'TRY_CANCEL' | 'WAIT_CANCELLATION_COMPLETED' | 'ABANDON'): Promise<CallOutcome> {
  const { waitForCancel } = proxyActivities<BehaviourActivities>({
    startToCloseTimeout: '20s',
    heartbeatTimeout: '5s',
    cancellationType: ActivityCancellationType[type],
  });
  const scope = new CancellationScope();
  const call = scope.run(() => waitForCancel());
  await sleep(1_000);
  scope.cancel();
  const outcome = await outcomeOf(() => call);
  if (type !== 'WAIT_CANCELLATION_COMPLETED') await sleep(1_500); // let the activity's own end reach the server
  return outcome;
}

/** Cancels an activity that was never picked up (its queue has no worker). */
export async function cancelBeforeStart(queueWithoutWorker: string): Promise<CallOutcome> {
  const { sleepMs } = proxyActivities<BehaviourActivities>({
    taskQueue: queueWithoutWorker,
    startToCloseTimeout: '10s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const scope = new CancellationScope();
  const call = scope.run(() => sleepMs(1));
  await sleep(500);
  scope.cancel();
  return outcomeOf(() => call);
}

export async function timers(): Promise<string> {
  await sleep(500);
  const scope = new CancellationScope();
  const long = scope.run(() => sleep(60_000));
  await sleep(200);
  scope.cancel();
  try {
    await long;
  } catch (err) {
    if (!isCancellation(err)) throw err;
  }
  return 'slept';
}

export async function failWorkflow(): Promise<string> {
  throw ApplicationFailure.nonRetryable('workflow gave up', 'GiveUp');
}
