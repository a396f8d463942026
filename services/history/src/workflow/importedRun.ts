import { addMs, durationToMs } from '@kairos/domain';
import { RunTransaction } from './runTransaction';
import {
  EventType,
  ExecutionInfo,
  MutableState,
  TaskQueue,
  TaskQueueKind,
  TimerTaskKind,
  WorkflowExecutionStatus,
  type HistoryEvent,
} from './protos';

/*
 * A history recorded elsewhere (exported with `temporal workflow show -o json`) kept as a closed,
 * read-only run: its events as they were, its state only what a closed run shows (Describe, List,
 * the UI, replay). Nothing of it is ever run again.
 */

/** Why an imported history cannot be kept, naming the event at fault. */
export class ImportedHistoryRefused extends Error {}

/** How each kind of closing event leaves the run. */
const CLOSING: ReadonlyMap<EventType, WorkflowExecutionStatus> = new Map([
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED],
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW],
]);

const E = EventType;
/** Event ids an event refers to, and the types the referenced event may have. */
const REFERENCES: ReadonlyMap<EventType, ReadonlyArray<[string, readonly EventType[]]>> = new Map<EventType, Array<[string, EventType[]]>>([
  [E.EVENT_TYPE_WORKFLOW_TASK_STARTED, [['scheduledEventId', [E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED]]]],
  ...[E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, E.EVENT_TYPE_WORKFLOW_TASK_FAILED, E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT].map(
    (t): [EventType, Array<[string, EventType[]]>] => [t, [['scheduledEventId', [E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED]], ['startedEventId', [E.EVENT_TYPE_WORKFLOW_TASK_STARTED]]]],
  ),
  [E.EVENT_TYPE_ACTIVITY_TASK_STARTED, [['scheduledEventId', [E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]]]],
  ...[E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, E.EVENT_TYPE_ACTIVITY_TASK_FAILED, E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, E.EVENT_TYPE_ACTIVITY_TASK_CANCELED].map(
    (t): [EventType, Array<[string, EventType[]]>] => [t, [['scheduledEventId', [E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]], ['startedEventId', [E.EVENT_TYPE_ACTIVITY_TASK_STARTED]]]],
  ),
  [E.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, [['scheduledEventId', [E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]]]],
  ...[E.EVENT_TYPE_TIMER_FIRED, E.EVENT_TYPE_TIMER_CANCELED].map((t): [EventType, Array<[string, EventType[]]>] => [t, [['startedEventId', [E.EVENT_TYPE_TIMER_STARTED]]]]),
  ...[
    E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
  ].map((t): [EventType, Array<[string, EventType[]]>] => [t, [['initiatedEventId', [E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED]]]]),
  ...[E.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED, E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED].map(
    (t): [EventType, Array<[string, EventType[]]>] => [t, [['initiatedEventId', [E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED]]]],
  ),
  ...[E.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED, E.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED].map(
    (t): [EventType, Array<[string, EventType[]]>] => [t, [['initiatedEventId', [E.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED]]]],
  ),
]);

/** `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED` → `activityTaskScheduledEventAttributes`. */
function attributesField(type: EventType): string {
  const words = (EventType[type] ?? '').replace(/^EVENT_TYPE_/, '').toLowerCase().split('_');
  return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('') + 'EventAttributes';
}

function typeName(type: EventType): string {
  return EventType[type] ?? String(type);
}

/**
 * Checks a history can stand as a closed run: ids 1, 2, 3… in order, WorkflowExecutionStarted
 * first, every event with a known type, its own attributes and its time, references to earlier
 * events of the right type, and exactly one closing event, the last. Throws naming the event.
 */
