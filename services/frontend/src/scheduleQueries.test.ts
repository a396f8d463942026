import { describe, expect, it } from 'vitest';
import { scheduleQuery } from './scheduleQueries';

describe('scheduleQuery', () => {
  it('selects running schedules when no query is given', () => {
    const q = scheduleQuery('', new Map());
    expect(q.mentionsNamespaceDivision).toBe(true);
    expect(q.where?.kind).toBe('and');
  });

  it('gives ScheduleId values the scheduler prefix (WorkflowId underneath)', () => {
    const q = scheduleQuery("ScheduleId = 'daily' OR ScheduleId IN ('a', 'b')", new Map());
    const right = q.where!.kind === 'and' ? q.where!.right : undefined;
    expect(right?.kind).toBe('or');
    if (right?.kind !== 'or') return;
    expect(right.left).toMatchObject({ kind: 'compare', field: { name: 'WorkflowId' }, value: 'temporal-sys-scheduler:daily' });
    expect(right.right).toMatchObject({ kind: 'in', values: ['temporal-sys-scheduler:a', 'temporal-sys-scheduler:b'] });
  });

  it('allows TemporalSchedulePaused and custom attributes, refuses other system and reserved ones as Temporal', () => {
    expect(() => scheduleQuery('TemporalSchedulePaused = true', new Map())).not.toThrow();
    expect(() => scheduleQuery("Team = 'x'", new Map([['Team', 'Keyword']]))).not.toThrow();
    expect(() => scheduleQuery("WorkflowId = 'temporal-sys-scheduler:x'", new Map())).toThrow('invalid query filter for schedules: cannot filter on "WorkflowId"');
    expect(() => scheduleQuery("ExecutionStatus = 'Running'", new Map())).toThrow('cannot filter on "ExecutionStatus"');
    expect(() => scheduleQuery("TemporalNamespaceDivision = 'x'", new Map())).toThrow('cannot filter on "TemporalNamespaceDivision"');
  });
});
