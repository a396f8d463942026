import { ScheduleOverlapPolicy } from '@kairos/proto/temporal/api/enums/v1/schedule';

/** A start waiting in a schedule's buffer: only its overlap policy matters here. */
export interface Overlappable {
  overlapPolicy: ScheduleOverlapPolicy;
}

export interface BufferDecision<T> {
  /** The one start that does not overlap (tracked as running once started). */
  nonOverlappingStart: T | undefined;
  /** ALLOW_ALL starts: started at once, whatever runs. */
  overlappingStarts: T[];
  /** What stays buffered until the running workflow closes. */
  newBuffer: T[];
  overlapSkipped: number;
  needCancel: boolean;
  needTerminate: boolean;
}

/**
 * Temporal's ProcessBuffer: which buffered starts start now, which wait, which are skipped, and
 * whether the running workflow must be cancelled or terminated first. A start without a policy
 * takes the schedule's (`resolve`), as late as possible, so an update of the policy applies to it.
 */
export function processBuffer<T extends Overlappable>(
  buffer: readonly T[],
  isRunning: boolean,
  resolve: (policy: ScheduleOverlapPolicy) => ScheduleOverlapPolicy,
): BufferDecision<T> {
  const out: BufferDecision<T> = { nonOverlappingStart: undefined, overlappingStarts: [], newBuffer: [], overlapSkipped: 0, needCancel: false, needTerminate: false };
  for (const start of buffer) {
    const policy = resolve(start.overlapPolicy);
    if (policy === ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL) {
      out.overlappingStarts.push(start);
      continue;
    }
    if (!isRunning && out.nonOverlappingStart === undefined) {
      out.nonOverlappingStart = start;
      continue;
    }
    switch (policy) {
      case ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE:
        if (out.newBuffer.length === 0) out.newBuffer.push(start);
        else out.overlapSkipped++;
        break;
      case ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL:
        out.newBuffer.push(start);
        break;
      case ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER:
        if (isRunning) {
          out.needCancel = true;
          out.newBuffer.push(start);
        } else {
          out.nonOverlappingStart = start;
        }
        break;
      case ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER:
        if (isRunning) {
          out.needTerminate = true;
          out.newBuffer.push(start);
        } else {
          out.nonOverlappingStart = start;
        }
        break;
      default: // SKIP
        out.overlapSkipped++;
    }
  }
  // The running workflow is being replaced: starting overlapping ones now would only see them
  // cancelled or terminated too.
  if (out.needCancel || out.needTerminate) out.overlappingStarts = [];
  return out;
}
