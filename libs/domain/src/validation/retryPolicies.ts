import { setting } from '@kairos/common/settings';
import type { RetryPolicy } from '@kairos/proto/temporal/api/common/v1/message';
import { TimeoutType } from '@kairos/proto/temporal/api/enums/v1/workflow';
import { capDuration, durationFromNanos, durationNanos, durationProblem } from './protoDurations';

/*
 * Retry policies as Temporal checks them (common/retrypolicy EnsureDefaults and Validate), for a
 * start request, an activity, a child or a continue-as-new: unset fields take the defaults first,
 * then the policy is validated and its intervals capped.
 */

const TIMEOUT_FAILURE_TYPE_PREFIX = 'TemporalTimeout:';

/** Go's time.Duration(factor) * d: the factor truncated to an integer, the product wrapping at 64 bits. */
function scaledNanos(nanos: bigint, factor: number): bigint {
  return BigInt.asIntN(64, BigInt(Math.trunc(factor)) * nanos);
}

/** EnsureDefaults: unset (zero) fields take the default retry settings (maximum attempts stays 0: unlimited); a new policy. */
export function ensureRetryDefaults(policy: RetryPolicy): RetryPolicy {
  const out: RetryPolicy = { ...policy, nonRetryableErrorTypes: [...policy.nonRetryableErrorTypes] };
  if (durationNanos(out.initialInterval) === 0n) out.initialInterval = durationFromNanos(BigInt(setting('history.retryInitialInterval')) * 1_000_000n);
  if (durationNanos(out.maximumInterval) === 0n) {
    out.maximumInterval = durationFromNanos(scaledNanos(durationNanos(out.initialInterval), setting('history.retryMaximumIntervalFactor')));
  }
  if (out.backoffCoefficient === 0) out.backoffCoefficient = setting('history.retryBackoffCoefficient');
  return out;
}

/** The shorthand and full names Go's TimeoutTypeFromString accepts, UNSPECIFIED excluded. */
const TIMEOUT_TYPE_NAMES = new Set(
  Object.entries(TimeoutType)
    .filter(([name, value]) => typeof value === 'number' && value > 0 && name.startsWith('TIMEOUT_TYPE_'))
    .flatMap(([name]) => [name, name.replace(/^TIMEOUT_TYPE_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())]),
);

/**
 * Validate: why the (defaulted) policy is refused, in Temporal's words, or undefined. A policy of
 * one attempt is not looked at further (it never retries).
 */
export function retryPolicyProblem(policy: RetryPolicy | undefined): string | undefined {
  if (!policy || policy.maximumAttempts === 1) return undefined;
  const initial = durationProblem(policy.initialInterval);
  if (initial) return `invalid InitialInterval set on retry policy: ${initial}`;
  if (policy.backoffCoefficient < 1) return 'BackoffCoefficient cannot be less than 1 on retry policy.';
  const maximum = durationProblem(policy.maximumInterval);
  if (maximum) return `invalid MaximumInterval set on retry policy: ${maximum}`;
  const maximumNanos = durationNanos(capDuration(policy.maximumInterval));
  if (maximumNanos > 0n && maximumNanos < durationNanos(capDuration(policy.initialInterval))) {
    return 'MaximumInterval cannot be less than InitialInterval on retry policy.';
  }
  if (policy.maximumAttempts < 0) return 'MaximumAttempts cannot be negative on retry policy.';
  for (const type of policy.nonRetryableErrorTypes) {
    if (!type.startsWith(TIMEOUT_FAILURE_TYPE_PREFIX)) continue;
    const value = type.slice(TIMEOUT_FAILURE_TYPE_PREFIX.length);
    if (!TIMEOUT_TYPE_NAMES.has(value)) return `Invalid timeout type value: ${value}.`;
  }
  return undefined;
}

/**
 * A request's retry policy as Temporal takes it: absent stays absent (no retries for a workflow);
 * otherwise defaulted, validated (`refuse` makes the error from Temporal's reason) and its
 * intervals capped.
 */
export function checkedRetryPolicy(policy: RetryPolicy | undefined, refuse: (problem: string) => Error): RetryPolicy | undefined {
  if (!policy) return undefined;
  const defaulted = ensureRetryDefaults(policy);
  const problem = retryPolicyProblem(defaulted);
  if (problem) throw refuse(problem);
  if (defaulted.maximumAttempts === 1) return defaulted;
  return { ...defaulted, initialInterval: capDuration(defaulted.initialInterval), maximumInterval: capDuration(defaulted.maximumInterval) };
}
