import { setting } from '@kairos/common/settings';
import { newHistoryEvent, type EventFields } from './newHistoryEvent';
import { encodeMessage } from '@kairos/proto';
import { DEFAULT_LIMITS, type Limits } from '@kairos/domain';
import {
  EventType,
  HistoryEvent,
  MutableState,
  TimerTask,
  TimerTaskKind,
  TransferTask,
  TransferTaskKind,
  WorkflowExecutionStatus,
} from './protos';

let lastTaskId = 0;
/**
 * Temporal stamps every event with an increasing task id (its internal ordering of writes); the
 * SDKs ignore it. Ours increase across the process and start from the clock, so they also keep
 * increasing across restarts.
 */
function nextEventTaskId(): number {
  lastTaskId = Math.max(lastTaskId + 1, Date.now() * 1000);
  return lastTaskId;
}

/** The events a flushed buffer writes last (Temporal's reorderBuffer). */
const CLOSES_ACTIVITY_OR_CHILD = new Set<EventType>([
  EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
]);

/** An event's fields as given to appendEvent: any subset, nested messages partial too. */
export type { EventFields } from './newHistoryEvent';

/** Retention of a namespace that does not say (Temporal's default for new namespaces: one day). */
export const DEFAULT_RETENTION_MS = setting('domain.defaultRetention');

/**
 * One transaction on one run: its mutable state as this request changes it, the events appended
 * and the transfer and timer tasks created. It is committed as a single conditional write, and
 * nothing here touches the store, so a failed validation simply discards the object. (Not to be
 * confused with a workflow *update*, the Temporal feature in updates.ts.)
 */
