import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { RateLimitSource } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { UpdateTaskQueueConfigRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { applyTaskQueueConfigUpdate, effectiveRateLimit, MAX_FAIRNESS_WEIGHT_OVERRIDES } from './taskQueueConfig';

const at = new Date('2026-05-01T00:00:00.123Z');
const update = (fields: Partial<UpdateTaskQueueConfigRequest>) => UpdateTaskQueueConfigRequest.fromPartial({ namespace: 'default', taskQueue: 'q', taskQueueType: 2, ...fields });

describe('applyTaskQueueConfigUpdate', () => {
  it('an empty update stores an empty configuration', () => {
    expect(applyTaskQueueConfigUpdate(undefined, update({}), at)).toEqual({ queueRateLimit: undefined, fairnessKeysRateLimitDefault: undefined, fairnessWeightOverrides: {} });
  });

  it('sets each rate limit given with the reason, identity and time; leaves the other alone', () => {
    const first = applyTaskQueueConfigUpdate(undefined, update({ identity: 'me', updateQueueRateLimit: { rateLimit: { requestsPerSecond: 2.5 }, reason: 'slow' } }), at);
    expect(first.queueRateLimit).toEqual({ rateLimit: { requestsPerSecond: 2.5 }, metadata: { reason: 'slow', updateIdentity: 'me', updateTime: at } });
    const second = applyTaskQueueConfigUpdate(first, update({ updateFairnessKeyRateLimitDefault: { rateLimit: { requestsPerSecond: 1 }, reason: 'fk' } }), at);
    expect(second.queueRateLimit).toEqual(first.queueRateLimit);
    expect(second.fairnessKeysRateLimitDefault).toEqual({ rateLimit: { requestsPerSecond: 1 }, metadata: { reason: 'fk', updateIdentity: '', updateTime: at } });
    // An update without a rate removes the limit and keeps why.
    const removed = applyTaskQueueConfigUpdate(second, update({ updateQueueRateLimit: { rateLimit: undefined, reason: 'gone' } }), at);
    expect(removed.queueRateLimit).toEqual({ rateLimit: undefined, metadata: { reason: 'gone', updateIdentity: '', updateTime: at } });
  });

  it('merges weight overrides: unset, then set; refuses more than the limit', () => {
    const first = applyTaskQueueConfigUpdate(undefined, update({ setFairnessWeightOverrides: { a: 2, b: 0.5 } }), at);
    const second = applyTaskQueueConfigUpdate(first, update({ setFairnessWeightOverrides: { c: 3 }, unsetFairnessWeightOverrides: ['a', 'zz'] }), at);
    expect(second.fairnessWeightOverrides).toEqual({ b: 0.5, c: 3 });
    const many = Object.fromEntries(Array.from({ length: MAX_FAIRNESS_WEIGHT_OVERRIDES }, (_, i) => [`k${i}`, 1]));
    expect(() => applyTaskQueueConfigUpdate(second, update({ setFairnessWeightOverrides: many }), at)).toThrow(
      expect.objectContaining({ code: Status.INVALID_ARGUMENT, message: 'fairness weight overrides update rejected: exceeding maximum key size' }),
    );
  });
});

describe('effectiveRateLimit', () => {
  it('the API rate, else the worker\'s, else none (the system default)', () => {
    const config = applyTaskQueueConfigUpdate(undefined, update({ updateQueueRateLimit: { rateLimit: { requestsPerSecond: 0 }, reason: '' } }), at);
    expect(effectiveRateLimit(config, 9)).toEqual({ requestsPerSecond: 0, source: RateLimitSource.RATE_LIMIT_SOURCE_API });
    const removed = applyTaskQueueConfigUpdate(config, update({ updateQueueRateLimit: { rateLimit: undefined, reason: '' } }), at);
    expect(effectiveRateLimit(removed, 9)).toEqual({ requestsPerSecond: 9, source: RateLimitSource.RATE_LIMIT_SOURCE_WORKER });
    expect(effectiveRateLimit(undefined, undefined)).toEqual({ requestsPerSecond: undefined, source: RateLimitSource.RATE_LIMIT_SOURCE_SYSTEM });
  });
});
