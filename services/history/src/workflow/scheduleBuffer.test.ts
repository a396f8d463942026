import { describe, expect, it } from 'vitest';
import { ScheduleOverlapPolicy } from '@kairos/proto/temporal/api/enums/v1/schedule';
import { processBuffer, type BufferDecision } from './scheduleBuffer';

const P = ScheduleOverlapPolicy;

interface Job {
  id: number;
  overlapPolicy: ScheduleOverlapPolicy;
}

/** Buffered starts 3, 5 and 7, all with `policy` (ids tell them apart in the decision). */
const jobs = (policy: ScheduleOverlapPolicy): Job[] => [3, 5, 7].map((id) => ({ id, overlapPolicy: policy }));
const asIs = (policy: ScheduleOverlapPolicy) => policy;

/** The decision with starts shown by id, for short assertions. */
function decide(buffer: Job[], isRunning: boolean, resolve = asIs) {
  const d: BufferDecision<Job> = processBuffer(buffer, isRunning, resolve);
  return {
    nonOverlappingStart: d.nonOverlappingStart?.id,
    overlappingStarts: d.overlappingStarts.map((j) => j.id),
    newBuffer: d.newBuffer.map((j) => j.id),
    overlapSkipped: d.overlapSkipped,
    needCancel: d.needCancel,
    needTerminate: d.needTerminate,
  };
}

const nothing = { nonOverlappingStart: undefined, overlappingStarts: [], newBuffer: [], overlapSkipped: 0, needCancel: false, needTerminate: false };

describe('processBuffer', () => {
  it('decides nothing for an empty buffer', () => {
    expect(decide([], false)).toEqual(nothing);
    expect(decide([], true)).toEqual(nothing);
  });

  describe('SKIP', () => {
    it('with nothing running starts the first and skips the rest', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_SKIP), false)).toEqual({ ...nothing, nonOverlappingStart: 3, overlapSkipped: 2 });
    });

    it('with a workflow running skips every start', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_SKIP), true)).toEqual({ ...nothing, overlapSkipped: 3 });
    });
  });

  describe('BUFFER_ONE', () => {
    it('with nothing running starts the first, keeps the next and skips the rest', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE), false)).toEqual({ ...nothing, nonOverlappingStart: 3, newBuffer: [5], overlapSkipped: 1 });
    });

    it('with a workflow running keeps only the first and skips the others', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE), true)).toEqual({ ...nothing, newBuffer: [3], overlapSkipped: 2 });
    });
  });

  describe('BUFFER_ALL', () => {
    it('with nothing running starts the first and keeps all the others, in order', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL), false)).toEqual({ ...nothing, nonOverlappingStart: 3, newBuffer: [5, 7] });
    });

    it('with a workflow running keeps every start and skips none', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL), true)).toEqual({ ...nothing, newBuffer: [3, 5, 7] });
    });
  });

  describe('CANCEL_OTHER', () => {
    it('with nothing running starts only the last (the earlier ones would be cancelled at once)', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER), false)).toEqual({ ...nothing, nonOverlappingStart: 7 });
    });

    it('with a workflow running asks for its cancellation and keeps every start', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER), true)).toEqual({ ...nothing, newBuffer: [3, 5, 7], needCancel: true });
    });
  });

  describe('TERMINATE_OTHER', () => {
    it('with nothing running starts only the last', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER), false)).toEqual({ ...nothing, nonOverlappingStart: 7 });
    });

    it('with a workflow running asks for its termination and keeps every start', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER), true)).toEqual({ ...nothing, newBuffer: [3, 5, 7], needTerminate: true });
    });
  });

  describe('ALLOW_ALL', () => {
    it('with nothing running starts every start as overlapping (none tracked as the non-overlapping one)', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL), false)).toEqual({ ...nothing, overlappingStarts: [3, 5, 7] });
    });

    it('with a workflow running still starts every start', () => {
      expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL), true)).toEqual({ ...nothing, overlappingStarts: [3, 5, 7] });
    });
  });

  it('resolves an unspecified policy through the callback, start by start', () => {
    const seen: ScheduleOverlapPolicy[] = [];
    const toTerminate = (policy: ScheduleOverlapPolicy) => {
      seen.push(policy);
      return P.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER;
    };
    expect(decide(jobs(P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED), false, toTerminate)).toEqual({ ...nothing, nonOverlappingStart: 7 });
    expect(seen).toEqual([P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED, P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED]);
  });

  it('applies each start its own resolved policy when the buffer mixes them', () => {
    const toSkip = (policy: ScheduleOverlapPolicy) => (policy === P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED ? P.SCHEDULE_OVERLAP_POLICY_SKIP : policy);
    const buffer: Job[] = [
      { id: 3, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_SKIP },
      { id: 5, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE },
      { id: 7, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED },
      { id: 9, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED },
      { id: 11, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL },
    ];
    expect(decide(buffer, true, toSkip)).toEqual({ ...nothing, overlappingStarts: [11], newBuffer: [5], overlapSkipped: 3 });
  });

  it('drops the overlapping starts when the running workflow is to be cancelled', () => {
    const buffer: Job[] = [
      { id: 3, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL },
      { id: 5, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER },
      { id: 7, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL },
    ];
    expect(decide(buffer, true)).toEqual({ ...nothing, newBuffer: [5], needCancel: true });
  });

  it('drops the overlapping starts when the running workflow is to be terminated', () => {
    const buffer: Job[] = [
      { id: 3, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER },
      { id: 5, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL },
    ];
    expect(decide(buffer, true)).toEqual({ ...nothing, newBuffer: [3], needTerminate: true });
  });

  it('keeps the overlapping starts when nothing running needs replacing', () => {
    const buffer: Job[] = [
      { id: 3, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL },
      { id: 5, overlapPolicy: P.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER },
    ];
    expect(decide(buffer, false)).toEqual({ ...nothing, nonOverlappingStart: 5, overlappingStarts: [3] });
  });

  it('does not change the buffer it is given', () => {
    const buffer = jobs(P.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE);
    processBuffer(buffer, true, asIs);
    expect(buffer.map((j) => j.id)).toEqual([3, 5, 7]);
  });
});
