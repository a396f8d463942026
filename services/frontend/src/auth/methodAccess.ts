import { Role, type RoleBits } from './roles';

/**
 * What each public API needs, as Temporal's default authorizer reads it (common/api/metadata.go):
 * a scope (the request's namespace, or the whole cluster) and the role required there. A method
 * missing from the table is refused to everyone, as Temporal refuses an unknown one.
 */
export type MethodScope = 'namespace' | 'cluster';
export interface MethodAccess {
  scope: MethodScope;
  role: RoleBits;
  /** Beyond Temporal: a worker role is enough (polls, task answers, what a worker reads). */
  worker?: true;
}

const WORKFLOW_SERVICE = '/temporal.api.workflowservice.v1.WorkflowService/';
const OPERATOR_SERVICE = '/temporal.api.operatorservice.v1.OperatorService/';
const KAIROS_ADMIN_SERVICE = '/kairos.adminservice.v1.AdminService/';

/** Always answered, without credentials: clients call them to learn whether and how to connect. */
export const ALWAYS_ALLOWED = new Set(['/grpc.health.v1.Health/Check', `${WORKFLOW_SERVICE}GetSystemInfo`]);

/** Answered to any authenticated caller (Kairos): reflection lists services, it reads no data. */
export const ANY_AUTHENTICATED = new Set([
  '/grpc.health.v1.Health/Watch',
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
]);

const NAMESPACE_ADMIN = ['RegisterNamespace', 'UpdateNamespace', 'DeprecateNamespace'];
const CLUSTER_READ = ['ListNamespaces', 'GetSearchAttributes', 'GetClusterInfo', 'GetSystemInfo'];
const NAMESPACE_READ = [
  'DescribeNamespace', 'GetWorkflowExecutionHistory', 'GetWorkflowExecutionHistoryReverse', 'CountActivityExecutions',
  'CountNexusOperationExecutions', 'DescribeActivityExecution', 'DescribeNexusOperationExecution', 'PollActivityExecution',
  'PollNexusOperationExecution', 'ListActivityExecutions', 'ListNexusOperationExecutions', 'ListOpenWorkflowExecutions',
  'ListClosedWorkflowExecutions', 'ListWorkflowExecutions', 'ListArchivedWorkflowExecutions', 'ScanWorkflowExecutions',
  'CountWorkflowExecutions', 'QueryWorkflow', 'DescribeWorkflowExecution', 'DescribeTaskQueue', 'ListTaskQueuePartitions',
  'DescribeSchedule', 'ListScheduleMatchingTimes', 'ListSchedules', 'CountSchedules', 'GetWorkerBuildIdCompatibility',
  'GetWorkerVersioningRules', 'GetWorkerTaskReachability', 'PollWorkflowExecutionUpdate', 'PollWorkflowExecutionTimeSkipping',
  'DescribeBatchOperation', 'ListBatchOperations', 'DescribeDeployment', 'ListDeployments', 'GetDeploymentReachability',
  'GetCurrentDeployment', 'DescribeWorkerDeploymentVersion', 'DescribeWorkerDeployment',
  'ValidateWorkerDeploymentVersionComputeConfig', 'ListWorkerDeployments', 'DescribeWorkflowRule', 'ListWorkflowRules',
  'ListWorkers', 'CountWorkers', 'DescribeWorker', 'FetchWorkerConfig',
];
/** Every other WorkflowService method is a namespace write (start, signal, terminate, poll, respond…). */

/** What a worker calls: Temporal asks a writer for these; Kairos also lets a `worker` role call them. */
const WORKER_APIS = [
  'PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'PollNexusTaskQueue', 'RespondWorkflowTaskCompleted',
  'RespondWorkflowTaskFailed', 'RespondQueryTaskCompleted', 'RecordActivityTaskHeartbeat', 'RecordActivityTaskHeartbeatById',
  'RespondActivityTaskCompleted', 'RespondActivityTaskCompletedById', 'RespondActivityTaskFailed', 'RespondActivityTaskFailedById',
  'RespondActivityTaskCanceled', 'RespondActivityTaskCanceledById', 'RespondNexusTaskCompleted', 'RespondNexusTaskFailed',
  'ResetStickyTaskQueue', 'ShutdownWorker', 'RecordWorkerHeartbeat', 'FetchWorkerConfig', 'DescribeNamespace',
  'GetWorkflowExecutionHistory',
];

const OPERATOR_NAMESPACE_ADMIN = ['AddSearchAttributes', 'RemoveSearchAttributes', 'DeleteNamespace'];
const OPERATOR_NAMESPACE_READ = ['ListSearchAttributes'];
const OPERATOR_CLUSTER_ADMIN = [
  'AddOrUpdateRemoteCluster', 'RemoveRemoteCluster', 'ListClusters', 'CreateNexusEndpoint', 'UpdateNexusEndpoint',
  'DeleteNexusEndpoint', 'GetNexusEndpoint', 'ListNexusEndpoints',
];

const workerApis = new Set(WORKER_APIS);
const tables: ReadonlyMap<string, ReadonlyMap<string, MethodAccess>> = new Map([
  [
    WORKFLOW_SERVICE,
    new Map<string, MethodAccess>([
      ...NAMESPACE_ADMIN.map((m) => [m, { scope: 'namespace', role: Role.admin }] as const),
      ...CLUSTER_READ.map((m) => [m, { scope: 'cluster', role: Role.reader }] as const),
      ...NAMESPACE_READ.map((m) => [m, { scope: 'namespace', role: Role.reader }] as const),
    ]),
  ],
  [
    OPERATOR_SERVICE,
    new Map<string, MethodAccess>([
      ...OPERATOR_NAMESPACE_ADMIN.map((m) => [m, { scope: 'namespace', role: Role.admin }] as const),
      ...OPERATOR_NAMESPACE_READ.map((m) => [m, { scope: 'namespace', role: Role.reader }] as const),
      ...OPERATOR_CLUSTER_ADMIN.map((m) => [m, { scope: 'cluster', role: Role.admin }] as const),
    ]),
  ],
]);

/**
 * The access `path` (a gRPC method path, `/package.Service/Method`) needs; undefined for a method
 * no role may call. `knownWorkflowMethods` decides which WorkflowService names exist, since any
 * method not listed as read or admin is a write there.
 */
export function methodAccess(path: string, knownWorkflowMethods: ReadonlySet<string>): MethodAccess | undefined {
  if (path.startsWith(KAIROS_ADMIN_SERVICE)) return { scope: 'cluster', role: Role.admin };
  for (const [service, table] of tables) {
    if (!path.startsWith(service)) continue;
    const method = path.slice(service.length);
    const listed = table.get(method);
    const worker = workerApis.has(method) ? ({ worker: true } as const) : {};
    if (listed) return { ...listed, ...worker };
    if (service === WORKFLOW_SERVICE && knownWorkflowMethods.has(method)) return { scope: 'namespace', role: Role.writer, ...worker };
    return undefined;
  }
  return undefined;
}
