import { describe, expect, it } from 'vitest';
import { OperatorServiceDefinition } from '@kairos/proto/temporal/api/operatorservice/v1/service';
import { WorkflowServiceDefinition } from '@kairos/proto/temporal/api/workflowservice/v1/service';
import { isAuthorized } from './authorizer';
import { methodAccess } from './methodAccess';
import { claimsFromPermissions, permissionProblems } from './permissions';

const workflowMethods = new Set(Object.values(WorkflowServiceDefinition.methods).map((m) => m.name));
const WF = '/temporal.api.workflowservice.v1.WorkflowService/';
const OP = '/temporal.api.operatorservice.v1.OperatorService/';
const allowed = (permissions: string[], path: string, namespace = 'a') =>
  isAuthorized(claimsFromPermissions('someone', 'jwt', permissions), { path, namespace }, workflowMethods);

describe('permissions', () => {
  it('reads <namespace>:<role> entries, OR-ing roles and ignoring what does not parse, as Temporal', () => {
    const claims = claimsFromPermissions('s', 'jwt', ['a:read', 'a:WRITE', 'b:worker', 'temporal-system:admin', 'nonsense', 7, 'c:owner']);
    expect(claims.namespaces.get('a')).toBe(2 | 4);
    expect(claims.namespaces.get('b')).toBe(1);
    expect(claims.namespaces.get('c')).toBe(0);
    expect(claims.system).toBe(8);
  });

  it('reads other forms through a regex with namespace and role groups', () => {
    const claims = claimsFromPermissions('s', 'jwt', ['write@orders'], { regex: /^(?<role>\w+)@(?<namespace>\w+)$/ });
    expect(claims.namespaces.get('orders')).toBe(4);
  });

  it('names malformed permissions given to Kairos', () => {
    expect(permissionProblems(['a:read', 'b', ':write', 'c:owner'])).toEqual([
      'permission "b" must look like <namespace>:<read|write|worker|admin>',
      'permission ":write" must look like <namespace>:<read|write|worker|admin>',
      'permission "c:owner" has an unknown role (read, write, worker or admin)',
    ]);
  });
});

describe('the default authorizer', () => {
  it('lets anyone, even without credentials, check health and read the system info', () => {
    expect(isAuthorized(undefined, { path: '/grpc.health.v1.Health/Check', namespace: '' }, workflowMethods)).toBe(true);
    expect(isAuthorized(undefined, { path: `${WF}GetSystemInfo`, namespace: '' }, workflowMethods)).toBe(true);
    expect(isAuthorized(undefined, { path: `${WF}DescribeNamespace`, namespace: 'a' }, workflowMethods)).toBe(false);
  });

  it('lets a reader read but not write, a writer do both, in its own namespace only', () => {
    expect(allowed(['a:read'], `${WF}DescribeWorkflowExecution`)).toBe(true);
    expect(allowed(['a:read'], `${WF}SignalWorkflowExecution`)).toBe(false);
    expect(allowed(['a:write'], `${WF}TerminateWorkflowExecution`)).toBe(true);
    expect(allowed(['a:write'], `${WF}ListWorkflowExecutions`)).toBe(true);
    expect(allowed(['a:write'], `${WF}ListWorkflowExecutions`, 'b')).toBe(false);
    expect(allowed(['a:write'], `${WF}SignalWorkflowExecution`, 'b')).toBe(false);
  });

  it('lets a worker poll and answer tasks but not start, signal or terminate (beyond Temporal, where worker alone grants nothing)', () => {
    for (const m of ['PollWorkflowTaskQueue', 'RespondWorkflowTaskCompleted', 'PollActivityTaskQueue', 'RecordActivityTaskHeartbeat', 'DescribeNamespace', 'GetWorkflowExecutionHistory'])
      expect(allowed(['a:worker'], `${WF}${m}`), m).toBe(true);
    for (const m of ['TerminateWorkflowExecution', 'StartWorkflowExecution', 'SignalWorkflowExecution', 'ListWorkflowExecutions'])
      expect(allowed(['a:worker'], `${WF}${m}`), m).toBe(false);
    // A reader is not a worker: numerically 2 ≥ 1, but the worker tier is a bit, not a rank.
    expect(allowed(['a:read'], `${WF}PollActivityTaskQueue`)).toBe(false);
  });

  it('keeps namespace administration to admins of that namespace and cluster APIs to system roles', () => {
    expect(allowed(['a:write'], `${WF}RegisterNamespace`)).toBe(false);
    expect(allowed(['a:admin'], `${WF}RegisterNamespace`)).toBe(true);
    expect(allowed(['a:admin'], `${WF}ListNamespaces`)).toBe(false);
    expect(allowed(['temporal-system:read'], `${WF}ListNamespaces`)).toBe(true);
    expect(allowed(['temporal-system:admin'], `${WF}RegisterNamespace`, 'anything')).toBe(true);
    expect(allowed(['a:admin'], `${OP}AddSearchAttributes`)).toBe(true);
    expect(allowed(['a:write'], `${OP}AddSearchAttributes`)).toBe(false);
    expect(allowed(['a:admin'], `${OP}ListClusters`)).toBe(false);
    expect(allowed(['temporal-system:admin'], '/kairos.adminservice.v1.AdminService/ImportWorkflowExecution')).toBe(true);
    expect(allowed(['a:admin'], '/kairos.adminservice.v1.AdminService/ImportWorkflowExecution')).toBe(false);
  });

  it('refuses methods it does not know, and internal services, to everyone', () => {
    expect(allowed(['temporal-system:admin'], `${WF}NoSuchMethod`)).toBe(false);
    expect(allowed(['temporal-system:admin'], '/kairos.historyservice.v1.HistoryService/StartWorkflowExecution')).toBe(false);
  });

  it('knows every method of the WorkflowService and the OperatorService', () => {
    for (const m of workflowMethods) expect(methodAccess(`${WF}${m}`, workflowMethods), m).toBeDefined();
    for (const m of Object.values(OperatorServiceDefinition.methods)) expect(methodAccess(`${OP}${m.name}`, workflowMethods), m.name).toBeDefined();
  });
});
