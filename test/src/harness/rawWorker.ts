import { Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { google, temporal } from '@temporalio/proto';
import { seconds } from './sdk';

/*
 * A raw gRPC worker for oracle scenarios that need exact commands and exact timing: it polls,
 * completes and fails workflow tasks exactly as told, so both servers see the same requests.
 * (The SDK workers decide their commands themselves.)
 */

const { CommandType, WorkflowTaskFailedCause } = temporal.api.enums.v1;
export type PollResponse = temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse;
export type Command = temporal.api.command.v1.ICommand;

/** gRPC status codes the scenarios name. */
export const GrpcCode = { INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5 } as const;

/** A gRPC error reduced to what both servers must agree on. */
export interface ErrorShape {
  code: number;
  details: string;
}

/** Runs the call; its error as { code, details }, or 'OK'. */
export async function errorShape(call: Promise<unknown>): Promise<ErrorShape | 'OK'> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    const e = err as { code?: number; details?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, details: e.details ?? '' };
  }
}

export const payload = (value: unknown) => defaultPayloadConverter.toPayload(value) as temporal.api.common.v1.IPayload;

/** Command builders for the commands the scenarios send. */
export const cmd = {
  startTimer: (timerId: string, fireInSeconds: number): Command => ({
    commandType: CommandType.COMMAND_TYPE_START_TIMER,
    startTimerCommandAttributes: { timerId, startToFireTimeout: seconds(fireInSeconds) },
  }),
  scheduleActivity: (activityId: string, taskQueue: string, input?: temporal.api.common.v1.IPayload): Command => ({
    commandType: CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
    scheduleActivityTaskCommandAttributes: {
      activityId,
      activityType: { name: 'NobodyRunsThis' },
      taskQueue: { name: taskQueue },
      input: input ? { payloads: [input] } : undefined,
      startToCloseTimeout: seconds(60),
    },
  }),
  requestCancelActivity: (scheduledEventId: number): Command => ({
    commandType: CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
    requestCancelActivityTaskCommandAttributes: { scheduledEventId: scheduledEventId as never },
  }),
  completeWorkflow: (result: unknown = 'ok'): Command => ({
    commandType: CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
    completeWorkflowExecutionCommandAttributes: { result: { payloads: [payload(result)] } },
  }),
};

export interface RawWorkerOptions {
  /** Names the task queue and the workflow id (with the scenario's suffix). */
  name: string;
  suffix: string;
  workflowTaskTimeoutSeconds?: number;
  workflowRunTimeoutSeconds?: number;
}

