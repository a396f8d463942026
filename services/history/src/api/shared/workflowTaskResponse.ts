import { encodeTaskToken } from '@kairos/domain';
import type { ExecutionKey } from '@kairos/persistence/store';
import type { Message } from '@kairos/proto/temporal/api/protocol/v1/message';
import type { ExecutionManager } from '../../shard/executionManager';
import type { RunTransaction } from '../../workflow/runTransaction';
import { outgoingUpdateMessages } from '../../workflow/updates';
import { hasUnwrittenEvents, transientWorkflowTaskEvents } from '../../workflow/workflowTasks';
import { PollWorkflowTaskQueueResponse, TaskQueue, TaskQueueKind, TaskTokenKind, type HistoryEvent } from '../../workflow/protos';
import { readHistoryPage, withHistory } from './historyReader';
import { completeMessage } from '@kairos/proto';

/** What a poll response needs of a just-started workflow task, captured inside its transaction. */
export interface StartedWorkflowTask {
  scheduledEventId: number;
  startedEventId: number;
  attempt: number;
  stamp: number;
  scheduledTime: Date | undefined;
  startedTime: Date | undefined;
  /** The run's last completed task's started event id (a sticky worker has the events up to it). */
  previous: number;
  workflowTypeName: string;
  taskQueueName: string;
  /** The first event id not stored (after the task's unwritten events, for a transient one). */
  persistedUpTo: number;
  transientEvents: HistoryEvent[];
  messages: Message[];
}

export function startedWorkflowTask(run: RunTransaction, messages: Message[] = outgoingUpdateMessages(run, run.state.workflowTask!.startedEventId)): StartedWorkflowTask {
  // The fields one by one: the task's state is changed by later transactions, these are not.
  const task = run.state.workflowTask!;
  return {
    scheduledEventId: task.scheduledEventId,
    startedEventId: task.startedEventId,
    attempt: task.attempt,
    stamp: task.stamp,
    scheduledTime: task.scheduledTime,
    startedTime: task.startedTime,
    previous: run.info.lastCompletedWorkflowTaskStartedEventId,
    // What the answer names of the run (not a copy of its whole ExecutionInfo).
    workflowTypeName: run.info.workflowTypeName,
    taskQueueName: run.info.taskQueue?.name ?? '',
    persistedUpTo: hasUnwrittenEvents(task) ? run.state.nextEventId : task.startedEventId + 1,
    transientEvents: transientWorkflowTaskEvents(run),
    messages,
  };
}

/**
 * The worker's view of a started workflow task, as a poll answers it: the full history, or for a
 * sticky worker only the events since its last task; then a transient task's unwritten events.
 * Shared by polls, eager workflow start and completions that return the next task.
 */
export async function workflowTaskPollResponse(
  executions: ExecutionManager,
  key: ExecutionKey,
  started: StartedWorkflowTask,
  sticky: boolean,
): Promise<PollWorkflowTaskQueueResponse> {
  const firstEventId = sticky && started.previous > 0 ? started.previous + 1 : 1;
  // Persisted events up to the task's start, then (for a transient task) its unwritten events.
  const page = await readHistoryPage(executions, key, firstEventId, started.persistedUpTo, 0);
  if (page.nextPageToken.length === 0) page.events.push(...started.transientEvents);
  const response = PollWorkflowTaskQueueResponse.fromPartial({
    taskToken: encodeTaskToken({
      kind: TaskTokenKind.TASK_TOKEN_KIND_WORKFLOW_TASK,
      namespaceId: key.namespaceId,
      workflowId: key.workflowId,
      runId: key.runId,
      scheduledEventId: started.scheduledEventId,
      startedEventId: started.startedEventId,
      attempt: started.attempt,
      workflowTaskStamp: started.stamp,
    }),
    workflowExecution: { workflowId: key.workflowId, runId: key.runId },
    workflowType: { name: started.workflowTypeName },
    previousStartedEventId: started.previous,
    startedEventId: started.startedEventId,
    attempt: started.attempt,
    nextPageToken: page.nextPageToken,
    workflowExecutionTaskQueue: TaskQueue.fromPartial({ name: started.taskQueueName, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL }),
    scheduledTime: started.scheduledTime,
    startedTime: started.startedTime,
    messages: started.messages,
  });
  return completeMessage(withHistory(response, page.events));
}
