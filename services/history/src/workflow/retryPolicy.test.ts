import { describe, expect, it } from 'vitest';
import { decideRetry, withRetryDefaults } from './retryPolicy';
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

const ms = (n: number) => ({ seconds: Math.floor(n / 1000), nanos: (n % 1000) * 1e6 });

describe('retry policy defaults (more)', () => {
  it('derives the maximum interval from the given initial interval, keeps a given maximum, and copies nothing else in', () => {
    expect(withRetryDefaults({ initialInterval: ms(1500), backoffCoefficient: 1.5, maximumInterval: undefined, maximumAttempts: 0, nonRetryableErrorTypes: [] })).toEqual({
      initialInterval: ms(1500),
      backoffCoefficient: 1.5,
      maximumInterval: { seconds: 150, nanos: 0 },
      maximumAttempts: 0,
      nonRetryableErrorTypes: [],
    });
    expect(withRetryDefaults({ initialInterval: undefined, backoffCoefficient: 0, maximumInterval: { seconds: 7, nanos: 0 }, maximumAttempts: 0, nonRetryableErrorTypes: [] }).maximumInterval).toEqual({ seconds: 7, nanos: 0 });
  });
});

describe('decideRetry (order of checks and edges)', () => {
  const base = { policy, failure: appFailure('Err'), cancelRequested: false, now };

  it('a cancel request comes first, before timeouts, non-retryable failures and attempts', () => {
    expect(decideRetry({ ...base, attempt: 9, cancelRequested: true, failure: appFailure('Err', true), timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, policy: { ...policy, maximumAttempts: 1 } }).retryState).toBe(
      RetryState.RETRY_STATE_CANCEL_REQUESTED,
    );
  });

  it('then schedule-to-start/close timeouts, then non-retryable failures, then maximum attempts, then the expiration', () => {
    expect(decideRetry({ ...base, attempt: 9, timeoutType: TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START, policy: { ...policy, maximumAttempts: 1 } }).retryState).toBe(RetryState.RETRY_STATE_TIMEOUT);
    expect(decideRetry({ ...base, attempt: 9, failure: appFailure('Err', true), policy: { ...policy, maximumAttempts: 1 } }).retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
    expect(decideRetry({ ...base, attempt: 1, policy: { ...policy, maximumAttempts: 1 }, expiration: now }).retryState).toBe(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
    expect(decideRetry({ ...base, attempt: 1, policy: { ...policy, maximumAttempts: 2 }, expiration: now }).retryState).toBe(RetryState.RETRY_STATE_TIMEOUT);
  });

  it('terminated and canceled failures are never retried; an absent failure is', () => {
    expect(decideRetry({ ...base, attempt: 1, failure: Failure.fromPartial({ terminatedFailureInfo: {} }) }).retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
    expect(decideRetry({ ...base, attempt: 1, failure: Failure.fromPartial({ canceledFailureInfo: {} }) }).retryState).toBe(RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE);
    expect(decideRetry({ ...base, attempt: 1, failure: undefined })).toEqual({ retryState: RetryState.RETRY_STATE_IN_PROGRESS, backoffMs: 1000 });
  });

  it('heartbeat timeouts are retried unless listed as TemporalTimeout:Heartbeat', () => {
    expect(decideRetry({ ...base, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_HEARTBEAT }).retryState).toBe(RetryState.RETRY_STATE_IN_PROGRESS);
    expect(decideRetry({ ...base, attempt: 1, timeoutType: TimeoutType.TIMEOUT_TYPE_HEARTBEAT, policy: { ...policy, nonRetryableErrorTypes: ['TemporalTimeout:Heartbeat'] } }).retryState).toBe(
      RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE,
    );
  });

  it('a timeout is judged by its type, not by an error type the failure carries', () => {
    const failure = appFailure('Err', true);
    expect(decideRetry({ ...base, attempt: 1, failure, timeoutType: TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE }).retryState).toBe(RetryState.RETRY_STATE_IN_PROGRESS);
  });

  it('rounds fractional backoffs to the millisecond, and caps nothing when the maximum interval is 0', () => {
    expect(decideRetry({ ...base, attempt: 3, policy: { ...policy, initialInterval: ms(1500), backoffCoefficient: 1.5 } }).backoffMs).toBe(3375);
    expect(decideRetry({ ...base, attempt: 3, policy: { ...policy, initialInterval: ms(333), backoffCoefficient: 1.1 } }).backoffMs).toBe(403);
    expect(decideRetry({ ...base, attempt: 21, policy: { ...policy, maximumInterval: undefined } }).backoffMs).toBe(1000 * 2 ** 20);
  });

  it('next_retry_delay wins over the maximum interval, but not over maximum attempts or the expiration', () => {
    const failure = Failure.fromPartial({ applicationFailureInfo: { type: 'Err', nextRetryDelay: { seconds: 500, nanos: 0 } } });
    expect(decideRetry({ ...base, attempt: 1, failure }).backoffMs).toBe(500_000);
    expect(decideRetry({ ...base, attempt: 2, failure, policy: { ...policy, maximumAttempts: 2 } }).retryState).toBe(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
    expect(decideRetry({ ...base, attempt: 1, failure, expiration: new Date(now.getTime() + 499_999) }).retryState).toBe(RetryState.RETRY_STATE_TIMEOUT);
  });

  it('an attempt that would start exactly at the expiration is still made', () => {
    expect(decideRetry({ ...base, attempt: 1, expiration: new Date(now.getTime() + 1000) })).toEqual({ retryState: RetryState.RETRY_STATE_IN_PROGRESS, backoffMs: 1000 });
    expect(decideRetry({ ...base, attempt: 1, expiration: new Date(now.getTime() + 999) }).retryState).toBe(RetryState.RETRY_STATE_TIMEOUT);
  });
});
