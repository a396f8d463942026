import { randomUUID } from 'crypto';
import { HistoryEvent } from '@kairos/proto/temporal/api/history/v1/message';
import { EventType } from '@kairos/proto/temporal/api/enums/v1/event_type';
import { WorkflowExecutionStatus } from '@kairos/proto/temporal/api/enums/v1/workflow';
import {
  MutableState,
  TaskQueueTask,
  TimerTask,
  TimerTaskKind,
  TransferTask,
  TransferTaskKind,
} from '@kairos/proto/kairos/persistence/v1/executions';
import { NamespaceRecord } from '@kairos/proto/kairos/persistence/v1/namespaces';
import type { CurrentExecutionRecord, CurrentExecutionWrite, ExecutionKey, ExecutionWrite, VisibilityRecord } from '../../src/store';

/** Record builders shared by store tests; every record has distinguishable content. */

export const RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
export const COMPLETED = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export function namespaceRecord(name: string, id: string = randomUUID()): NamespaceRecord {
  return NamespaceRecord.fromPartial({
    info: { id, name, description: `the ${name} namespace`, ownerEmail: 'ops@example.com', data: { team: 'kairos' } },
    config: { workflowExecutionRetentionTtl: { seconds: 86400 * 3, nanos: 0 }, historyArchivalUri: '' },
    isGlobalNamespace: false,
    failoverVersion: 7,
  });
}

export function executionKey(namespaceId = 'ns-1', workflowId: string = `wf-${randomUUID()}`, runId: string = randomUUID()): ExecutionKey {
  return { namespaceId, workflowId, runId };
}

export function mutableState(key: ExecutionKey, nextEventId: number, status = RUNNING): MutableState {
  return MutableState.fromPartial({
    executionInfo: {
      namespaceId: key.namespaceId,
      workflowId: key.workflowId,
      runId: key.runId,
      firstExecutionRunId: key.runId,
      workflowTypeName: 'OrderWorkflow',
      taskQueue: { name: 'orders', kind: 1 },
      workflowTaskTimeout: { seconds: 10, nanos: 0 },
      startTime: new Date(1_700_000_000_123),
      status,
      startRequestId: `req-${key.runId}`,
      historySizeBytes: 1234 + nextEventId,
    },
    workflowTask: { scheduledEventId: nextEventId - 1, attempt: 1, taskQueue: { name: 'orders', kind: 1 }, requestId: 'wt' },
    activities: {
      5: { scheduledEventId: 5, activityId: 'charge', activityType: { name: 'Charge' }, attempt: 2, started: true },
    },
    timers: { sleep: { timerId: 'sleep', startedEventId: 6, expiryTime: new Date(1_700_000_060_000) } },
    bufferedEvents: [],
    nextEventId,
    appliedRequestIds: [`req-${key.runId}`],
  });
}

export function historyEvent(eventId: number, label = `event-${eventId}`): HistoryEvent {
  if (eventId === 1) {
    return HistoryEvent.fromPartial({
      eventId,
      eventTime: new Date(1_700_000_000_000 + eventId),
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      taskId: 1000 + eventId,
      workflowExecutionStartedEventAttributes: {
        workflowType: { name: 'OrderWorkflow' },
        taskQueue: { name: 'orders', kind: 1 },
        input: { payloads: [{ metadata: { encoding: bytes('json/plain') }, data: bytes(JSON.stringify({ label })) }] },
        identity: label,
      },
    });
  }
  return HistoryEvent.fromPartial({
    eventId,
    eventTime: new Date(1_700_000_000_000 + eventId),
    eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    taskId: 1000 + eventId,
    workflowExecutionSignaledEventAttributes: {
      signalName: label,
      input: { payloads: [{ metadata: { encoding: bytes('json/plain') }, data: bytes(JSON.stringify({ eventId })) }] },
    },
  });
}

