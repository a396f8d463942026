import { setting } from '@kairos/common/settings';
import { durationToMs, msToDuration } from '@kairos/domain';
import type { Failure, RetryPolicy } from './protos';
import { RetryState, TimeoutType } from './protos';

const DEFAULT_INITIAL_INTERVAL_MS = setting('history.retryInitialInterval');
const DEFAULT_BACKOFF_COEFFICIENT = setting('history.retryBackoffCoefficient');
const DEFAULT_MAXIMUM_INTERVAL_FACTOR = setting('history.retryMaximumIntervalFactor');

/** Fills Temporal's defaults into a (possibly absent) retry policy: every activity retries by default. */
export function withRetryDefaults(policy: RetryPolicy | undefined): RetryPolicy {
  const initialMs = durationToMs(policy?.initialInterval) || DEFAULT_INITIAL_INTERVAL_MS;
  const maximumMs = durationToMs(policy?.maximumInterval) || initialMs * DEFAULT_MAXIMUM_INTERVAL_FACTOR;
  return {
    initialInterval: msToDuration(initialMs),
    backoffCoefficient: policy?.backoffCoefficient || DEFAULT_BACKOFF_COEFFICIENT,
    maximumInterval: msToDuration(maximumMs),
    maximumAttempts: policy?.maximumAttempts ?? 0,
    nonRetryableErrorTypes: policy?.nonRetryableErrorTypes ?? [],
  };
}

/** Why a policy is invalid, as Temporal words it, or undefined when it is valid. */
export function validateRetryPolicy(policy: RetryPolicy | undefined): string | undefined {
  if (!policy) return undefined;
  if (durationToMs(policy.initialInterval) < 0) return 'InitialInterval cannot be negative on retry policy.';
  if (policy.backoffCoefficient !== 0 && policy.backoffCoefficient < 1)
    return 'BackoffCoefficient cannot be less than 1 on retry policy.';
  if (durationToMs(policy.maximumInterval) < 0) return 'MaximumInterval cannot be negative on retry policy.';
  if (
    durationToMs(policy.maximumInterval) > 0 &&
    durationToMs(policy.maximumInterval) < durationToMs(policy.initialInterval)
  )
    return 'MaximumInterval cannot be less than InitialInterval on retry policy.';
  if (policy.maximumAttempts < 0) return 'MaximumAttempts cannot be negative on retry policy.';
  return undefined;
}

export interface RetryDecision {
  retryState: RetryState;
  /** Delay before the next attempt when retryState is IN_PROGRESS. */
  backoffMs: number;
}

export interface RetryInput {
  policy: RetryPolicy;
  /** The attempt that just ended (1-based). */
  attempt: number;
  failure: Failure | undefined;
  timeoutType?: TimeoutType;
  cancelRequested: boolean;
  now: Date;
  /** First scheduled time + schedule-to-close, when schedule-to-close is set. */
  expiration?: Date;
}

function timeoutTypeName(t: TimeoutType): string {
  switch (t) {
    case TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE:
      return 'StartToClose';
    case TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START:
      return 'ScheduleToStart';
    case TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE:
      return 'ScheduleToClose';
    case TimeoutType.TIMEOUT_TYPE_HEARTBEAT:
      return 'Heartbeat';
    default:
      return 'Unspecified';
  }
}

function isRetryable(input: RetryInput): boolean {
  const { policy, failure, timeoutType } = input;
  if (timeoutType !== undefined) {
    if (
      timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START ||
      timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
    )
      return false;
    return !policy.nonRetryableErrorTypes.includes(`TemporalTimeout:${timeoutTypeName(timeoutType)}`);
  }
  if (!failure) return true;
  if (failure.terminatedFailureInfo || failure.canceledFailureInfo) return false;
  const app = failure.applicationFailureInfo;
  if (app) {
    if (app.nonRetryable) return false;
    if (policy.nonRetryableErrorTypes.includes(app.type)) return false;
  }
  return true;
}

/** Temporal's activity retry decision, in its order of checks. */
export function decideRetry(input: RetryInput): RetryDecision {
  const stop = (retryState: RetryState): RetryDecision => ({ retryState, backoffMs: 0 });
  if (input.cancelRequested) return stop(RetryState.RETRY_STATE_CANCEL_REQUESTED);
  if (
    input.timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START ||
    input.timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
  )
    return stop(RetryState.RETRY_STATE_TIMEOUT);
  if (!isRetryable(input)) return stop(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
  const { policy, attempt } = input;
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts)
    return stop(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  const initialMs = durationToMs(policy.initialInterval);
  const maxMs = durationToMs(policy.maximumInterval);
  let backoffMs = initialMs * Math.pow(policy.backoffCoefficient, attempt - 1);
  if (maxMs > 0) backoffMs = Math.min(backoffMs, maxMs);
  const nextRetryDelay = input.failure?.applicationFailureInfo?.nextRetryDelay;
  if (nextRetryDelay) backoffMs = durationToMs(nextRetryDelay);
  backoffMs = Math.round(backoffMs);
  if (input.expiration && input.now.getTime() + backoffMs > input.expiration.getTime())
    return stop(RetryState.RETRY_STATE_TIMEOUT);
  return { retryState: RetryState.RETRY_STATE_IN_PROGRESS, backoffMs };
}
