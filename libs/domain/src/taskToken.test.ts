import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { TaskTokenKind } from '@kairos/proto/kairos/persistence/v1/executions';
import { decodeTaskToken, encodeTaskToken } from './taskToken';
import { shardIdFor } from './shards';

describe('task tokens', () => {
  it('round-trip the identifying fields', () => {
    const bytes = encodeTaskToken({ kind: TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK, namespaceId: 'ns', workflowId: 'w', runId: 'r', scheduledEventId: 5, attempt: 2, activityId: '1' });
    const token = decodeTaskToken(bytes, TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK);
    expect(token).toMatchObject({ namespaceId: 'ns', workflowId: 'w', runId: 'r', scheduledEventId: 5, attempt: 2, activityId: '1' });
  });

  it('reject garbage, empty and wrong-kind tokens with INVALID_ARGUMENT', () => {
    const wft = encodeTaskToken({ kind: TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK, namespaceId: 'ns', workflowId: 'w', runId: 'r' });
    for (const bad of [new Uint8Array(), Buffer.from('garbage'), Buffer.from([0x4b, 0xff, 0xff, 0xff]), wft]) {
      expect(() => decodeTaskToken(bad, TaskTokenKind.TASK_TOKEN_KIND_ACTIVITY_TASK)).toThrowError(expect.objectContaining({ code: Status.INVALID_ARGUMENT }));
    }
  });
});

describe('shard routing', () => {
  it('is stable and within range', () => {
    expect(shardIdFor('ns', 'wf', 4)).toBe(shardIdFor('ns', 'wf', 4));
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const shard = shardIdFor('ns', `wf-${i}`, 4);
      expect(shard).toBeGreaterThanOrEqual(1);
      expect(shard).toBeLessThanOrEqual(4);
      seen.add(shard);
    }
    expect(seen.size).toBe(4);
  });
});
