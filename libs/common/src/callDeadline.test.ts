import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { createServer, type Server } from 'nice-grpc';
import { Metadata, type CallContext } from 'nice-grpc-common';
import { HealthCheckResponse_ServingStatus, HealthDefinition } from '@kairos/proto/grpc/health/v1/health';
import { rawHealthClient, type RawHealthClient } from '@kairos/testing';
import { callDeadline, createDeadlineMiddleware, DEADLINE_METADATA_KEY, mayWait, parseGrpcTimeout, withCallDeadline } from './callDeadline';

// A raw grpc-js client, so the test controls exactly which `grpc-timeout` goes on the wire.
let server: Server<{ deadline: Date | undefined }>;
let client: RawHealthClient;
const seen: { deadline: Date | undefined; contextDeadline: Date | undefined }[] = [];

beforeAll(async () => {
  server = createServer(withCallDeadline({ 'grpc.max_receive_message_length': 1024 * 1024 })).use(createDeadlineMiddleware());
  server.add(HealthDefinition, {
    async check(_request, context) {
      seen.push({ deadline: callDeadline(context), contextDeadline: context.deadline });
      return { status: HealthCheckResponse_ServingStatus.SERVING };
    },
    async *watch() {},
  });
  const port = await server.listen('127.0.0.1:0');
  client = rawHealthClient(`127.0.0.1:${port}`);
});

afterAll(async () => {
  client?.close();
  await server?.forceShutdown();
});

describe('callDeadline over a real server', () => {
  it('reads the deadline the caller sent as grpc-timeout', async () => {
    const deadline = new Date(Date.now() + 30_000);
    await client.check({ deadline });
    const got = seen.at(-1)!;
    expect(got.deadline).toBeInstanceOf(Date);
    expect(Math.abs(got.deadline!.getTime() - deadline.getTime())).toBeLessThan(250);
    expect(got.contextDeadline?.getTime()).toBe(got.deadline!.getTime());
  });

  it('is undefined without a deadline, even if the client sends the internal key itself', async () => {
    const md = new grpc.Metadata();
    md.set(DEADLINE_METADATA_KEY, String(Date.now() + 5_000));
    await client.check({}, md);
    expect(seen.at(-1)!.deadline).toBeUndefined();
  });

  it('replaces a spoofed internal key with the real deadline', async () => {
    const md = new grpc.Metadata();
    md.set(DEADLINE_METADATA_KEY, '1');
    const deadline = new Date(Date.now() + 10_000);
    await client.check({ deadline }, md);
    expect(Math.abs(seen.at(-1)!.deadline!.getTime() - deadline.getTime())).toBeLessThan(250);
  });
});

describe('deadline helpers', () => {
  const ctx = (fields: Partial<CallContext> & { deadline?: unknown } = {}) => ({ metadata: Metadata(), ...fields });

  it('parses grpc-timeout values', () => {
    expect(parseGrpcTimeout('70S')).toBe(70_000);
    expect(parseGrpcTimeout('1H')).toBe(3_600_000);
    expect(parseGrpcTimeout('2M')).toBe(120_000);
    expect(parseGrpcTimeout('500m')).toBe(500);
    expect(parseGrpcTimeout('1000000u')).toBe(1_000);
    expect(parseGrpcTimeout('5n')).toBeCloseTo(5e-6);
    expect(parseGrpcTimeout('123456789S')).toBeUndefined();
    expect(parseGrpcTimeout('10s')).toBeUndefined();
  });

  it('prefers context.deadline, then the recorded key, then a forwarded grpc-timeout', () => {
    const d = new Date(Date.now() + 5_000);
    expect(callDeadline(ctx({ deadline: d }))).toBe(d);
    expect(callDeadline(ctx({ metadata: Metadata({ [DEADLINE_METADATA_KEY]: '1700000000000' }) }))?.getTime()).toBe(1_700_000_000_000);
    const fromTimeout = callDeadline(ctx({ metadata: Metadata({ 'grpc-timeout': '70S' }) }))!;
    expect(Math.abs(fromTimeout.getTime() - (Date.now() + 70_000))).toBeLessThan(100);
    expect(callDeadline(ctx())).toBeUndefined();
  });
});

describe('mayWait', () => {
  it('names the calls that may wait for their deadline, and no others', () => {
    const ws = '/temporal.api.workflowservice.v1.WorkflowService/';
    for (const m of ['PollWorkflowTaskQueue', 'PollActivityTaskQueue', 'PollNexusTaskQueue', 'PollWorkflowExecutionUpdate', 'GetWorkflowExecutionHistory', 'UpdateWorkflowExecution', 'ExecuteMultiOperation', 'QueryWorkflow']) {
      expect(mayWait(ws + m)).toBe(true);
    }
    for (const m of ['StartWorkflowExecution', 'RespondWorkflowTaskCompleted', 'RespondActivityTaskCompleted', 'GetWorkflowExecutionHistoryReverse', 'DescribeNamespace']) {
      expect(mayWait(ws + m)).toBe(false);
    }
  });
});

describe('withCallDeadline for some calls only', () => {
  it('records no deadline for a call it does not name', async () => {
    const got: Array<Date | undefined> = [];
    const other = createServer(withCallDeadline({}, (path) => !path.endsWith('/Check')));
    other.add(HealthDefinition, {
      async check(_request, context) {
        got.push(callDeadline(context));
        return { status: HealthCheckResponse_ServingStatus.SERVING };
      },
      async *watch() {},
    });
    const port = await other.listen('127.0.0.1:0');
    const raw = rawHealthClient(`127.0.0.1:${port}`);
    try {
      await raw.check({ deadline: new Date(Date.now() + 30_000) });
    } finally {
      raw.close();
      await other.forceShutdown();
    }
    expect(got).toEqual([undefined]);
  });
});
