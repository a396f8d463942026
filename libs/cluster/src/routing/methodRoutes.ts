import { decodeTaskToken } from '@kairos/domain';
import { TaskQueueKind, type Route } from '@kairos/proto/kairos/routing/v1/routing';
import { TaskQueueType } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { declaredRoute, type MethodWithOptions } from './declaredRoute';
import { fieldReader } from './fieldPath';

/** The execution a request is about: its shard, hence the history instance, follows. */
export interface ExecutionKey {
  namespaceId: string;
  workflowId: string;
}

/** How one RPC's requests are routed, compiled from its declared route. */
export type MethodRoute =
  | { target: 'execution'; executionOf(request: unknown): ExecutionKey }
  /** `queueKeyOf` gives the task queue key `namespaceId/kind/name`. */
  | { target: 'taskQueue'; queueKeyOf(request: unknown): string }
  | { target: 'anyInstance' };

export type RouteTarget = MethodRoute['target'];

/** A ts-proto generic service definition, as far as routing goes. */
export interface RoutedServiceDefinition {
  fullName: string;
  methods: Record<string, MethodWithOptions>;
}

/**
 * The route of every method of `definition`, compiled from its `(kairos.routing.v1.route)`
 * option. Throws naming every method without a route, or with a target not in `targets` (a
 * history instance owns shards, a matching instance task queues), so a router cannot be built
 * for a service it would misroute.
 */
export function methodRoutes(definition: RoutedServiceDefinition, targets: readonly RouteTarget[]): Map<string, MethodRoute> {
  const routes = new Map<string, MethodRoute>();
  const problems: string[] = [];
  for (const [method, spec] of Object.entries(definition.methods)) {
    const declared = declaredRoute(spec);
    const route = declared && compileRoute(declared);
    if (!route) problems.push(`${method} has no route`);
    else if (!targets.includes(route.target)) problems.push(`${method} is routed by ${route.target}`);
    else routes.set(method, route);
  }
  if (problems.length > 0) throw new Error(`${definition.fullName} routes (kairos/routing/v1/routing.proto): ${problems.join('; ')}`);
  return routes;
}

const namespaceIdOf = fieldReader('namespace_id');

function compileRoute(route: Route): MethodRoute | undefined {
  if (route.execution?.workflowId !== undefined) {
    const workflowIdOf = fieldReader(route.execution.workflowId);
    return { target: 'execution', executionOf: (r) => ({ namespaceId: namespaceIdOf(r) as string, workflowId: (workflowIdOf(r) as string | undefined) ?? '' }) };
  }
  if (route.execution?.taskToken !== undefined) {
    const { kind } = route.execution.taskToken;
    const tokenOf = fieldReader(route.execution.taskToken.field);
    // A malformed or foreign token is INVALID_ARGUMENT here already, before any instance is asked.
    return { target: 'execution', executionOf: (r) => ({ namespaceId: namespaceIdOf(r) as string, workflowId: decodeTaskToken(tokenOf(r) as Uint8Array | undefined, kind).workflowId }) };
  }
  if (route.taskQueue !== undefined) {
    const nameOf = fieldReader(route.taskQueue.name);
    const kindOf = queueKindReader(route.taskQueue);
    return { target: 'taskQueue', queueKeyOf: (r) => `${namespaceIdOf(r) as string}/${kindOf(r)}/${(nameOf(r) as string | undefined) ?? ''}` };
  }
  if (route.anyInstance !== undefined) return { target: 'anyInstance' };
  return undefined;
}

/** The queue kind as it appears in task queue keys ("workflow" or "activity"). */
function queueKindReader(route: NonNullable<Route['taskQueue']>): (request: unknown) => string {
  if (route.kindName !== undefined) {
    const kindNameOf = fieldReader(route.kindName);
    return (r) => (kindNameOf(r) as string | undefined) ?? 'workflow';
  }
  if (route.taskQueueType !== undefined) {
    const typeOf = fieldReader(route.taskQueueType);
    return (r) => (typeOf(r) === TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY ? 'activity' : 'workflow');
  }
  const fixed = route.kind === TaskQueueKind.TASK_QUEUE_KIND_ACTIVITY ? 'activity' : 'workflow';
  return () => fixed;
}
