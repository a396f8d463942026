import { describe, expect, it } from 'vitest';
import { RetryPolicy } from '@kairos/proto/temporal/api/common/v1/message';
import { checkedRetryPolicy, ensureRetryDefaults, retryPolicyProblem } from './retryPolicies';

const policy = (fields: Parameters<typeof RetryPolicy.fromPartial>[0]) => RetryPolicy.fromPartial(fields);
const problem = (fields: Parameters<typeof RetryPolicy.fromPartial>[0]) => retryPolicyProblem(ensureRetryDefaults(policy(fields)));

describe('retry policies as Temporal checks them (EnsureDefaults, then Validate)', () => {
  it('fills the defaults of unset fields: 1 s, ×2, a maximum of 100 × the initial interval, unlimited attempts', () => {
    expect(ensureRetryDefaults(policy({}))).toEqual({
      initialInterval: { seconds: 1, nanos: 0 },
      backoffCoefficient: 2,
      maximumInterval: { seconds: 100, nanos: 0 },
      maximumAttempts: 0,
      nonRetryableErrorTypes: [],
    });
    const given = { seconds: 0, nanos: 2_000_000_000 };
    // A set interval is kept as it is (not normalised); the derived maximum is.
    expect(ensureRetryDefaults(policy({ initialInterval: given }))).toMatchObject({ initialInterval: given, maximumInterval: { seconds: 200, nanos: 0 } });
  });

  it('answers Temporal’s sentences, in its order', () => {
    expect(problem({})).toBeUndefined();
    expect(problem({ initialInterval: { seconds: -1 } })).toBe('invalid InitialInterval set on retry policy: negative duration');
    expect(problem({ initialInterval: { seconds: 1, nanos: -1 } })).toBe('invalid InitialInterval set on retry policy: duration has seconds and nanos with different signs');
    expect(problem({ backoffCoefficient: 0.99 })).toBe('BackoffCoefficient cannot be less than 1 on retry policy.');
    expect(problem({ maximumInterval: { seconds: -5 } })).toBe('invalid MaximumInterval set on retry policy: negative duration');
    expect(problem({ initialInterval: { seconds: 10 }, maximumInterval: { seconds: 5 } })).toBe('MaximumInterval cannot be less than InitialInterval on retry policy.');
    expect(problem({ maximumAttempts: -1 })).toBe('MaximumAttempts cannot be negative on retry policy.');
    expect(problem({ nonRetryableErrorTypes: ['TemporalTimeout:Foo'] })).toBe('Invalid timeout type value: Foo.');
    expect(problem({ nonRetryableErrorTypes: ['TemporalTimeout:Unspecified'] })).toBe('Invalid timeout type value: Unspecified.');
    expect(problem({ nonRetryableErrorTypes: ['TemporalTimeout:StartToClose', 'TemporalTimeout:TIMEOUT_TYPE_HEARTBEAT', 'MyError'] })).toBeUndefined();
  });

  it('a single attempt is not looked at further', () => {
    expect(problem({ maximumAttempts: 1, backoffCoefficient: 0.1, initialInterval: { seconds: -1 } })).toBeUndefined();
  });

  it('an int64-max initial interval makes the default maximum overflow to a negative duration, as in Go', () => {
    expect(problem({ initialInterval: { seconds: Number('9223372036854775807') } })).toBe('invalid MaximumInterval set on retry policy: negative duration');
  });

  it('checkedRetryPolicy: absent stays absent; otherwise defaulted, validated and capped', () => {
    expect(checkedRetryPolicy(undefined, (p) => new Error(p))).toBeUndefined();
    expect(() => checkedRetryPolicy(policy({ maximumAttempts: -1 }), (p) => new Error(p))).toThrow('MaximumAttempts cannot be negative on retry policy.');
    expect(checkedRetryPolicy(policy({ maximumInterval: { seconds: 400_000_000_000 } }), (p) => new Error(p))?.maximumInterval).toEqual({ seconds: 3_153_600_000, nanos: 0 });
  });
});
