import { invalidTaskToken } from '@kairos/common/errors';
import { TaskToken, TaskTokenKind } from '@kairos/proto/kairos/persistence/v1/executions';
import { encodeMessage } from '@kairos/proto';

// A version byte in front of the encoded proto lets us reject foreign or garbage tokens with
// INVALID_ARGUMENT instead of decoding them into nonsense.
const TOKEN_VERSION = 0x4b; // 'K'

export function encodeTaskToken(token: Partial<TaskToken>): Uint8Array {
  const body = encodeMessage(TaskToken, TaskToken.fromPartial(token));
  const out = new Uint8Array(body.length + 1);
  out[0] = TOKEN_VERSION;
  out.set(body, 1);
  return out;
}

/** Decodes a worker-supplied token; anything malformed is INVALID_ARGUMENT, as Temporal answers. */
export function decodeTaskToken(bytes: Uint8Array | undefined, expected: TaskTokenKind): TaskToken {
  if (!bytes || bytes.length < 2 || bytes[0] !== TOKEN_VERSION) {
    throw invalidTaskToken();
  }
  let token: TaskToken;
  try {
    token = TaskToken.decode(bytes.subarray(1));
  } catch {
    throw invalidTaskToken();
  }
  if (token.kind !== expected || !token.namespaceId || !token.workflowId || !token.runId) {
    throw invalidTaskToken();
  }
  return token;
}
