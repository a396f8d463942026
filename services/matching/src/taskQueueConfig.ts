import { invalidArgument } from '@kairos/common/errors';
import { RateLimitSource } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { TaskQueueConfig, type RateLimitConfig } from '@kairos/proto/temporal/api/taskqueue/v1/message';
import type { UpdateTaskQueueConfigRequest, UpdateTaskQueueConfigRequest_RateLimitUpdate } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';

/** Temporal's matching.maxFairnessKeyWeightOverrides: overrides a queue keeps at once. */
export const MAX_FAIRNESS_WEIGHT_OVERRIDES = 1000;

function rateLimitConfig(update: UpdateTaskQueueConfigRequest_RateLimitUpdate, identity: string, now: Date): RateLimitConfig {
  return {
    // An update without a rate removes the limit; its reason and time are still recorded.
    rateLimit: update.rateLimit ? { requestsPerSecond: update.rateLimit.requestsPerSecond } : undefined,
    metadata: { reason: update.reason, updateIdentity: identity, updateTime: now },
  };
}

/**
 * A queue's configuration after an UpdateTaskQueueConfig request (already validated by the
 * frontend), as Temporal's matching applies it: each rate limit given is replaced with the
 * updater's identity and time; weight overrides are merged (unset first, then set) and refused
 * past the limit.
 */
export function applyTaskQueueConfigUpdate(current: TaskQueueConfig | undefined, request: UpdateTaskQueueConfigRequest, now: Date): TaskQueueConfig {
  const next = TaskQueueConfig.fromPartial(current ?? {});
  if (request.updateQueueRateLimit) next.queueRateLimit = rateLimitConfig(request.updateQueueRateLimit, request.identity, now);
  if (request.updateFairnessKeyRateLimitDefault) {
    next.fairnessKeysRateLimitDefault = rateLimitConfig(request.updateFairnessKeyRateLimitDefault, request.identity, now);
  }
  const set = request.setFairnessWeightOverrides;
  if (Object.keys(set).length > 0 || request.unsetFairnessWeightOverrides.length > 0) {
    const merged = { ...next.fairnessWeightOverrides };
    for (const key of request.unsetFairnessWeightOverrides) delete merged[key];
    Object.assign(merged, set);
    if (Object.keys(merged).length > MAX_FAIRNESS_WEIGHT_OVERRIDES) {
      throw invalidArgument('fairness weight overrides update rejected: exceeding maximum key size');
    }
    next.fairnessWeightOverrides = merged;
  }
  return next;
}

export interface EffectiveRateLimit {
  /** Undefined: Kairos applies no limit (Temporal's system default is reported). */
  requestsPerSecond: number | undefined;
  source: RateLimitSource;
}

/**
 * The rate a queue's tasks are dispatched at, as Temporal chooses it: the rate set by
 * UpdateTaskQueueConfig, else the one the polling worker asked for, else none (Temporal's
 * system limit; Kairos applies none).
 */
export function effectiveRateLimit(config: TaskQueueConfig | undefined, workerRatePerSecond: number | undefined): EffectiveRateLimit {
  const api = config?.queueRateLimit?.rateLimit;
  if (api) return { requestsPerSecond: api.requestsPerSecond, source: RateLimitSource.RATE_LIMIT_SOURCE_API };
  if (workerRatePerSecond !== undefined) return { requestsPerSecond: workerRatePerSecond, source: RateLimitSource.RATE_LIMIT_SOURCE_WORKER };
  return { requestsPerSecond: undefined, source: RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM };
}
