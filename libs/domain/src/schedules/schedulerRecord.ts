/**
 * How a schedule's record looks from outside (Temporal's workflow-backed scheduler): the names
 * history writes it under and the frontend reads it back by, in one place.
 */

/** A schedule's record lives under this workflow id prefix (Temporal's scheduler workflow id). */
export const SCHEDULER_WORKFLOW_ID_PREFIX = 'temporal-sys-scheduler:';
export const SCHEDULER_WORKFLOW_TYPE = 'temporal-sys-scheduler-workflow';
/** Schedules' visibility rows carry this TemporalNamespaceDivision, so workflow lists leave them out. */
export const SCHEDULER_NAMESPACE_DIVISION = 'TemporalScheduler';
/** The memo field holding the encoded ScheduleListInfo that ListSchedules shows. */
export const SCHEDULE_INFO_MEMO_FIELD = 'ScheduleInfo';

/** The record's own search attributes, never shown to users (Temporal's cleanScheduleSearchAttributes). */
const SCHEDULER_SEARCH_ATTRIBUTES = new Set(['TemporalSchedulePaused', 'TemporalScheduleInfoJSON', 'BinaryChecksums', 'BuildIds', 'TemporalNamespaceDivision']);

export function schedulerWorkflowId(scheduleId: string): string {
  return SCHEDULER_WORKFLOW_ID_PREFIX + scheduleId;
}

/** The user's fields of a record's memo or search attributes (the scheduler's own removed), or undefined when none are left. */
export function userScheduleFields<T>(fields: Record<string, T> | undefined, kind: 'memo' | 'searchAttributes'): Record<string, T> | undefined {
  const own = (name: string) => (kind === 'memo' ? name === SCHEDULE_INFO_MEMO_FIELD : SCHEDULER_SEARCH_ATTRIBUTES.has(name));
  const kept = Object.fromEntries(Object.entries(fields ?? {}).filter(([name]) => !own(name)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}
