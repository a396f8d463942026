import { activityIdOrTypeNotSet, invalidArgument, workflowPauseNotEnabled } from '@kairos/common/errors';
import type { HistoryClient } from '@kairos/cluster';
import { priorityProblem } from '@kairos/domain';
import type { WorkflowServiceImplementation } from '@kairos/proto/temporal/api/workflowservice/v1/service';

/*
 * Operator actions on a run's activities (PauseActivity, UnpauseActivity, ResetActivity,
 * UpdateActivityOptions) and on the run (PauseWorkflowExecution): Temporal's frontend checks,
 * then history for the one run they name.
 */

interface Deps {
  history: HistoryClient;
  namespaceId(name: string): Promise<string>;
}

type Handlers = Pick<WorkflowServiceImplementation, 'pauseActivity' | 'unpauseActivity' | 'resetActivity' | 'updateActivityOptions' | 'pauseWorkflowExecution'>;

/** Temporal's first checks: a workflow id, and an activity named by id or type (or all). */
function requireTarget(request: { execution?: { workflowId: string } | undefined; id?: string | undefined; type?: string | undefined }, all?: boolean) {
  if (!request.execution?.workflowId) throw invalidArgument('WorkflowId is not set on request.');
  if (request.id === undefined && request.type === undefined && all === undefined) throw activityIdOrTypeNotSet();
}

export function createActivityOperationHandlers({ history, namespaceId }: Deps): Handlers {
  return {
    async pauseActivity(request) {
      requireTarget(request);
      const nsId = await namespaceId(request.namespace);
      await history.pauseActivity({ namespaceId: nsId, request });
      return {};
    },
    async unpauseActivity(request) {
      requireTarget(request, request.unpauseAll);
      const nsId = await namespaceId(request.namespace);
      await history.unpauseActivity({ namespaceId: nsId, request });
      return {};
    },
    async resetActivity(request) {
      requireTarget(request, request.matchAll);
      const nsId = await namespaceId(request.namespace);
      await history.resetActivity({ namespaceId: nsId, request });
      return {};
    },
    async updateActivityOptions(request) {
      requireTarget(request, request.matchAll);
      const problem = priorityProblem(request.activityOptions?.priority);
      if (problem) throw invalidArgument(problem);
      const nsId = await namespaceId(request.namespace);
      const { activityOptions } = await history.updateActivityOptions({ namespaceId: nsId, request });
      return { activityOptions };
    },
    // Off by default in Temporal 1.32 (frontend.WorkflowPauseEnabled); Kairos has no workflow pause.
    async pauseWorkflowExecution(request) {
      throw workflowPauseNotEnabled(request.namespace);
    },
  };
}
