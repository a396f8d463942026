import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metadata, Status, type CallContext } from 'nice-grpc-common';
import { GrpcServer } from '@kairos/common/grpc';
import { HealthCheckResponse_ServingStatus, HealthDefinition } from '@kairos/proto/grpc/health/v1/health';
import { rawHealthClient, type RawHealthClient } from '@kairos/testing';
import { pollWaitMs, requirePollDeadline } from './pollDeadline';

/** A call context whose caller set `deadline` (none when undefined). */
const ctx = (deadline?: Date) => ({ metadata: Metadata(), signal: new AbortController().signal, deadline }) as unknown as CallContext;

describe('pollWaitMs', () => {
  const now = 1_000_000;

  it('waits until a second before the deadline, at most a minute, never less than nothing', () => {
    expect(pollWaitMs(ctx(new Date(now + 70_000)), now)).toBe(60_000);
    expect(pollWaitMs(ctx(new Date(now + 11_000)), now)).toBe(10_000);
    expect(pollWaitMs(ctx(new Date(now + 500)), now)).toBe(0);
  });

  it('waits the longest when the caller set no deadline', () => {
    expect(pollWaitMs(ctx(), now)).toBe(60_000);
  });
});

describe('requirePollDeadline', () => {
  const refusal = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      return err as { code: Status; message: string };
    }
    throw new Error('no refusal');
  };

  it('refuses polls without a deadline or with one under two seconds away, as Temporal', () => {
    const now = Date.now();
    expect(refusal(() => requirePollDeadline(ctx(), now))).toMatchObject({ code: Status.INVALID_ARGUMENT, message: 'Context timeout is not set.' });
    expect(refusal(() => requirePollDeadline(ctx(new Date(now + 1_500)), now))).toMatchObject({ code: Status.INVALID_ARGUMENT, message: 'Context timeout is too short.' });
    expect(() => requirePollDeadline(ctx(new Date(now + 2_000)), now)).not.toThrow();
  });
});

describe('a long poll over a real server', () => {
  let server: GrpcServer;
  let client: RawHealthClient;

  beforeAll(async () => {
    server = new GrpcServer({ maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 1 << 20 });
    server.add(HealthDefinition, {
      async check(_request: unknown, context: CallContext) {
        // Waits as a task poll does, then answers normally (never DEADLINE_EXCEEDED).
        await new Promise((resolve) => setTimeout(resolve, pollWaitMs(context, Date.now())));
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

  it('answers about a second before the deadline instead of DEADLINE_EXCEEDED', async () => {
    const start = Date.now();
    const res = await client.check({ deadline: new Date(start + 2_500) });
    expect(res.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const took = Date.now() - start;
    expect(took).toBeGreaterThanOrEqual(1_300);
    expect(took).toBeLessThan(2_300);
  });
});
