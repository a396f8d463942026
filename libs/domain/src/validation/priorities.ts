import type { Priority } from '@kairos/proto/temporal/api/common/v1/message';
import { byteLength } from './idLengths';

/** Temporal's limit on a fairness key (common/priorities). */
const FAIRNESS_KEY_MAX_LENGTH = 64;

/** Why Temporal refuses a priority (priorities.Validate), or undefined. */
export function priorityProblem(priority: Priority | undefined): string | undefined {
  if (!priority) return undefined;
  if (priority.priorityKey < 0) return "priority key can't be negative";
  if (byteLength(priority.fairnessKey) > FAIRNESS_KEY_MAX_LENGTH) return 'fairness key length exceeds limit';
  if (priority.fairnessWeight < 0) return 'must be greater than zero';
  return undefined;
}

/**
 * Temporal's priorities.Merge: each field of `override` that is set (non-zero) wins over
 * `base`'s (an activity's priority over its run's).
 */
export function mergePriorities(base: Priority | undefined, override: Priority | undefined): Priority | undefined {
  if (!base) return override;
  if (!override) return base;
  return {
    priorityKey: override.priorityKey || base.priorityKey,
    fairnessKey: override.fairnessKey || base.fairnessKey,
    fairnessWeight: override.fairnessWeight || base.fairnessWeight,
  };
}