export class RunTransaction {
  readonly newEvents: HistoryEvent[] = [];
  readonly transferTasks: TransferTask[] = [];
  readonly timerTasks: TimerTask[] = [];
  /**
   * Ids of events of `newEvents` that begin a batch of their own besides the first: a reset copies
   * its base run's events with their batches (history pages and reset points depend on them).
   */
  readonly batchStarts: number[] = [];
  private closedHere = false;
  /** Set by discard(): the request changed nothing and nothing is written. */
  discarded = false;
  /**
   * Set when this transaction changed what visibility shows of an open run (search attributes or memo
   * upserted), so its visibility row is written with it (starting and closing always are).
   */
  visibilityChanged = false;
  /** Continue-as-new: the successor run, created in the same write that closes this one. */
  continuedRun: RunTransaction | undefined;
  /**
   * Run once this transaction is committed, before waiters are woken (e.g. remembering a transaction's
   * rejection, which is written nowhere).
   */
  readonly afterCommit: Array<() => void> = [];
  /** Wake history waiters even if no event is appended (workflow update state changed). */
  wakeWaiters = false;
  /** Things worth a warning in the log once this transaction commits (e.g. a large payload). */
  readonly warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];

  constructor(
    readonly state: MutableState,
    readonly now: Date,
    /** The namespace's limits (payload sizes, history size and count, pending activities). */
    readonly limits: Limits = DEFAULT_LIMITS,
    /** The namespace's retention (auto-reset points expire with it). */
    readonly retentionMs: number = DEFAULT_RETENTION_MS,
  ) {}

  private encodedCache: { count: number; encoded: Uint8Array[]; bytes: number } | undefined;

  /**
   * The events this transaction appends, encoded once after `mutate` finished: the limit check, the
   * warnings, the size accounting and the store's write all share these bytes.
   */
  encodedNewEvents(): Uint8Array[] {
    return this.encoded().encoded;
  }

  /** Encoded size of the events this transaction appends (for the history-size figures and limits). */
  newEventBytes(): number {
    return this.encoded().bytes;
  }

  private encoded(): { encoded: Uint8Array[]; bytes: number } {
    if (this.encodedCache?.count !== this.newEvents.length) {
      const encoded = this.newEvents.map((e) => encodeMessage(HistoryEvent, e));
      this.encodedCache = { count: this.newEvents.length, encoded, bytes: encoded.reduce((n, b) => n + b.length, 0) };
    }
    return this.encodedCache;
  }

  /** Adds the bytes this transaction appends to the run's history size; called once, as it is committed. */
  accountHistorySize(): void {
    this.info.historySizeBytes += this.newEventBytes();
  }

  discard(): void {
    this.discarded = true;
  }

  get info() {
    return this.state.executionInfo!;
  }

  /** Whether this transaction closed the run (so the current-execution row's status changes). */
  get closed(): boolean {
    return this.closedHere;
  }

  /**
   * Closes the run with `status` at its closing event. A run with a parent, children or a schedule
   * that started it gets a transfer task that tells the parent (or schedule) and applies the parent
   * close policy after the commit.
   */
  markClosed(status: WorkflowExecutionStatus, completionEventId: number): void {
    this.info.status = status;
    this.info.closeTime = this.now;
    this.info.completionEventId = completionEventId;
    this.closedHere = true;
    if (this.info.parent || this.info.scheduledBy || Object.keys(this.state.children).length > 0) {
      this.addTransferTask({ kind: TransferTaskKind.TRANSFER_TASK_KIND_CLOSE_EXECUTION });
    }
    // Temporal keeps a closed run for its namespace's retention (as it was at the close), then deletes it.
    if (this.retentionMs > 0) {
      this.addTimerTask({ kind: TimerTaskKind.TIMER_TASK_KIND_DELETE_CLOSED_RUN, fireTime: new Date(this.now.getTime() + this.retentionMs) });
    }
  }

  get isOpen(): boolean {
    return this.info.status === WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  /** True while a workflow task is started: events other than its outcome must be buffered. */
  get workflowTaskInFlight(): boolean {
    return (this.state.workflowTask?.startedEventId ?? 0) > 0;
  }

  /** Appends an event with the next id. `attributes` is the event's oneof attribute field. */
  appendEvent(eventType: EventType, attributes: EventFields): HistoryEvent {
    const event = newHistoryEvent(eventType, this.state.nextEventId, this.now, nextEventTaskId(), attributes);
    this.state.nextEventId += 1;
    this.newEvents.push(event);
    return event;
  }

  /**
   * Appends an event recorded elsewhere (an imported history) as it was, only with a task id of
   * this store; its id must be the next one.
   */
  appendRecordedEvent(recorded: HistoryEvent): void {
    if (recorded.eventId !== this.state.nextEventId) throw new Error(`recorded event ${recorded.eventId} is not the next (${this.state.nextEventId})`);
    this.state.nextEventId += 1;
    this.newEvents.push(HistoryEvent.fromPartial({ ...recorded, taskId: nextEventTaskId() }));
  }

  /**
   * Appends the event now, or buffers it while a workflow task is in flight: nothing may be
   * written between WorkflowTaskStarted and that task's outcome, or replay would see another order.
   */
  appendOrBufferEvent(eventType: EventType, attributes: EventFields): void {
    if (this.workflowTaskInFlight) this.bufferEvent(eventType, attributes);
    else this.appendEvent(eventType, attributes);
  }

  /**
   * Buffers the event whatever the workflow task is doing: it gets its id when the buffer is
   * flushed (before the next WorkflowTaskScheduled), after the events appended meanwhile.
   */
  bufferEvent(eventType: EventType, attributes: EventFields): void {
    this.state.bufferedEvents.push(HistoryEvent.fromPartial({ ...attributes, eventId: 0, eventTime: this.now, eventType }));
  }

  /**
   * Appends buffered events with real ids. As Temporal's history builder does (reorderBuffer), the
   * events that close an activity or a child go after the others, each group in arrival order. A
   * buffered ActivityTaskStarted gets its id only now, so the closing event that follows it is
   * wired to that id.
   */
  flushBufferedEvents(): boolean {
    const arrived = this.state.bufferedEvents;
    if (arrived.length === 0) return false;
    this.state.bufferedEvents = [];
    const buffered = [...arrived.filter((e) => !CLOSES_ACTIVITY_OR_CHILD.has(e.eventType)), ...arrived.filter((e) => CLOSES_ACTIVITY_OR_CHILD.has(e.eventType))];
    const startedIdBySchedule = new Map<number, number>();
    const childStartedIds = new Map<number, number>();
    for (const event of buffered) {
      event.eventId = this.state.nextEventId++;
      event.eventTime ??= this.now;
      event.taskId = nextEventTaskId();
      const started = event.activityTaskStartedEventAttributes;
      if (started) startedIdBySchedule.set(started.scheduledEventId, event.eventId);
      // A child's started event gets its id only now; its closing event (if buffered too) follows it.
      const childStarted = event.childWorkflowExecutionStartedEventAttributes;
      if (childStarted) {
        const child = this.state.children[childStarted.initiatedEventId];
        if (child) child.startedEventId = event.eventId;
        childStartedIds.set(childStarted.initiatedEventId, event.eventId);
      }
      const childClosed =
        event.childWorkflowExecutionCompletedEventAttributes ??
        event.childWorkflowExecutionFailedEventAttributes ??
        event.childWorkflowExecutionCanceledEventAttributes ??
        event.childWorkflowExecutionTimedOutEventAttributes ??
        event.childWorkflowExecutionTerminatedEventAttributes;
      if (childClosed && childStartedIds.has(childClosed.initiatedEventId)) childClosed.startedEventId = childStartedIds.get(childClosed.initiatedEventId)!;
      const closing =
        event.activityTaskCompletedEventAttributes ??
        event.activityTaskFailedEventAttributes ??
        event.activityTaskTimedOutEventAttributes ??
        event.activityTaskCanceledEventAttributes;
      if (closing && startedIdBySchedule.has(closing.scheduledEventId)) {
        closing.startedEventId = startedIdBySchedule.get(closing.scheduledEventId)!;
      }
      this.newEvents.push(event);
    }
    return true;
  }

  addTransferTask(task: Partial<TransferTask>): void {
    const info = this.info;
    this.transferTasks.push(
      TransferTask.fromPartial({
        namespaceId: info.namespaceId,
        workflowId: info.workflowId,
        runId: info.runId,
        ...task,
      }),
    );
  }

  addTimerTask(task: Partial<TimerTask>): void {
    const info = this.info;
    this.timerTasks.push(
      TimerTask.fromPartial({
        namespaceId: info.namespaceId,
        workflowId: info.workflowId,
        runId: info.runId,
        ...task,
      }),
    );
  }
}
