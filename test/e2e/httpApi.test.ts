import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeJsonEvents } from '../src/harness/normalize';
import { oracleEnabled } from '../src/harness/oracle';
import { freePort } from '../src/harness/ports';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev, startTemporalDev, type KairosDev, type TemporalDev } from '../src/harness/servers';

/*
 * Temporal's HTTP API (`--http-port`): the same requests sent to Kairos start-dev and to the real
 * Temporal dev server, compared answer by answer: the HTTP status, the Content-Type, and the JSON
 * (ids and times masked; where the servers' gRPC answers differ by nature, the fields both give).
 */

const workflowsPath = require.resolve('../workflows/queries.ts');

interface HttpAnswer {
  status: number;
  contentType: string | null;
  body: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A history event as the HTTP API renders it: its type, and attributes by key. */
type HistoryEventJson = { eventType: string } & Record<string, Record<string, unknown> | undefined>;

async function http(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const response = await fetch(base + path, {
    method,
    headers,
    redirect: 'manual',
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), body: text === '' ? text : (JSON.parse(text) as unknown) };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** Server-made values masked: UUIDs (run, request, namespace, cluster ids) and timestamps. */
function masked(value: unknown): unknown {
  if (typeof value === 'string') return RFC3339.test(value) ? '<time>' : value.replace(UUID, '<uuid>');
  if (Array.isArray(value)) return value.map(masked);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  return value;
}

/** The fields at `paths` (dotted) of a JSON value, for comparing what both servers give. */
function pick(value: unknown, paths: string[]): Record<string, unknown> {
  const at = (v: unknown, path: string) => path.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), v);
  return Object.fromEntries(paths.map((p) => [p, masked(at(value, p))]));
}

/** An error answer's comparable part: status, code, message, and the details' types. */
function errorShape(answer: HttpAnswer): unknown {
  const body = answer.body as { code: number; message: string; details?: Array<{ '@type': string }> };
  return { status: answer.status, contentType: answer.contentType, code: body.code, message: masked(body.message), details: (body.details ?? []).map((d) => d['@type']) };
}

