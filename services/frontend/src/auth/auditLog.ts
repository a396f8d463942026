import { Status, type CallContext } from 'nice-grpc-common';
import { withContext, type Middleware } from '@kairos/common/grpc';
import type { Logger } from '@kairos/common/logger';
import type { CallPrincipal, Principal } from './authMiddleware';

/** The administrative and destructive APIs every call of which is written to the audit log. */
const AUDITED = new Set([
  'TerminateWorkflowExecution', 'ResetWorkflowExecution', 'DeleteWorkflowExecution', 'StartBatchOperation', 'StopBatchOperation',
  'RegisterNamespace', 'UpdateNamespace', 'DeprecateNamespace', 'DeleteSchedule',
  'AddSearchAttributes', 'RemoveSearchAttributes', 'DeleteNamespace', 'AddOrUpdateRemoteCluster', 'RemoveRemoteCluster',
  'CreateNexusEndpoint', 'UpdateNexusEndpoint', 'DeleteNexusEndpoint', 'ImportWorkflowExecution',
]);

/** Before the authorization middleware: it learns who called through this, even when the call is refused. */
export interface PrincipalSink {
  recordPrincipal?: (principal: Principal) => void;
}

/** What an audit line says of a request: names and ids, never payloads, memos or tokens. */
const SUMMARY_FIELDS = ['namespace', 'workflowId', 'runId', 'jobId', 'scheduleId', 'identity', 'reason', 'visibilityQuery', 'id', 'clusterName'];

/**
 * The audit log (beyond Temporal): one structured line per call of an administrative or
 * destructive API with who made it (type and name of the principal; `none` with authorization
 * off), what it named and how it ended, plus a counter per API and outcome (no principal label:
 * series stay few and names out of metrics).
 */
export function createAuditMiddleware(deps: { logger: Logger; count?: (operation: string, outcome: string) => void }): Middleware<CallContext & PrincipalSink & CallPrincipal> {
  return async function auditMiddleware(call, context, next) {
    const path = call.method.path;
    const operation = path.slice(path.lastIndexOf('/') + 1);
    if (!AUDITED.has(operation) || call.requestStream) return next(call.request, context);
    let principal: Principal = { type: 'none', name: '' };
    let outcome = 'OK';
    try {
      return await next(call.request, withContext(context, { recordPrincipal: (p: Principal) => (principal = p) }));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      outcome = typeof code === 'number' && Status[code] !== undefined ? Status[code]! : 'UNKNOWN';
      throw err;
    } finally {
      deps.logger.info('audit', { audit: true, operation, principal, request: summarize(call.request), outcome });
      deps.count?.(operation, outcome);
    }
  };
}

function summarize(request: unknown): Record<string, unknown> {
  const summary: Record<string, unknown> = {};
  const visit = (value: unknown, depth: number) => {
    if (typeof value !== 'object' || value === null || depth > 2) return;
    for (const [key, field] of Object.entries(value)) {
      if (SUMMARY_FIELDS.includes(key) && (typeof field === 'string' || typeof field === 'number') && field !== '') summary[key] ??= field;
      else if (key === 'searchAttributes' && typeof field === 'object' && field !== null) summary.searchAttributes = Object.keys(field);
      else if (key !== 'searchAttributes') visit(field, depth + 1);
    }
  };
  visit(request, 0);
  return summary;
}
