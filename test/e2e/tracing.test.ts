import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../src/harness/cluster';
import { freePort } from '../src/harness/ports';
import { withWorker } from '../src/harness/sdk';
import { startKairosDev, type KairosDev } from '../src/harness/servers';
import { untilAsync } from '../src/harness/waiting';

/**
 * OpenTelemetry traces: with $OTEL_EXPORTER_OTLP_ENDPOINT set, each Kairos process sends its spans
 * (OTLP over HTTP, JSON) to the endpoint; here a small OTLP receiver in the test. One workflow
 * start is one trace across the frontend, history and matching processes of a cluster (and across
 * start-dev's services in one process).
 */
const workflowsPath = require.resolve('../workflows/activities.ts');

interface ReceivedSpan {
  service: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
}

interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<{ name: string; traceId: string; spanId: string; parentSpanId?: string; kind: number }> }>;
  }>;
}

/** An OTLP/HTTP receiver for JSON exports: keeps every span it is sent. */
async function startOtlpReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const port = await freePort();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && (req.headers['content-type'] ?? '').includes('json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson;
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) spans.push({ service, name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', kind: s.kind });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The chain of spans from `span` up to its trace's root (parents received so far). */
function ancestry(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const chain = [span];
  for (let at = span; at.parentSpanId; ) {
    const parent = spans.find((s) => s.traceId === at.traceId && s.spanId === at.parentSpanId);
    if (!parent) break;
    chain.push(parent);
    at = parent;
  }
  return chain;
}

const START = 'temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution';
const HISTORY_START = 'kairos.historyservice.v1.HistoryService/StartWorkflowExecution';
const ADD_WORKFLOW_TASK = 'kairos.matchingservice.v1.MatchingService/AddWorkflowTask';
// Exports every 100 ms instead of every 5 s, so the test waits less.
const FAST_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '100' };

async function runOneWorkflow(address: string, taskQueue: string): Promise<string> {
  return withWorker({ address, taskQueue, workflowsPath, activities: { greet: async (name: string) => `hello ${name}` } }, async (client) => {
    const handle = await client.workflow.start('greetOne', { taskQueue, workflowId: `wf-traced-${Date.now()}`, args: ['traces'] });
    await handle.result();
    return handle.workflowId;
  });
}

describe('OpenTelemetry traces across frontend, history and matching', () => {
  const state: { receiver?: Awaited<ReturnType<typeof startOtlpReceiver>>; cluster?: PostgresCluster; dev?: KairosDev } = {};
  beforeAll(async () => {
    state.receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await state.cluster?.stop();
    await state.dev?.stop();
    await state.receiver?.close();
  });

  it('a three-process cluster: the start is one trace from the frontend through history to matching', async () => {
    const receiver = state.receiver!;
    state.cluster = await startPostgresCluster({ history: 1, matching: 1, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...FAST_EXPORT } });
    await runOneWorkflow(state.cluster.address, 'tq-traced-cluster');
    const findChain = () => {
      const adds = receiver.spans.filter((s) => s.service === 'kairos-matching' && s.name === ADD_WORKFLOW_TASK && s.kind === 2);
      return adds.map((s) => ancestry(receiver.spans, s)).find((chain) => chain.some((s) => s.name === START && s.service === 'kairos-frontend'));
    };
    await untilAsync(async () => findChain() !== undefined, 'a matching span in a trace that starts at the frontend', 60_000);
    const chain = findChain()!.map((s) => `${s.service} ${s.kind} ${s.name}`);
    // Root first: server (kind 2) and client (kind 3) spans, hop by hop.
    expect(chain.reverse().slice(0, 4)).toEqual([
      `kairos-frontend 2 ${START}`,
      `kairos-frontend 3 ${HISTORY_START}`,
      `kairos-history 2 ${HISTORY_START}`,
      `kairos-history 3 ${ADD_WORKFLOW_TASK}`,
    ]);
    expect(chain.at(-1)).toBe(`kairos-matching 2 ${ADD_WORKFLOW_TASK}`);
  });

  it('start-dev: the same trace through its in-process services', async () => {
    const receiver = state.receiver!;
    state.dev = await startKairosDev({ kairosOnly: true, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...FAST_EXPORT } });
    await runOneWorkflow(state.dev.address, 'tq-traced-dev');
    const findChain = () =>
      receiver.spans
        .filter((s) => s.service === 'kairos' && s.name === ADD_WORKFLOW_TASK)
        .map((s) => ancestry(receiver.spans, s))
        .find((chain) => chain.at(-1)?.name === START);
    await untilAsync(async () => findChain() !== undefined, 'an AddWorkflowTask span under the start in start-dev', 60_000);
    expect(findChain()!.map((s) => s.name).reverse()).toEqual([START, HISTORY_START, ADD_WORKFLOW_TASK]);
  });
});
