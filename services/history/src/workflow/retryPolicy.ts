import { durationToMs, ensureRetryDefaults } from '@kairos/domain';
import type { Failure } from './protos';
import { RetryPolicy, RetryState, TimeoutType } from './protos';

/** Fills Temporal's defaults into a (possibly absent) retry policy: every activity retries by default. */
export function withRetryDefaults(policy: RetryPolicy | undefined): RetryPolicy {
  return ensureRetryDefaults(policy ?? RetryPolicy.fromPartial({}));
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