export function events(fromEventId: number, toEventId: number): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (let id = fromEventId; id < toEventId; id++) out.push(historyEvent(id));
  return out;
}

export function transferTask(key: ExecutionKey, scheduledEventId: number): TransferTask {
  return TransferTask.fromPartial({
    kind: TransferTaskKind.TRANSFER_TASK_KIND_WORKFLOW_TASK,
    namespaceId: key.namespaceId,
    workflowId: key.workflowId,
    runId: key.runId,
    scheduledEventId,
    taskQueue: { name: 'orders', kind: 1 },
    attempt: 1,
  });
}

export function timerTask(key: ExecutionKey, fireTime: Date, eventId = 1): TimerTask {
  return TimerTask.fromPartial({
    kind: TimerTaskKind.TIMER_TASK_KIND_USER_TIMER,
    namespaceId: key.namespaceId,
    workflowId: key.workflowId,
    runId: key.runId,
    fireTime,
    eventId,
    timerId: `timer-${eventId}`,
  });
}

export function taskQueueTask(label: string, scheduledEventId = 3): TaskQueueTask {
  return TaskQueueTask.fromPartial({
    namespaceId: 'ns-1',
    workflowExecution: { workflowId: `wf-${label}`, runId: `run-${label}` },
    scheduledEventId,
    attempt: 1,
    createTime: new Date(1_700_000_000_000),
  });
}

export function currentRecord(key: ExecutionKey, status = RUNNING, firstExecutionRunId = key.runId): CurrentExecutionRecord {
  return { ...key, firstExecutionRunId, startRequestId: `req-${key.runId}`, status };
}

export interface WriteOptions {
  shardId: number;
  rangeId: number;
  expectedDbVersion?: number;
  /** Ids of the events to append (records built with historyEvent). */
  eventIds?: number[];
  transfers?: number;
  timerFireTimes?: Date[];
  currentExecution?: CurrentExecutionWrite;
  status?: number;
  visibility?: VisibilityRecord;
}

/** A complete write for `key`; `nextEventId` of the state follows the last event written. */
export function executionWrite(key: ExecutionKey, options: WriteOptions): ExecutionWrite {
  const eventIds = options.eventIds ?? [];
  const nextEventId = eventIds.length > 0 ? eventIds[eventIds.length - 1]! + 1 : 1;
  return {
    shardId: options.shardId,
    rangeId: options.rangeId,
    key,
    expectedDbVersion: options.expectedDbVersion ?? 0,
    mutableState: mutableState(key, nextEventId, options.status ?? RUNNING),
    newEvents: eventIds.map((id) => historyEvent(id)),
    transferTasks: Array.from({ length: options.transfers ?? 0 }, (_, i) => transferTask(key, eventIds[i] ?? i + 1)),
    timerTasks: (options.timerFireTimes ?? []).map((fireTime, i) => timerTask(key, fireTime, eventIds[i] ?? i + 1)),
    currentExecution: options.currentExecution,
    ...(options.visibility ? { visibility: options.visibility } : {}),
  };
}

/** A visibility row for `key` with every field set; `overrides` replaces any of them. */
export function visibilityRecord(key: ExecutionKey, overrides: Partial<VisibilityRecord> = {}): VisibilityRecord {
  return {
    namespaceId: key.namespaceId,
    workflowId: key.workflowId,
    runId: key.runId,
    workflowType: 'OrderWorkflow',
    status: RUNNING,
    startTime: new Date(1_700_000_000_123),
    executionTime: new Date(1_700_000_000_123),
    taskQueue: 'orders',
    historyLength: 3,
    historySizeBytes: 512,
    rootWorkflowId: key.workflowId,
    rootRunId: key.runId,
    ...overrides,
  };
}

/** An encoded temporal.api.common.v1.Memo-like blob (the store keeps the bytes as given). */
export const memoBytes = (text: string): Uint8Array => bytes(`memo:${text}`);
