import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { Metadata, type CallContext } from 'nice-grpc-common';
import { HealthCheckResponse_ServingStatus, HealthDefinition } from '@kairos/proto/grpc/health/v1/health';
import { rawHealthClient, type RawHealthClient } from '@kairos/testing';
import { callDeadline, parseGrpcTimeout } from './callDeadline';
import { GrpcServer } from './grpc/server';

// A raw grpc-js client, so the test controls exactly which `grpc-timeout` goes on the wire.
let server: GrpcServer;
let client: RawHealthClient;
const seen: Array<Date | undefined> = [];

beforeAll(async () => {
  server = new GrpcServer({ maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 1 << 20 });
  server.add(HealthDefinition, {
    async check(_request: unknown, context: CallContext) {
      seen.push(callDeadline(context));
      return { status: HealthCheckResponse_ServingStatus.SERVING };
    },
    async *watch() {},
  });
  const port = await server.listen('127.0.0.1:0');
  client = rawHealthClient(`127.0.0.1:${port}`);
});

afterAll(async () => {
  client?.close();
  server?.forceShutdown();
});

describe('callDeadline over a real server', () => {
  it('reads the deadline the caller sent as grpc-timeout', async () => {
    const deadline = new Date(Date.now() + 30_000);
    await client.check({ deadline });
    const got = seen.at(-1);
    expect(got).toBeInstanceOf(Date);
    expect(Math.abs(got!.getTime() - deadline.getTime())).toBeLessThan(250);
  });

  it('is undefined without a deadline, whatever metadata the client sends', async () => {
    const md = new grpc.Metadata();
    md.set('kairos-deadline-ms', String(Date.now() + 5_000));
    await client.check({}, md);
    expect(seen.at(-1)).toBeUndefined();
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

  it('prefers context.deadline, then a forwarded grpc-timeout', () => {
    const d = new Date(Date.now() + 5_000);
    expect(callDeadline(ctx({ deadline: d }))).toBe(d);
    expect(callDeadline(ctx({ deadline: d.getTime() }))?.getTime()).toBe(d.getTime());
    const fromTimeout = callDeadline(ctx({ metadata: Metadata({ 'grpc-timeout': '70S' }) }))!;
    expect(Math.abs(fromTimeout.getTime() - (Date.now() + 70_000))).toBeLessThan(100);
    expect(callDeadline(ctx())).toBeUndefined();
  });
});
