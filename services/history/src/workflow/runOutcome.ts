import type { WorkflowOutcome } from '@kairos/common/metrics';
import { WorkflowExecutionStatus } from './protos';

/** The outcome a closed run's status reports in metrics (undefined while it runs). */
export function runOutcomeOf(status: WorkflowExecutionStatus): WorkflowOutcome | undefined {
  switch (status) {
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED:
      return 'completed';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED:
      return 'failed';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
      return 'timedOut';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED:
      return 'canceled';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED:
      return 'terminated';
    case WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
      return 'continuedAsNew';
    default:
      return undefined;
  }
}
