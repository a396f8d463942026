import { describe, expect, it } from 'vitest';
import {
  GetClusterInfoResponse,
  GetWorkflowExecutionHistoryRequest,
  GetWorkflowExecutionHistoryResponse,
  StartWorkflowExecutionRequest,
} from '@kairos/proto/temporal/api/workflowservice/v1/request_response';
import { TaskQueueKind } from '@kairos/proto/temporal/api/enums/v1/task_queue';
import { publicApiRegistry } from '../publicApiRegistry';
import { cleanPath } from './requestHandler';
import { HTTP_API_SERVICES } from './services';
import { BadRequestError, decodeHttpRequest, renderMessage } from './jsonCodec';
import { matchPathTemplate, pathComponents } from './pathTemplate';
import { httpRoutes } from './routeTable';

const registry = publicApiRegistry();
const routes = httpRoutes(registry, HTTP_API_SERVICES);
const route = (rpc: string, source: string) => routes.find((r) => r.rpc === rpc && r.template.source === source)!;
const startRoute = route('StartWorkflowExecution', '/api/v1/namespaces/{namespace}/workflows/{workflow_id}');
const historyRoute = route('GetWorkflowExecutionHistory', '/api/v1/namespaces/{namespace}/workflows/{execution.workflow_id}/history');

function decode(r: typeof startRoute, path: string, query: string, body = '', shorthand = true): Uint8Array {
  const params = matchPathTemplate(r.template, pathComponents(path)!)!;
  return decodeHttpRequest(r, params, new URLSearchParams(query), body, registry, { shorthand });
}

describe('HTTP request → RPC request', () => {
  it('takes the whole body for body *, the path over it, and no query parameters', () => {
    const bytes = decode(
      startRoute,
      '/api/v1/namespaces/default/workflows/wf-1',
      'requestId=from-query&workflowType.name=ignored',
      JSON.stringify({ namespace: 'other', workflowType: { name: 'greet' }, taskQueue: { name: 'tq', kind: 'Normal' }, input: [{ b: 1, a: 'x' }, null], workflowRunTimeout: '10s' }),
    );
    const request = StartWorkflowExecutionRequest.decode(bytes);
    expect(request).toMatchObject({ namespace: 'default', workflowId: 'wf-1', requestId: '', workflowType: { name: 'greet' }, taskQueue: { name: 'tq', kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL } });
    expect(request.workflowRunTimeout).toEqual({ seconds: 10, nanos: 0 });
    const [first, second] = request.input!.payloads;
    expect(Buffer.from(first!.metadata.encoding!).toString()).toBe('json/plain');
    expect(Buffer.from(first!.data).toString()).toBe('{"a":"x","b":1}');
    expect(Buffer.from(second!.metadata.encoding!).toString()).toBe('binary/null');
  });

  it('takes an empty body as an empty message, and refuses what is not a JSON object of the type', () => {
    expect(StartWorkflowExecutionRequest.decode(decode(startRoute, '/api/v1/namespaces/default/workflows/w', '', ''))).toMatchObject({ namespace: 'default', workflowId: 'w' });
    expect(() => decode(startRoute, '/api/v1/namespaces/default/workflows/w', '', '{"workflowType":')).toThrow(BadRequestError);
    expect(() => decode(startRoute, '/api/v1/namespaces/default/workflows/w', '', '[1]')).toThrow(BadRequestError);
    expect(() => decode(startRoute, '/api/v1/namespaces/default/workflows/w', '', '{"bogus":1}')).toThrow('temporalproto: (line 1:2): unknown field "bogus"');
    expect(() => decode(startRoute, '/api/v1/namespaces/default/workflows/w', '', '{"input":[{"any":1}],\n "workflowType": {"name": "x", "nam": 2}}')).toThrow(
      'temporalproto: (line 2:32): unknown field "nam"',
    );
    expect(() => decode(startRoute, '/api/v1/namespaces/default/workflows/w', '', '{"workflowType":')).toThrow('unexpected EOF');
  });

  it('needs the standard payload form when shorthand is off', () => {
    expect(() => decode(startRoute, '/api/v1/namespaces/default/workflows/w', '', '{"input":["x"]}', false)).toThrow(BadRequestError);
  });

  it('fills a body-less request from the path, then the query', () => {
    const bytes = decode(historyRoute, '/api/v1/namespaces/default/workflows/wf-1/history', 'execution.runId=r1&waitNewEvent=true&maximumPageSize=5&namespace=other');
    // Decoded with the generated type the handler gets.
    expect(GetWorkflowExecutionHistoryRequest.decode(bytes)).toMatchObject({ namespace: 'default', execution: { workflowId: 'wf-1', runId: 'r1' }, waitNewEvent: true, maximumPageSize: 5 });
    expect(() => decode(historyRoute, '/api/v1/namespaces/default/workflows/wf-1/history', 'maximumPageSize=x')).toThrow('parsing field "maximum_page_size": strconv.ParseInt: parsing "x": invalid syntax');
    expect(() => decode(historyRoute, '/api/v1/namespaces/default/workflows/wf-1/history', 'historyEventFilterType=Close')).toThrow('parsing field "history_event_filter_type": "Close" is not a valid value');
  });
});

describe('RPC response → JSON', () => {
  it('renders proto3 JSON with map keys sorted, payloads in shorthand unless turned off, indented when pretty', () => {
    const cluster = GetClusterInfoResponse.encode(GetClusterInfoResponse.fromPartial({ supportedClients: { b: '<2', a: '<3' }, historyShardCount: 4, initialFailoverVersion: 1 })).finish();
    const desc = registry.getMessage('temporal.api.workflowservice.v1.GetClusterInfoResponse')!;
    expect(renderMessage(desc, cluster, registry, { shorthand: true, pretty: false })).toBe('{"supportedClients":{"a":"<3","b":"<2"},"historyShardCount":4,"initialFailoverVersion":"1"}');
    expect(renderMessage(desc, cluster, registry, { shorthand: true, pretty: true })).toContain('\n  "historyShardCount": 4,');

    const payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"x":1}') };
    const history = GetWorkflowExecutionHistoryResponse.encode(
      GetWorkflowExecutionHistoryResponse.fromPartial({ history: { events: [{ eventId: 1, workflowExecutionSignaledEventAttributes: { signalName: 's', input: { payloads: [payload] } } }] } }),
    ).finish();
    const historyDesc = registry.getMessage('temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse')!;
    const rendered = (shorthand: boolean) =>
      (JSON.parse(renderMessage(historyDesc, history, registry, { shorthand, pretty: false })) as { history: { events: Array<{ workflowExecutionSignaledEventAttributes: { input: unknown } }> } }).history.events[0]!
        .workflowExecutionSignaledEventAttributes.input;
    expect(rendered(true)).toEqual([{ x: 1 }]);
    expect(rendered(false)).toEqual({ payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg==' }, data: Buffer.from('{"x":1}').toString('base64') }] });
  });
});

describe('path cleaning', () => {
  it('cleans as Go path.Clean, keeping a trailing slash', () => {
    expect(cleanPath('/api/v1//namespaces')).toBe('/api/v1/namespaces');
    expect(cleanPath('/api/./v1/x/../namespaces')).toBe('/api/v1/namespaces');
    expect(cleanPath('/api/v1/namespaces/')).toBe('/api/v1/namespaces/');
    expect(cleanPath('/')).toBe('/');
  });
});
