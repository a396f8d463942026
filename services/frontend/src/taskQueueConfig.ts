import { invalidArgument } from '@kairos/common/errors';
import { byteLength, maxIdLength } from '@kairos/domain';
import type { MatchingClient } from '@kairos/cluster';
import { TaskQueueType } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import type { UpdateTaskQueueConfigRequest, UpdateTaskQueueConfigRequest_RateLimitUpdate, UpdateTaskQueueConfigResponse } from '@kairos/proto/temporal/api/workflowservice/v1/request_response';

/** Temporal's limit on a rate limit update's reason (bytes). */
const MAX_REASON_LENGTH = 1000;
/** Temporal's limit on a fairness key (bytes). */
const MAX_FAIRNESS_KEY_LENGTH = 64;
/** Temporal's matching.maxFairnessKeyWeightOverrides: keys one request may set and unset. */
const MAX_FAIRNESS_WEIGHT_OVERRIDES = 1000;
/** Names Temporal keeps for its own queues. */
const SYSTEM_QUEUE_PREFIX = '/_sys/';

function checkRateLimit(update: UpdateTaskQueueConfigRequest_RateLimitUpdate | undefined, label: string): void {
  // Removing a limit (no rate) is not checked at all, its reason neither.
  if (!update?.rateLimit) return;
  if (update.rateLimit.requestsPerSecond < 0) throw invalidArgument(`RequestsPerSecond for ${label} rate limit must be non-negative.`);
  if (byteLength(update.reason) > MAX_REASON_LENGTH) throw invalidArgument(`${label}.Reason field too long (max ${MAX_REASON_LENGTH} characters).`);
}

function checkFairnessKey(key: string): void {
  if (key === '') throw invalidArgument('fairness weight override key must not be empty');
  if (byteLength(key) > MAX_FAIRNESS_KEY_LENGTH) throw invalidArgument('fairness key length exceeds limit');
}

/**
 * Temporal's checks of UpdateTaskQueueConfig, in its order and words: no rate limits on workflow
 * queues, rates not negative, reasons and identity within their lengths, weight overrides with
 * keys of 1–64 bytes, positive weights, a key not both set and unset. Any task queue type and
 * name is taken (Temporal stores a configuration per type number), except Temporal's own queues.
 */
export function checkTaskQueueConfigUpdate(request: UpdateTaskQueueConfigRequest): void {
  const workflowQueue = request.taskQueueType === TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW;
  if (request.updateQueueRateLimit?.rateLimit && workflowQueue) throw invalidArgument('Setting rate limit on workflow task queues is not allowed.');
  checkRateLimit(request.updateQueueRateLimit, 'UpdateQueueRateLimit');
  if (request.updateFairnessKeyRateLimitDefault?.rateLimit && workflowQueue) {
    throw invalidArgument('Setting fairness key rate limit on workflow task queues is not allowed.');
  }
  checkRateLimit(request.updateFairnessKeyRateLimitDefault, 'UpdateFairnessKeyRateLimitDefault');
  if (byteLength(request.identity) > maxIdLength()) throw invalidArgument(`Identity field too long (max ${maxIdLength()} characters).`);

  const set = Object.entries(request.setFairnessWeightOverrides);
  const unset = request.unsetFairnessWeightOverrides;
  if (set.length + unset.length > MAX_FAIRNESS_WEIGHT_OVERRIDES) {
    throw invalidArgument(`too many fairness weight overrides in request: got ${set.length + unset.length}, maximum ${MAX_FAIRNESS_WEIGHT_OVERRIDES}`);
  }
  for (const [key, weight] of set) {
    checkFairnessKey(key);
    if (weight <= 0) throw invalidArgument(`invalid fairness weight weight for key ${JSON.stringify(key)}: must be greater than zero`);
  }
  for (const key of unset) checkFairnessKey(key);
  for (const key of unset) {
    if (Object.hasOwn(request.setFairnessWeightOverrides, key)) {
      throw invalidArgument(`fairness weight override key ${JSON.stringify(key)} present in both set and unset lists`);
    }
  }
  if (request.taskQueue.startsWith(SYSTEM_QUEUE_PREFIX)) {
    throw invalidArgument(`task queue family name cannot have prefix ${SYSTEM_QUEUE_PREFIX} ${request.taskQueue}`);
  }
}

/**
 * UpdateTaskQueueConfig: checked here, then stored and applied by the matching instance serving
 * the queue (its rate limit takes effect at once there); answers the stored configuration.
 */
export async function updateTaskQueueConfig(matching: MatchingClient, namespaceId: string, request: UpdateTaskQueueConfigRequest): Promise<UpdateTaskQueueConfigResponse> {
  checkTaskQueueConfigUpdate(request);
  const { config } = await matching.updateTaskQueueConfig({ namespaceId, request });
  return { config };
}
