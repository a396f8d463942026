import { getExtension, hasExtension, type DescExtension, type DescMessage, type DescMethod, type FileRegistry } from '@bufbuild/protobuf';
import { matchPathTemplate, parsePathTemplate, type PathParams, type PathTemplate } from './pathTemplate';

/** One HTTP binding of an RPC: its `google.api.http` rule or one of the rule's `additional_bindings`. */
export interface HttpRoute {
  httpMethod: string;
  template: PathTemplate;
  /** `*`: the whole body is the request; a field name: the body is that field; '': no body. */
  body: string;
  /** The service's full name (`temporal.api.workflowservice.v1.WorkflowService`). */
  service: string;
  /** The RPC's name as the proto spells it (`StartWorkflowExecution`). */
  rpc: string;
  input: DescMessage;
  output: DescMessage;
}

/** The shape of a decoded `google.api.HttpRule` (the fields the routes use). */
interface HttpRule {
  pattern: { case: string | undefined; value?: unknown };
  body: string;
  additionalBindings: HttpRule[];
}

export const HTTP_RULE_EXTENSION = 'google.api.http';

/**
 * Every HTTP binding of the services' RPCs, read from the `google.api.http` method option (field
 * 72295728 of MethodOptions) in the descriptors, in the order grpc-gateway's generated code
 * registers them: services in the order given, RPCs in proto order, each rule before its
 * additional bindings.
 */
export function httpRoutes(registry: FileRegistry, serviceNames: readonly string[]): HttpRoute[] {
  const extension = registry.getExtension(HTTP_RULE_EXTENSION);
  if (!extension) throw new Error(`the descriptor set lacks the ${HTTP_RULE_EXTENSION} extension`);
  const routes: HttpRoute[] = [];
  for (const name of serviceNames) {
    const service = registry.getService(name);
    if (!service) throw new Error(`the descriptor set lacks service ${name}`);
    for (const method of service.methods) {
      const rule = httpRuleOf(method, extension);
      if (!rule) continue;
      for (const binding of [rule, ...rule.additionalBindings]) {
        const route = routeOf(binding, method, name);
        if (route) routes.push(route);
      }
    }
  }
  return routes;
}

function httpRuleOf(method: DescMethod, extension: DescExtension): HttpRule | undefined {
  const options = method.proto.options;
  if (!options || !hasExtension(options, extension)) return undefined;
  return getExtension(options, extension) as unknown as HttpRule;
}

function routeOf(rule: HttpRule, method: DescMethod, service: string): HttpRoute | undefined {
  const { case: kind, value } = rule.pattern;
  let httpMethod: string;
  let path: string;
  if (kind === 'custom') {
    const custom = value as { kind: string; path: string };
    httpMethod = custom.kind.toUpperCase();
    path = custom.path;
  } else if (kind !== undefined && typeof value === 'string') {
    httpMethod = kind.toUpperCase();
    path = value;
  } else return undefined;
  return { httpMethod, template: parsePathTemplate(path), body: rule.body, service, rpc: method.name, input: method.input, output: method.output };
}

export type RouteLookup =
  | { found: HttpRoute; pathParams: PathParams }
  /** A form POST only a GET route serves (grpc-gateway's path-length fallback: the form's fields are query parameters). */
  | { formFallback: HttpRoute; pathParams: PathParams }
  /** The path matches a route of another HTTP method only. */
  | { methodNotAllowed: true }
  | { notFound: true };

/**
 * The route serving a request. As grpc-gateway's mux, a later registration wins over an earlier
 * one that also matches, a form POST (`application/x-www-form-urlencoded`, curl -d's default) may
 * be served by a GET route, and a path that only another HTTP method serves is "method not allowed".
 */
export function findRoute(routes: readonly HttpRoute[], httpMethod: string, components: readonly string[], formPost = false): RouteLookup {
  const latestMatch = (method: string) => {
    for (let i = routes.length - 1; i >= 0; i--) {
      const route = routes[i]!;
      if (route.httpMethod !== method) continue;
      const pathParams = matchPathTemplate(route.template, components);
      if (pathParams) return { route, pathParams };
    }
    return undefined;
  };
  const own = latestMatch(httpMethod);
  if (own) return { found: own.route, pathParams: own.pathParams };
  if (formPost && httpMethod === 'POST') {
    const get = latestMatch('GET');
    if (get) return { formFallback: get.route, pathParams: get.pathParams };
  }
  if (routes.some((r) => r.httpMethod !== httpMethod && matchPathTemplate(r.template, components))) return { methodNotAllowed: true };
  return { notFound: true };
}
