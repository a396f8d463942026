import { invalidArgument } from '@kairos/common/errors';
import type { HistoryClient } from '@kairos/cluster';
import { byteLength, maxIdLength, type NamespaceRegistry } from '@kairos/domain';
import type { AdminServiceImplementation } from '@kairos/proto/kairos/adminservice/v1/service';

/**
 * Kairos's AdminService (what Temporal has no public RPC for): ImportWorkflowExecution keeps an
 * exported history as a closed run (`kairos workflow import`). History checks the history
 * itself and names the event at fault; here the namespace and the workflow id are resolved.
 */
export function createAdminHandler(deps: { history: HistoryClient; namespaces: NamespaceRegistry }): AdminServiceImplementation {
  return {
    async importWorkflowExecution(request) {
      if (!request.namespace) throw invalidArgument('Namespace is not set on request.');
      const namespaceId = (await deps.namespaces.getByName(request.namespace)).info!.id;
      const events = request.history?.events ?? [];
      if (events.length === 0) throw invalidArgument('Cannot import the history: the history has no events.');
      const workflowId = request.workflowId || events[0]!.workflowExecutionStartedEventAttributes?.workflowId || '';
      if (!workflowId) throw invalidArgument('WorkflowId is not set on request, and the history\'s WorkflowExecutionStarted does not name one.');
      if (byteLength(workflowId) > maxIdLength()) throw invalidArgument(`WorkflowId exceeds maximum allowed length (${byteLength(workflowId)}/${maxIdLength()}).`);
      const { runId } = await deps.history.importWorkflowExecution({ namespaceId, workflowId, history: request.history });
      return { workflowId, runId };
    },
  };
}
