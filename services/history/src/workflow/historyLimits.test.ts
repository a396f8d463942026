import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@kairos/domain';
import { reopen } from '../../test/runFixtures';
import { runAfterFirstCompletion } from '../../test/workflowTaskFixtures';
import { historyGrowthWarnings, historyLimitExceeded } from './historyLimits';
import type { RunTransaction } from './runTransaction';
import { EventType, WorkflowExecutionStatus } from './protos';

const AT = new Date('2026-03-01T10:00:00.000Z');

/** A run of 4 events that appends one marker (event 5) in this transaction. */
function runAppendingOneEvent(): RunTransaction {
  const run = reopen(runAfterFirstCompletion(), AT);
  run.appendEvent(EventType.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'm' } });
  return run;
}

describe('historyLimitExceeded', () => {
  it('is undefined within the limits', () => {
    const run = runAppendingOneEvent();
    expect(historyLimitExceeded(run, 1_000, DEFAULT_LIMITS)).toBeUndefined();
  });

  it('names the size limit when the bytes before plus this transaction’s pass it', () => {
    const run = runAppendingOneEvent();
    const bytes = run.newEventBytes();
    const limits = { ...DEFAULT_LIMITS, historySizeLimitError: 1_000 + bytes };
    expect(historyLimitExceeded(run, 1_000, limits)).toBeUndefined();
    expect(historyLimitExceeded(run, 1_001, limits)).toBe('Workflow history size exceeds limit.');
  });

  it('names the count limit when the history would hold more events than allowed', () => {
    const run = runAppendingOneEvent();
    expect(historyLimitExceeded(run, 0, { ...DEFAULT_LIMITS, historyCountLimitError: 5 })).toBeUndefined();
    expect(historyLimitExceeded(run, 0, { ...DEFAULT_LIMITS, historyCountLimitError: 4 })).toBe('Workflow history count exceeds limit.');
  });

  it('does not hold back a transaction that closes the run', () => {
    const run = runAppendingOneEvent();
    run.markClosed(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, 5);
    expect(historyLimitExceeded(run, 10_000, { ...DEFAULT_LIMITS, historySizeLimitError: 1, historyCountLimitError: 1 })).toBeUndefined();
  });
});

describe('historyGrowthWarnings', () => {
  it('warns once, in the transaction that crosses the event count warning', () => {
    const limits = { ...DEFAULT_LIMITS, historyCountLimitWarn: 4 };
    const run = runAppendingOneEvent();
    const bytes = 100 + run.newEventBytes();
    expect(historyGrowthWarnings({ events: 4, bytes: 100 }, run, limits)).toEqual([
      { message: 'history event count exceeds warn limit', fields: { events: 5, bytes, warnLimit: 4, errorLimit: DEFAULT_LIMITS.historyCountLimitError } },
    ]);
    expect(historyGrowthWarnings({ events: 5, bytes: 100 }, run, limits)).toEqual([]);
  });

  it('warns once, in the transaction that crosses the size warning', () => {
    const run = runAppendingOneEvent();
    const limits = { ...DEFAULT_LIMITS, historySizeLimitWarn: 1_000 };
    expect(historyGrowthWarnings({ events: 4, bytes: 1_000 }, run, limits)).toEqual([
      expect.objectContaining({ message: 'history size exceeds warn limit', fields: expect.objectContaining({ warnLimit: 1_000, errorLimit: DEFAULT_LIMITS.historySizeLimitError }) }),
    ]);
    expect(historyGrowthWarnings({ events: 4, bytes: 1_001 }, run, limits)).toEqual([]);
    expect(historyGrowthWarnings({ events: 4, bytes: 1_000 - run.newEventBytes() }, run, limits)).toEqual([]);
  });
});
