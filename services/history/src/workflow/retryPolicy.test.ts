import { describe, expect, it } from 'vitest';
import { decideRetry, validateRetryPolicy, withRetryDefaults } from './retryPolicy';
import { Failure, RetryState, TimeoutType } from './protos';

const now = new Date('2026-01-01T00:00:00Z');
const policy = withRetryDefaults(undefined);

function appFailure(type: string, nonRetryable = false): Failure {
  return Failure.fromPartial({ message: 'boom', applicationFailureInfo: { type, nonRetryable } });
}

describe('retry policy defaults', () => {
  it("fills Temporal's defaults: 1 s initial, x2, 100 x initial, unlimited attempts", () => {
    expect(policy.initialInterval).toEqual({ seconds: 1, nanos: 0 });
    expect(policy.backoffCoefficient).toBe(2);
    expect(policy.maximumInterval).toEqual({ seconds: 100, nanos: 0 });
    expect(policy.maximumAttempts).toBe(0);
    const custom = withRetryDefaults({ initialInterval: { seconds: 3, nanos: 0 }, backoffCoefficient: 0, maximumInterval: undefined, maximumAttempts: 5, nonRetryableErrorTypes: ['X'] });
    expect(custom.maximumInterval).toEqual({ seconds: 300, nanos: 0 });
    expect(custom.maximumAttempts).toBe(5);
    expect(custom.nonRetryableErrorTypes).toEqual(['X']);
  });

  it('rejects invalid policies with Temporal’s wording', () => {
    expect(validateRetryPolicy({ ...policy, backoffCoefficient: 0.5 })).toMatch(/BackoffCoefficient/);
    expect(validateRetryPolicy({ ...policy, maximumAttempts: -1 })).toMatch(/MaximumAttempts/);
    expect(validateRetryPolicy({ ...policy, initialInterval: { seconds: 10, nanos: 0 }, maximumInterval: { seconds: 5, nanos: 0 } })).toMatch(/MaximumInterval/);
    expect(validateRetryPolicy(policy)).toBeUndefined();
  });
});

describe('decideRetry', () => {
  const base = { policy, failure: appFailure('Err'), cancelRequested: false, now };

  it('backs off exponentially up to the maximum interval', () => {
    expect(decideRetry({ ...base, attempt: 1 })).toEqual({ retryState: RetryState.RETRY_STATE_IN_PROGRESS, backoffMs: 1000 });
    expect(decideRetry({ ...base, attempt: 3 }).backoffMs).toBe(4000);
    expect(decideRetry({ ...base, attempt: 20 }).backoffMs).toBe(100_000);
  });

  it('stops at maximum attempts, non-retryable failures and listed error types', () => {
    expect(decideRetry({ ...base, attempt: 3, policy: { ...policy, maximumAttempts: 3 } }).retryState).toBe(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
    expect(decideRetry({ ...base, attempt: 1, failure: appFailure('Err', true) }).retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
    expect(decideRetry({ ...base, attempt: 1, policy: { ...policy, nonRetryableErrorTypes: ['Err'] } }).retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
  });

  it('honours next_retry_delay from the failure', () => {
    const failure = Failure.fromPartial({ applicationFailureInfo: { type: 'Err', nextRetryDelay: { seconds: 7, nanos: 0 } } });
    expect(decideRetry({ ...base, attempt: 1, failure }).backoffMs).toBe(7000);
  });

  it('never retries schedule-to-start or schedule-to-close timeouts, and stops when cancel was requested', () => {
    expect(decideRetry({ ...base, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE }).retryState).toBe(RetryState.RETRY_STATE_TIMEOUT);
    expect(decideRetry({ ...base, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START }).retryState).toBe(RetryState.RETRY_STATE_TIMEOUT);
    expect(decideRetry({ ...base, attempt: 1, cancelRequested: true }).retryState).toBe(RetryState.RETRY_STATE_CANCEL_REQUESTED);
  });

  it('retries start-to-close timeouts unless listed as TemporalTimeout:StartToClose', () => {
    expect(decideRetry({ ...base, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE }).retryState).toBe(RetryState.RETRY_STATE_IN_PROGRESS);
    expect(
      decideRetry({ ...base, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE, policy: { ...policy, nonRetryableErrorTypes: ['TemporalTimeout:StartToClose'] } }).retryState,
    ).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
  });

  it('gives up when the next attempt would start after the schedule-to-close expiration', () => {
    const expiration = new Date(now.getTime() + 500);
    expect(decideRetry({ ...base, attempt: 1, expiration }).retryState).toBe(RetryState.RETRY_STATE_TIMEOUT);
  });
});
