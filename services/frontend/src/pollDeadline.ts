import type { CallContext } from 'nice-grpc-common';
import { pollDeadlineNotSet, pollDeadlineTooShort } from '@kairos/common/errors';
import { callDeadline } from '@kairos/common/callDeadline';
import { setting } from '@kairos/common/settings';

/** Temporal requires a deadline on task polls and refuses very short ones (`frontend.minPollTimeout`). */
export function requirePollDeadline(context: CallContext, receivedAt: number): void {
  const deadline = callDeadline(context);
  if (!deadline) throw pollDeadlineNotSet();
  if (deadline.getTime() - receivedAt < setting('frontend.minPollTimeout')) throw pollDeadlineTooShort();
}

/**
 * How long a poll may wait: until `frontend.longPollTailRoom` before the caller's deadline (the
 * server wiring puts the deadline on the call context), at most `frontend.maxPollWait`.
 */
export function pollWaitMs(context: CallContext, receivedAt: number): number {
  const maxWaitMs = setting('frontend.maxPollWait');
  const deadline = callDeadline(context);
  if (!deadline) return maxWaitMs;
  return Math.max(0, Math.min(maxWaitMs, deadline.getTime() - receivedAt - setting('frontend.longPollTailRoom')));
}
