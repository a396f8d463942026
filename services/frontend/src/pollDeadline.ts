import type { CallContext } from 'nice-grpc-common';

/** Temporal answers an empty poll this long before the caller's deadline, so it arrives in time. */
export const LONG_POLL_TAIL_ROOM_MS = 1_000;
/** Longest a task poll waits when the caller sets no deadline (Temporal's matching default). */
export const MAX_POLL_WAIT_MS = 60_000;

/**
 * How long a poll may wait: until shortly before the caller's deadline. The deadline is read
 * from the `grpc-timeout` the gRPC layer recorded on the context (see the server wiring).
 */
export function pollWaitMs(context: CallContext, receivedAt: number): number {
  const deadline = (context as CallContext & { deadline?: Date }).deadline;
  if (!deadline) return MAX_POLL_WAIT_MS;
  return Math.max(0, Math.min(MAX_POLL_WAIT_MS, deadline.getTime() - receivedAt - LONG_POLL_TAIL_ROOM_MS));
}