/** Starts a RawWorkflow run on its own task queue and returns a worker and client for it. */
export async function rawWorker(address: string, options: RawWorkerOptions) {
  const { name, suffix } = options;
  const connection = await Connection.connect({ address });
  const service = connection.workflowService;
  const namespace = 'default';
  const identity = 'raw-worker';
  const taskQueue = `${name}-${suffix}`;
  const workflowId = `${name}-wf-${suffix}`;
  const execution = { workflowId };

  /** Polls the workflow task queue; a poll that finds nothing within `timeoutMs` answers undefined. */
  const poll = async (timeoutMs = 30_000): Promise<PollResponse | undefined> => {
    try {
      const task = await connection.withDeadline(Date.now() + timeoutMs, () =>
        service.pollWorkflowTaskQueue({ namespace, taskQueue: { name: taskQueue }, identity }),
      );
      // Temporal answers an empty response just before the deadline; Kairos may let it pass.
      return task.taskToken && task.taskToken.length > 0 ? task : undefined;
    } catch (err) {
      if ((err as { code?: number }).code === GrpcCode.DEADLINE_EXCEEDED) return undefined;
      throw err;
    }
  };
  const mustPoll = async (): Promise<PollResponse> => {
    const task = await poll();
    if (!task) throw new Error(`no workflow task on ${taskQueue}`);
    return task;
  };
  const complete = (
    task: PollResponse,
    commands: Command[],
    messages: temporal.api.protocol.v1.IMessage[] = [],
    extra: Partial<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest> = {},
  ) => service.respondWorkflowTaskCompleted({ namespace, taskToken: task.taskToken, identity, commands, messages, ...extra });
  /** Polls an activity task queue (the activities the scenario scheduled there). */
  const pollActivity = async (queue: string) => {
    const task = await connection.withDeadline(Date.now() + 30_000, () =>
      service.pollActivityTaskQueue({ namespace, taskQueue: { name: queue }, identity: 'raw-activity-worker' }),
    );
    if (!task.taskToken?.length) throw new Error(`no activity task on ${queue}`);
    return task;
  };
  const completeActivity = (task: temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse, result: unknown) =>
    service.respondActivityTaskCompleted({ namespace, taskToken: task.taskToken, identity: 'raw-activity-worker', result: { payloads: [payload(result)] } });
  const fail = (task: PollResponse) =>
    service.respondWorkflowTaskFailed({
      namespace,
      taskToken: task.taskToken,
      cause: WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
      failure: { message: 'workflow code threw', applicationFailureInfo: { type: 'Error' } },
      identity,
    });
  const signal = (signalName: string) =>
    service.signalWorkflowExecution({ namespace, workflowExecution: execution, signalName, identity: 'raw-client', requestId: `${signalName}-${suffix}` });
  const terminate = (reason: string) => service.terminateWorkflowExecution({ namespace, workflowExecution: execution, reason, identity: 'raw-client' });
  const describe = () => service.describeWorkflowExecution({ namespace, execution });
  /** Waits until the run is closed and answers its status's name. */
  const closedStatus = async (timeoutMs = 30_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await describe()).workflowExecutionInfo?.status ?? 0;
      if (status !== temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        return temporal.api.enums.v1.WorkflowExecutionStatus[status]!;
      }
      if (Date.now() > deadline) throw new Error(`${workflowId} still running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  await service.startWorkflowExecution({
    namespace,
    workflowId,
    workflowType: { name: 'RawWorkflow' },
    taskQueue: { name: taskQueue },
    requestId: `start-${name}-${suffix}`,
    identity: 'raw-client',
    workflowTaskTimeout: options.workflowTaskTimeoutSeconds ? seconds(options.workflowTaskTimeoutSeconds) : undefined,
    workflowRunTimeout: options.workflowRunTimeoutSeconds ? seconds(options.workflowRunTimeoutSeconds) : undefined,
  });
  /** What both servers must agree on about a polled task. */
  const shape = (t: PollResponse | undefined) =>
    t ? { attempt: t.attempt, startedEventId: Number(t.startedEventId), historyLength: t.history?.events?.length ?? 0, messages: t.messages?.length ?? 0 } : 'no task';
  return { connection, service, namespace, taskQueue, workflowId, execution, poll, mustPoll, complete, pollActivity, completeActivity, fail, signal, terminate, describe, closedStatus, shape };
}

export type RawWorker = Awaited<ReturnType<typeof rawWorker>>;

/** The update requests a polled task carries (protocol messages whose body is an update Request). */
export function updateRequests(task: PollResponse): temporal.api.protocol.v1.IMessage[] {
  return (task.messages ?? []).filter((m) => m.body?.type_url?.endsWith('temporal.api.update.v1.Request'));
}

/** The worker's rejection of a delivered update request, as an SDK's validator sends it. */
export function rejectionOf(request: temporal.api.protocol.v1.IMessage, message: string): temporal.api.protocol.v1.IMessage {
  const decoded = temporal.api.update.v1.Request.decode(request.body!.value!);
  const rejection = temporal.api.update.v1.Rejection.encode({
    rejectedRequestMessageId: request.id,
    rejectedRequestSequencingEventId: request.eventId,
    rejectedRequest: decoded,
    failure: { message, applicationFailureInfo: { type: 'Rejected' } },
  }).finish();
  return {
    id: `${request.protocolInstanceId}/reject`,
    protocolInstanceId: request.protocolInstanceId,
    body: google.protobuf.Any.create({ type_url: 'type.googleapis.com/temporal.api.update.v1.Rejection', value: rejection }),
  };
}
