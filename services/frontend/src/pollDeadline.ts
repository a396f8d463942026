import type { CallContext } from 'nice-grpc-common';
import { pollDeadlineNotSet, pollDeadlineTooShort } from '@kairos/common/errors';
import { callDeadline } from '@kairos/common/callDeadline';

/** Temporal answers an empty poll this long before the caller's deadline, so it arrives in time. */
export const LONG_POLL_TAIL_ROOM_MS = 1_000;
/** Longest a task poll waits when the caller sets no deadline (Temporal's matching default). */
export const MAX_POLL_WAIT_MS = 60_000;

/** Temporal refuses long polls whose deadline leaves less than this. */
export const MIN_LONG_POLL_TIMEOUT_MS = 2_000;

/** Temporal requires a deadline on task polls and refuses very short ones. */
export function requirePollDeadline(context: CallContext, receivedAt: number): void {
  const deadline = callDeadline(context);
  if (!deadline) throw pollDeadlineNotSet();
  if (deadline.getTime() - receivedAt < MIN_LONG_POLL_TIMEOUT_MS) {
    throw pollDeadlineTooShort();
  }
}

/**
 * How long a poll may wait: until shortly before the caller's deadline (the server wiring puts
 * the deadline on the call context).
 */
export function pollWaitMs(context: CallContext, receivedAt: number): number {
  const deadline = callDeadline(context);
  if (!deadline) return MAX_POLL_WAIT_MS;
  return Math.max(0, Math.min(MAX_POLL_WAIT_MS, deadline.getTime() - receivedAt - LONG_POLL_TAIL_ROOM_MS));
}
