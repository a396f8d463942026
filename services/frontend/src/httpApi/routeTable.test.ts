import { describe, expect, it } from 'vitest';
import { publicApiRegistry } from '../publicApiRegistry';
import { HTTP_API_SERVICES } from './httpApiServer';
import { pathComponents } from './pathTemplate';
import { findRoute, httpRoutes } from './routeTable';
import { applyQueryParameters, resolveFieldPath } from './fieldPaths';

const routes = httpRoutes(publicApiRegistry(), HTTP_API_SERVICES);
const find = (method: string, path: string) => findRoute(routes, method, pathComponents(path)!);

describe('routes from the google.api.http options', () => {
  it('has every binding, additional ones included', () => {
    const start = routes.filter((r) => r.rpc === 'StartWorkflowExecution');
    expect(start.map((r) => `${r.httpMethod} ${r.template.source} body=${r.body}`)).toContain('POST /api/v1/namespaces/{namespace}/workflows/{workflow_id} body=*');
    // Temporal binds most RPCs twice: under /api/v1 and without it.
    expect(start.length).toBeGreaterThan(1);
    expect(routes.some((r) => r.service === HTTP_API_SERVICES[1])).toBe(true);
    expect(routes.length).toBeGreaterThan(100);
  });

  it('finds the RPC and its path parameters', () => {
    const found = find('GET', '/api/v1/namespaces/default/workflows/wf-1');
    expect(found).toMatchObject({ found: { rpc: 'DescribeWorkflowExecution' } });
    expect('found' in found && found.pathParams).toEqual([
      { fieldPath: ['namespace'], value: 'default' },
      { fieldPath: ['execution', 'workflow_id'], value: 'wf-1' },
    ]);
    expect(find('GET', '/api/v1/namespaces')).toMatchObject({ found: { rpc: 'ListNamespaces' } });
    expect(find('GET', '/api/v1/cluster-info')).toMatchObject({ found: { rpc: 'GetClusterInfo' } });
  });

  it('tells an unknown path from a known path with another method', () => {
    expect(find('GET', '/nope')).toEqual({ notFound: true });
    expect(find('DELETE', '/api/v1/namespaces')).toEqual({ methodNotAllowed: true });
  });

  it('serves a form POST with the GET route of its path when no POST route has it', () => {
    expect(findRoute(routes, 'POST', pathComponents('/api/v1/namespaces/default/workflow-count')!, true)).toMatchObject({ formFallback: { rpc: 'CountWorkflowExecutions' } });
    expect(findRoute(routes, 'POST', pathComponents('/api/v1/namespaces/default/workflow-count')!, false)).toEqual({ methodNotAllowed: true });
    // A POST route of the path wins.
    expect(findRoute(routes, 'POST', pathComponents('/api/v1/namespaces/default/workflows/w')!, true)).toMatchObject({ found: { rpc: 'StartWorkflowExecution' } });
  });
});

describe('query parameters', () => {
  const listRequest = publicApiRegistry().getMessage('temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest')!;
  const historyRequest = publicApiRegistry().getMessage('temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest')!;

  it('sets fields by proto or JSON name, converted to their proto3 JSON form, and ignores unknown names', () => {
    const json = {};
    applyQueryParameters(listRequest, json, new URLSearchParams('page_size=5&query=WorkflowId%3D%27a%27&pretty&unknown=1'), [['namespace']]);
    expect(json).toEqual({ pageSize: 5, query: "WorkflowId='a'" });
    const history = {};
    applyQueryParameters(historyRequest, history, new URLSearchParams('waitNewEvent=true&maximumPageSize=2&historyEventFilterType=HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT&execution.runId=r1'), [
      ['namespace'],
      ['execution', 'workflow_id'],
    ]);
    expect(history).toEqual({ waitNewEvent: true, maximumPageSize: 2, historyEventFilterType: 'HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT', execution: { runId: 'r1' } });
  });

  it('skips fields the path already set', () => {
    const json = { namespace: 'default' };
    applyQueryParameters(listRequest, json, new URLSearchParams('namespace=other'), [['namespace']]);
    expect(json).toEqual({ namespace: 'default' });
  });

  it("refuses values the field cannot take with strconv's words", () => {
    expect(() => applyQueryParameters(listRequest, {}, new URLSearchParams('pageSize=abc'), [])).toThrow('parsing field "page_size": strconv.ParseInt: parsing "abc": invalid syntax');
    expect(() => applyQueryParameters(listRequest, {}, new URLSearchParams('pageSize=99999999999'), [])).toThrow('strconv.ParseInt: parsing "99999999999": value out of range');
    expect(() => applyQueryParameters(historyRequest, {}, new URLSearchParams('waitNewEvent=yes'), [])).toThrow('parsing field "wait_new_event": strconv.ParseBool: parsing "yes": invalid syntax');
    // One value for a field that is not repeated.
    expect(() => applyQueryParameters(listRequest, {}, new URLSearchParams('pageSize=1&pageSize=2'), [])).toThrow('too many values for field "page_size": 1, 2');
  });

  it('resolves nested paths and nothing past a scalar', () => {
    expect(resolveFieldPath(historyRequest, ['execution', 'workflow_id'])?.map((f) => f.name)).toEqual(['execution', 'workflow_id']);
    expect(resolveFieldPath(historyRequest, ['namespace', 'x'])).toBeUndefined();
  });
});
