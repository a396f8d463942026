// One place for the generated types history uses, so modules import short names.
export { HistoryEvent, History } from '@kairos/proto/temporal/api/history/v1/message';
export { EventType } from '@kairos/proto/temporal/api/enums/v1/event_type';
export {
  WorkflowExecutionStatus,
  TimeoutType,
  RetryState,
  ContinueAsNewInitiator,
} from '@kairos/proto/temporal/api/enums/v1/workflow';
export { WorkflowTaskFailedCause } from '@kairos/proto/temporal/api/enums/v1/failed_cause';
export { TaskQueueKind } from '@kairos/proto/temporal/api/enums/v1/task_queue';
export { CommandType } from '@kairos/proto/temporal/api/enums/v1/command_type';
export { HistoryEventFilterType, WorkflowIdReusePolicy, WorkflowIdConflictPolicy } from '@kairos/proto/temporal/api/enums/v1/workflow';
export { TaskQueue } from '@kairos/proto/temporal/api/taskqueue/v1/message';
export { Header, Payloads, RetryPolicy, WorkflowExecution } from '@kairos/proto/temporal/api/common/v1/message';
export type { Priority } from '@kairos/proto/temporal/api/common/v1/message';
export { Failure } from '@kairos/proto/temporal/api/failure/v1/message';
export { Command } from '@kairos/proto/temporal/api/command/v1/message';
export type { Duration } from '@kairos/proto/google/protobuf/duration';
export {
  MutableState,
  ExecutionInfo,
  WorkflowTaskInfo,
  ActivityInfo,
  ActivityPauseInfo,
  TimerInfo,
  TransferTask,
  TransferTaskKind,
  TimerTask,
  TimerTaskKind,
  TaskTokenKind,
  HistoryPageToken,
} from '@kairos/proto/kairos/persistence/v1/executions';
export {
  PollWorkflowTaskQueueResponse,
  PollActivityTaskQueueResponse,
  StartWorkflowExecutionRequest,
  GetWorkflowExecutionHistoryResponse,
  DescribeWorkflowExecutionResponse,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