describe("Temporal's HTTP API, compared with the Temporal dev server's", () => {
  const servers: { kairos?: KairosDev; reference?: TemporalDev } = {};
  let kairosUrl: string;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    const [kairos, reference] = await Promise.allSettled([
      startKairosDev({ httpPort: await freePort(), kairosOnly: true, extraArgs: ['--metrics-port', String(metricsPort)] }),
      oracleEnabled() ? startTemporalDev() : Promise.resolve(undefined),
    ]);
    if (kairos.status === 'fulfilled') servers.kairos = kairos.value;
    if (reference.status === 'fulfilled') servers.reference = reference.value;
    if (kairos.status === 'rejected') throw kairos.reason;
    if (reference.status === 'rejected') throw reference.reason;
    kairosUrl = servers.kairos!.httpUrl!;
  });
  afterAll(async () => {
    await Promise.all([servers.kairos?.stop(), servers.reference?.stop()]);
  });

  /**
   * Runs `scenario` against Kairos's HTTP API and, with the oracle on, the dev server's, and
   * requires the same result. Returns Kairos's.
   */
  async function compare<T>(scenario: (base: string, address: string, suffix: string) => Promise<T>): Promise<T> {
    const suffix = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;
    const onKairos = await scenario(kairosUrl, servers.kairos!.address, suffix);
    if (servers.reference) {
      const onTemporal = await scenario(servers.reference.httpUrl, servers.reference.address, suffix);
      expect(onKairos, 'Kairos (received) vs Temporal (expected)').toEqual(onTemporal);
    }
    return onKairos;
  }

  it('start-dev serves it on --http-port, or on a free port by default, and its banner says where', async () => {
    expect(servers.kairos!.processes[0]!.tail()).toContain(`Kairos HTTP:         ${kairosUrl.slice('http://'.length)}`);
    const unflagged = await startKairosDev({ kairosOnly: true, inMemory: true });
    try {
      const address = /Kairos HTTP:\s+(127\.0\.0\.1:\d+)/.exec(unflagged.processes[0]!.tail())?.[1];
      expect(address).toBeDefined();
      const answer = await http(`http://${address}`, 'GET', '/api/v1/system-info');
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ capabilities: { signalAndQueryHeader: true } });
    } finally {
      await unflagged.stop();
    }
  });

  it('goes through the gRPC middlewares: a request is counted and refused as the same gRPC call', async () => {
    const before = await describeNamespaceCount();
    expect((await http(kairosUrl, 'GET', '/api/v1/namespaces/default')).status).toBe(200);
    expect((await http(kairosUrl, 'GET', '/api/v1/namespaces/no-such-namespace')).status).toBe(404);
    expect(await describeNamespaceCount()).toEqual({ requests: before.requests + 2, errors: before.errors + 1 });

    async function describeNamespaceCount(): Promise<{ requests: number; errors: number }> {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const sum = (family: string) =>
        text
          .split('\n')
          .filter((line) => line.startsWith(`${family}{`) && line.includes('operation="DescribeNamespace"') && line.includes('service_name="frontend"'))
          .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      // As Temporal, a NOT_FOUND is counted by its type (service_errors is for unexpected failures).
      return { requests: sum('service_requests'), errors: sum('service_error_with_type') };
    }
  });

  it('lists and describes namespaces: int64 as strings, enums by name, durations as "86400s"', async () => {
    const result = await compare(async (base) => {
      const list = await http(base, 'GET', '/api/v1/namespaces');
      const entry = (list.body as { namespaces: unknown[] }).namespaces.find((n) => (n as { namespaceInfo: { name: string } }).namespaceInfo.name === 'default');
      const describe = await http(base, 'GET', '/api/v1/namespaces/default');
      const fields = [
        'namespaceInfo.name',
        'namespaceInfo.state',
        'namespaceInfo.limits.blobSizeLimitError',
        'namespaceInfo.capabilities.syncUpdate',
        'config.workflowExecutionRetentionTtl',
        'config.historyArchivalState',
        'config.visibilityArchivalState',
        'replicationConfig.activeClusterName',
        'replicationConfig.clusters',
      ];
      return { list: { status: list.status, contentType: list.contentType, default: pick(entry, fields) }, describe: { status: describe.status, ...pick(describe.body, fields) } };
    });
    expect(result.describe).toMatchObject({ status: 200, 'namespaceInfo.state': 'NAMESPACE_STATE_REGISTERED', 'namespaceInfo.limits.blobSizeLimitError': '2097152', 'config.workflowExecutionRetentionTtl': '86400s' });
  });

  it('answers cluster and system info', async () => {
    const result = await compare(async (base) => {
      const cluster = await http(base, 'GET', '/api/v1/cluster-info');
      const system = await http(base, 'GET', '/api/v1/system-info');
      return {
        cluster: { status: cluster.status, ...pick(cluster.body, ['clusterName', 'persistenceStore', 'visibilityStore', 'initialFailoverVersion', 'failoverVersionIncrement']) },
        // The shard count is each server's configuration; its JSON type (int32: a number) is not.
        shardCountType: typeof (cluster.body as { historyShardCount: unknown }).historyShardCount,
        clientRanges: Object.keys((cluster.body as { supportedClients: object }).supportedClients).filter((c) => c.startsWith('temporal-')).sort(),
        system: { status: system.status, ...pick(system.body, ['capabilities.signalAndQueryHeader', 'capabilities.upsertMemo', 'capabilities.sdkMetadata']), versionType: typeof (system.body as { serverVersion: unknown }).serverVersion },
      };
    });
    expect(result.cluster).toMatchObject({ status: 200, clusterName: 'active', initialFailoverVersion: '1' });
  });

  it('starts a workflow with JSON input, signals it, runs it with an SDK worker, queries it and reads its history', async () => {
    const result = await compare(async (base, address, suffix) => {
      const taskQueue = `http-${suffix}`;
      const workflowId = `http-counter-${suffix}`;
      const path = `/api/v1/namespaces/default/workflows/${workflowId}`;
      const start = await http(base, 'POST', path, {
        workflowType: { name: 'counter' },
        // Temporal's short enum names are taken as well as full ones.
        taskQueue: { name: taskQueue, kind: 'Normal' },
        workflowRunTimeout: '60s',
        requestId: `req-${suffix}`,
        memo: { fields: { note: { text: 'x<y', n: 1 } } },
      });
      // Signalled before any worker polls, so both histories have the same workflow tasks.
      let signals = 0;
      // Each signal its own request id: a repeated one is the same signal (both servers drop it).
      const signal = (name: string, input?: Json[]) => http(base, 'POST', `${path}/signal/${name}`, { ...(input && { input }), requestId: `sig-${++signals}-${suffix}` });
      const signalled = await signal('increment', [2]);
      await signal('increment', [3]);
      await signal('finish');
      return withWorker({ address, taskQueue, workflowsPath, activities: {} }, async () => {
        // The run's result: a long poll on the close event, as the SDKs wait for it.
        const closed = await http(base, 'GET', `${path}/history?waitNewEvent=true&historyEventFilterType=HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT`);
        // The counter answers queries after its end too.
        const query = await http(base, 'POST', `${path}/query/count`, { query: {} });
        const described = await http(base, 'GET', path);
        const history = await http(base, 'GET', `${path}/history`);
        // Without shorthand the history is the canonical proto3 JSON every Temporal tool writes: compare it event by event.
        const standard = await http(base, 'GET', `${path}/history?noPayloadShorthand`);
        const events = (history.body as { history: { events: HistoryEventJson[] } }).history.events;
        return {
          start: { http: start.status, ...pick(start.body, ['started', 'status']), runIdType: typeof (start.body as { runId: unknown }).runId },
          signalled: signalled.status,
          query: { status: query.status, body: query.body },
          closed: { status: closed.status, event: pick((closed.body as { history: { events: unknown[] } }).history.events[0], ['eventType', 'workflowExecutionCompletedEventAttributes.result']) },
          described: pick(described.body, [
            'executionConfig.taskQueue',
            'executionConfig.workflowRunTimeout',
            'executionConfig.defaultWorkflowTaskTimeout',
            'workflowExecutionInfo.execution',
            'workflowExecutionInfo.type',
            'workflowExecutionInfo.status',
            'workflowExecutionInfo.historyLength',
            'workflowExecutionInfo.memo',
            'workflowExecutionInfo.taskQueue',
          ]),
          // Payloads in shorthand: the memo, and each signal's input, as plain JSON.
          shorthand: {
            memo: events[0]!.workflowExecutionStartedEventAttributes?.memo,
            signals: events.filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED').map((e) => e.workflowExecutionSignaledEventAttributes?.input ?? null),
          },
          contentType: standard.contentType,
          events: normalizeJsonEvents((standard.body as { history: { events: Record<string, unknown>[] } }).history.events),
        };
      });
    });
    expect(result.start).toEqual({ http: 200, started: true, status: 'WORKFLOW_EXECUTION_STATUS_RUNNING', runIdType: 'string' });
    expect(result.query).toEqual({ status: 200, body: { queryResult: [5] } });
    expect(result.closed.event).toEqual({ eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED', 'workflowExecutionCompletedEventAttributes.result': [5] });
    expect(result.shorthand).toEqual({ memo: { fields: { note: { n: 1, text: 'x<y' } } }, signals: [[2], [3], null] });
    expect(result.contentType).toBe('application/json+no-payload-shorthand');
  });

  it('terminates a workflow and lists and counts it by query', async () => {
    const result = await compare(async (base, _address, suffix) => {
      const workflowId = `http-terminated-${suffix}`;
      const path = `/api/v1/namespaces/default/workflows/${workflowId}`;
      const start = await http(base, 'POST', path, { workflowType: { name: 'neverRuns' }, taskQueue: { name: `http-nobody-${suffix}` }, input: [{ b: 1, a: 'two' }, 'three'] });
      const terminate = await http(base, 'POST', `${path}/terminate`, { reason: 'over HTTP', details: ['why'] });
      const described = await http(base, 'GET', path);
      const query = encodeURIComponent(`WorkflowId = '${workflowId}'`);
      const list = await http(base, 'GET', `/api/v1/namespaces/default/workflows?query=${query}`);
      const count = await http(base, 'GET', `/api/v1/namespaces/default/workflow-count?query=${query}`);
      // A form POST (curl -d's default) is served by the GET route of its path, its fields as query parameters.
      const formCount = await http(base, 'POST', '/api/v1/namespaces/default/workflow-count', `query=${query}`, { 'Content-Type': 'application/x-www-form-urlencoded' });
      const history = await http(base, 'GET', `${path}/history?noPayloadShorthand`);
      const shorthandHistory = await http(base, 'GET', `${path}/history`);
      const events = (shorthandHistory.body as { history: { events: HistoryEventJson[] } }).history.events;
      return {
        start: start.status,
        terminate: { status: terminate.status },
        status: pick(described.body, ['workflowExecutionInfo.status']),
        list: { status: list.status, executions: (list.body as { executions: unknown[] }).executions.map((e) => pick(e, ['execution.workflowId', 'type', 'status', 'taskQueue'])) },
        count: count.body,
        formCount: { status: formCount.status, body: formCount.body },
        input: events[0]!.workflowExecutionStartedEventAttributes?.input,
        terminated: pick(events.at(-1), ['eventType', 'workflowExecutionTerminatedEventAttributes.reason', 'workflowExecutionTerminatedEventAttributes.details']),
        events: normalizeJsonEvents((history.body as { history: { events: Record<string, unknown>[] } }).history.events),
      };
    });
    expect(result.status).toEqual({ 'workflowExecutionInfo.status': 'WORKFLOW_EXECUTION_STATUS_TERMINATED' });
    expect(result.count).toEqual({ count: '1' });
    expect(result.formCount).toEqual({ status: 200, body: { count: '1' } });
    expect(result.input).toEqual([{ a: 'two', b: 1 }, 'three']);
    expect(result.terminated).toMatchObject({ 'workflowExecutionTerminatedEventAttributes.reason': 'over HTTP', 'workflowExecutionTerminatedEventAttributes.details': ['why'] });
  });

  it('refuses bad requests with the status, code, message and details Temporal answers', async () => {
    const result = await compare(async (base, _address, suffix) => {
      const path = `/api/v1/namespaces/default/workflows/http-bad-${suffix}`;
      const valid = { workflowType: { name: 'neverRuns' }, taskQueue: { name: `http-bad-${suffix}` } };
      await http(base, 'POST', path, valid);
      return {
        unknownNamespace: await http(base, 'GET', '/api/v1/namespaces/no-such-namespace'),
        unknownNamespaceWorkflows: errorShape(await http(base, 'GET', '/api/v1/namespaces/no-such-namespace/workflows')),
        unknownWorkflow: errorShape(await http(base, 'GET', `/api/v1/namespaces/default/workflows/no-such-${suffix}`)),
        alreadyStarted: errorShape(await http(base, 'POST', path, valid)),
        notSet: await http(base, 'POST', `${path}-2`, {}),
        // Temporal's JSON reader names an unknown key and where it starts.
        unknownField: errorShape(await http(base, 'POST', `${path}-3`, '{"workflowType": {"name": "x"},\n  "links": [{}, {"wat": 1}]}')),
        cutShort: errorShape(await http(base, 'POST', `${path}-4`, '{"workflowType":')),
        // Other syntax errors are in each JSON library's words: status and code only.
        notJson: pick(errorShape(await http(base, 'POST', `${path}-5`, '{"workflowType" 1}')), ['status', 'code']),
        badQueryParameter: await http(base, 'GET', '/api/v1/namespaces/default/workflows?pageSize=abc'),
        badEnumParameter: await http(base, 'GET', '/api/v1/namespaces/default/task-queues/tq?taskQueueType=Workflow'),
        repeatedParameter: await http(base, 'GET', '/api/v1/namespaces/default/workflows?pageSize=1&pageSize=2'),
        unknownRoute: await http(base, 'GET', '/api/v1/no-such-route'),
        wrongMethod: await http(base, 'DELETE', '/api/v1/namespaces'),
        pretty: await http(base, 'GET', '/api/v1/namespaces/no-such-namespace?pretty'),
        uncleanPath: await http(base, 'GET', '/api/v1//namespaces'),
        // A trailing slash leaves an empty path parameter, which the handler refuses.
        emptyParameter: await http(base, 'GET', '/api/v1/namespaces/default/workflows/'),
      };
    });
    expect(result.unknownNamespace).toEqual({
      status: 404,
      contentType: '*',
      body: {
        code: 5,
        message: 'Namespace no-such-namespace is not found.',
        details: [{ '@type': 'type.googleapis.com/temporal.api.errordetails.v1.NamespaceNotFoundFailure', namespace: 'no-such-namespace' }],
      },
    });
    expect(result.alreadyStarted).toMatchObject({ status: 409, code: 6, details: ['type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure'] });
    expect(result.unknownField).toMatchObject({ status: 400, code: 3, message: 'temporalproto: (line 2:18): unknown field "wat"' });
    expect(result.notJson).toEqual({ status: 400, code: 3 });
    expect(result.notSet).toMatchObject({ status: 400, body: { code: 3, message: 'WorkflowType is not set on request.' } });
    expect(result.unknownRoute).toMatchObject({ status: 404, body: { code: 5, message: 'Not Found' } });
    expect(result.wrongMethod).toMatchObject({ status: 501, body: { code: 12, message: 'Method Not Allowed' } });
    expect(result.pretty.contentType).toBe('application/json+pretty');
    expect(result.uncleanPath.status).toBe(301);
  });
});