export function checkImportedHistory(events: readonly HistoryEvent[]): void {
  const refuse = (event: HistoryEvent, problem: string): never => {
    throw new ImportedHistoryRefused(`history event ${event.eventId} (${typeName(event.eventType)}): ${problem}`);
  };
  if (events.length === 0) throw new ImportedHistoryRefused('the history has no events');
  const typeById = new Map<number, EventType>();
  events.forEach((event, index) => {
    if (event.eventId !== index + 1) {
      throw new ImportedHistoryRefused(`history event at position ${index + 1} has id ${event.eventId}: ids must run 1, 2, 3… without gaps (after event ${index})`);
    }
    if (EventType[event.eventType] === undefined || event.eventType === EventType.EVENT_TYPE_UNSPECIFIED) refuse(event, 'unknown event type');
    if (index === 0 && event.eventType !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) refuse(event, 'a history starts with WorkflowExecutionStarted');
    if (index > 0 && event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) refuse(event, 'a second WorkflowExecutionStarted');
    if (!event.eventTime) refuse(event, 'no event time');
    const field = attributesField(event.eventType);
    const record = event as unknown as Record<string, unknown>;
    if (record[field] === undefined) refuse(event, `no ${field}`);
    const others = Object.keys(record).filter((k) => k.endsWith('EventAttributes') && k !== field && record[k] !== undefined);
    if (others.length > 0) refuse(event, `attributes of another event type (${others.join(', ')})`);
    const attrs = record[field] as Record<string, unknown>;
    for (const [name, allowed] of REFERENCES.get(event.eventType) ?? []) {
      const id = Number(attrs[name] ?? 0);
      // A started id of 0 is "never started" (e.g. an activity canceled before it started).
      if (id === 0 && name === 'startedEventId') continue;
      const referenced = typeById.get(id);
      if (referenced === undefined || !allowed.includes(referenced)) {
        refuse(event, `${name} ${id} is not an earlier ${allowed.map(typeName).join(' or ')} event`);
      }
    }
    if (CLOSING.has(event.eventType) && index !== events.length - 1) refuse(event, `the run closes here but ${events.length - 1 - index} more events follow`);
    typeById.set(event.eventId, event.eventType);
  });
  const last = events[events.length - 1]!;
  if (!CLOSING.has(last.eventType)) {
    throw new ImportedHistoryRefused(
      `history event ${last.eventId} (${typeName(last.eventType)}) is the last, and the run is not closed: only the history of a closed run can be imported (is the file cut short?)`,
    );
  }
}

/**
 * The first (and only) write of an imported run: its events as recorded, its state closed with
 * the status of its closing event, kept for the namespace's retention from now.
 */
export function importedRun(
  namespaceId: string,
  workflowId: string,
  runId: string,
  events: readonly HistoryEvent[],
  now: Date,
  retentionMs: number,
): RunTransaction {
  checkImportedHistory(events);
  const first = events[0]!;
  const last = events[events.length - 1]!;
  const started = first.workflowExecutionStartedEventAttributes!;
  const startTime = first.eventTime!;
  const runMs = durationToMs(started.workflowRunTimeout);
  const executionTime = addMs(startTime, durationToMs(started.firstWorkflowTaskBackoff));
  const state = MutableState.fromPartial({
    executionInfo: ExecutionInfo.fromPartial({
      namespaceId,
      workflowId,
      runId,
      firstExecutionRunId: started.firstExecutionRunId || runId,
      workflowTypeName: started.workflowType?.name ?? '',
      taskQueue: TaskQueue.fromPartial({ name: started.taskQueue?.name ?? '', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }),
      workflowTaskTimeout: started.workflowTaskTimeout,
      workflowRunTimeout: started.workflowRunTimeout,
      workflowExecutionTimeout: started.workflowExecutionTimeout,
      startTime,
      executionTime,
      closeTime: last.eventTime,
      status: CLOSING.get(last.eventType)!,
      completionEventId: last.eventId,
      workflowRunExpirationTime: runMs > 0 ? addMs(executionTime, runMs) : undefined,
      memo: lastMemo(events),
      searchAttributes: lastSearchAttributes(events),
      attempt: started.attempt || 1,
      cronSchedule: started.cronSchedule,
      retryPolicy: started.retryPolicy,
      priority: started.priority,
      lastCompletedWorkflowTaskStartedEventId: lastCompletedTaskStartedId(events),
    }),
    nextEventId: 1,
  });
  const run = new RunTransaction(state, now, undefined, retentionMs);
  for (const event of events) run.appendRecordedEvent(event);
  if (retentionMs > 0) run.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_DELETE_CLOSED_RUN, fireTime: addMs(now, retentionMs) });
  return run;
}

/** The search attributes the run ended with: those it started with, then each upsert merged in. */
function lastSearchAttributes(events: readonly HistoryEvent[]) {
  const fields = { ...(events[0]!.workflowExecutionStartedEventAttributes!.searchAttributes?.indexedFields ?? {}) };
  for (const event of events) {
    const upserted = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
    for (const [name, value] of Object.entries(upserted)) {
      // An upsert with no data removes the attribute.
      if (value.data.length === 0) delete fields[name];
      else fields[name] = value;
    }
  }
  return Object.keys(fields).length > 0 ? { indexedFields: fields } : undefined;
}

/** The memo the run ended with: the one it started with, then each modification merged in. */
function lastMemo(events: readonly HistoryEvent[]) {
  const fields = { ...(events[0]!.workflowExecutionStartedEventAttributes!.memo?.fields ?? {}) };
  for (const event of events) {
    const upserted = event.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields ?? {};
    for (const [name, value] of Object.entries(upserted)) {
      if (value.data.length === 0) delete fields[name];
      else fields[name] = value;
    }
  }
  return Object.keys(fields).length > 0 ? { fields } : undefined;
}

function lastCompletedTaskStartedId(events: readonly HistoryEvent[]): number {
  for (let i = events.length - 1; i >= 0; i--) {
    const completed = events[i]!.workflowTaskCompletedEventAttributes;
    if (completed) return completed.startedEventId;
  }
  return 0;
}
