// Builders for unit tests of the workflow core: real runs made by the core itself (newExecution),
// committed and reopened in memory the way ExecutionManager does, with no store and no network.
import { DEFAULT_LIMITS, type Limits } from '@kairos/domain';
import { newExecution } from '../src/workflow/newRun';
import { RunTransaction } from '../src/workflow/runTransaction';
import { startWorkflowTask } from '../src/workflow/workflowTasks';
import { EventType, MutableState, StartWorkflowExecutionRequest, type HistoryEvent } from '../src/workflow/protos';

export const T0 = new Date('2026-01-01T00:00:00.000Z');

/** A start request with the fields the SDKs send; `overrides` as StartWorkflowExecutionRequest.fromPartial takes them. */
export function startRequest(overrides: Parameters<typeof StartWorkflowExecutionRequest.fromPartial>[0] = {}): StartWorkflowExecutionRequest {
  return StartWorkflowExecutionRequest.fromPartial({
    namespace: 'default',
    workflowId: 'wf-1',
    workflowType: { name: 'Example' },
    taskQueue: { name: 'tq' },
    requestId: 'req-1',
    identity: 'client',
    ...overrides,
  });
}

/** The first transaction of a new run (WorkflowExecutionStarted, its first workflow task unless delayed). */
export function newRun(overrides: Parameters<typeof StartWorkflowExecutionRequest.fromPartial>[0] = {}, runId = 'run-1'): RunTransaction {
  return newExecution('ns-1', runId, startRequest(overrides));
}

/**
 * The next transaction on the run as `run` left it (what a commit followed by a reload gives):
 * a fresh copy of the state, no new events or tasks, the clock at `now`.
 */
export function reopen(run: RunTransaction, now: Date = new Date(run.now.getTime() + 1_000), limits: Limits = DEFAULT_LIMITS): RunTransaction {
  return new RunTransaction(MutableState.decode(MutableState.encode(run.state).finish()), now, limits, run.retentionMs);
}

/** A new run whose first workflow task is started by a worker, as the next transaction. */
export function runWithStartedWorkflowTask(overrides: Parameters<typeof StartWorkflowExecutionRequest.fromPartial>[0] = {}): RunTransaction {
  const run = reopen(newRun(overrides));
  startWorkflowTask(run, 'poll-1', 'worker');
  return reopen(run);
}

/** The types of the events a transaction appended, as names (EVENT_TYPE_ prefix dropped) for readable assertions. */
export function eventNames(events: HistoryEvent[]): string[] {
  return events.map((e) => EventType[e.eventType]!.replace(/^EVENT_TYPE_/, ''));
}
