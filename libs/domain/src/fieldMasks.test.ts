import { describe, expect, it } from 'vitest';
import { camelFieldPath } from './fieldMasks';

describe('camelFieldPath', () => {
  it('turns each snake_case part of a mask path into lowerCamelCase, leaving camelCase alone', () => {
    expect(camelFieldPath('retry_policy.maximum_attempts')).toBe('retryPolicy.maximumAttempts');
    expect(camelFieldPath('task_queue.name')).toBe('taskQueue.name');
    expect(camelFieldPath('versioningOverride')).toBe('versioningOverride');
    expect(camelFieldPath('priority.fairness_key_2')).toBe('priority.fairnessKey2');
  });
});
