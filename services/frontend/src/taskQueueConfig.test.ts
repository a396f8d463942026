import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import type { TaskQueueType } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { UpdateTaskQueueConfigRequest } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { checkTaskQueueConfigUpdate } from './taskQueueConfig';

const request = (fields: Partial<UpdateTaskQueueConfigRequest>) => UpdateTaskQueueConfigRequest.fromPartial({ namespace: 'default', taskQueue: 'q', taskQueueType: 2, ...fields });
const rate = (requestsPerSecond: number, reason = '') => ({ rateLimit: { requestsPerSecond }, reason });

function refusal(fields: Partial<UpdateTaskQueueConfigRequest>): string | undefined {
  try {
    checkTaskQueueConfigUpdate(request(fields));
    return undefined;
  } catch (err) {
    expect((err as { code?: Status }).code).toBe(Status.INVALID_ARGUMENT);
    return (err as Error).message;
  }
}

describe('UpdateTaskQueueConfig checks (Temporal\'s words)', () => {
  it('takes what Temporal takes: a rate of 0, removal with any reason, any type or name, weights on workflow queues', () => {
    expect(refusal({ updateQueueRateLimit: rate(0) })).toBeUndefined();
    expect(refusal({ updateQueueRateLimit: { rateLimit: undefined, reason: 'x'.repeat(5000) } })).toBeUndefined();
    expect(refusal({ taskQueueType: 0, updateQueueRateLimit: rate(1) })).toBeUndefined();
    expect(refusal({ taskQueueType: 99 as TaskQueueType, taskQueue: '' })).toBeUndefined();
    expect(refusal({ taskQueueType: 1, setFairnessWeightOverrides: { a: 2 } })).toBeUndefined();
    expect(refusal({ updateQueueRateLimit: rate(1, 'x'.repeat(1000)) })).toBeUndefined();
  });

  it.each<[string, Partial<UpdateTaskQueueConfigRequest>, string]>([
    ['workflow queue rate', { taskQueueType: 1, updateQueueRateLimit: rate(1) }, 'Setting rate limit on workflow task queues is not allowed.'],
    ['workflow fairness rate', { taskQueueType: 1, updateFairnessKeyRateLimitDefault: rate(1) }, 'Setting fairness key rate limit on workflow task queues is not allowed.'],
    ['negative rate', { updateQueueRateLimit: rate(-1) }, 'RequestsPerSecond for UpdateQueueRateLimit rate limit must be non-negative.'],
    ['negative fairness rate', { updateFairnessKeyRateLimitDefault: rate(-0.5) }, 'RequestsPerSecond for UpdateFairnessKeyRateLimitDefault rate limit must be non-negative.'],
    ['long reason', { updateQueueRateLimit: rate(1, 'x'.repeat(1001)) }, 'UpdateQueueRateLimit.Reason field too long (max 1000 characters).'],
    ['long identity', { identity: 'i'.repeat(1001) }, 'Identity field too long (max 1000 characters).'],
    ['zero weight', { setFairnessWeightOverrides: { a: 0 } }, 'invalid fairness weight weight for key "a": must be greater than zero'],
    ['empty key', { setFairnessWeightOverrides: { '': 1 } }, 'fairness weight override key must not be empty'],
    ['long key', { setFairnessWeightOverrides: { ['k'.repeat(65)]: 1 } }, 'fairness key length exceeds limit'],
    ['empty unset key', { unsetFairnessWeightOverrides: [''] }, 'fairness weight override key must not be empty'],
    ['set and unset', { setFairnessWeightOverrides: { a: 1 }, unsetFairnessWeightOverrides: ['a'] }, 'fairness weight override key "a" present in both set and unset lists'],
    ['too many', { unsetFairnessWeightOverrides: Array.from({ length: 1001 }, (_, i) => `k${i}`) }, 'too many fairness weight overrides in request: got 1001, maximum 1000'],
    ['system queue', { taskQueue: '/_sys/x/1' }, 'task queue family name cannot have prefix /_sys/ /_sys/x/1'],
  ])('%s', (_, fields, message) => {
    expect(refusal(fields)).toBe(message);
  });
});
