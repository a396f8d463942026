import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { createChannel, createClient, type Channel } from 'nice-grpc';
import { ClientError, Metadata, Status, type CallContext } from 'nice-grpc-common';
import { ApiError } from '../errors';
import { callDeadline } from '../callDeadline';
import { createServerErrorMiddleware } from '../grpcErrors';
import { noopLogger } from '../logger';
import { HealthCheckResponse_ServingStatus, HealthDefinition, type HealthCheckRequest } from '@kairos/proto/grpc/health/v1/health';
import { ServerReflectionDefinition, type ServerReflectionRequest } from '@kairos/proto/grpc/reflection/v1/reflection';
import { Http2Connection } from './http2Connection';
import { GrpcServer, onCallCancelled, withContext } from './server';
import { createUnaryClient } from './unaryClient';

const { SERVING, NOT_SERVING } = HealthCheckResponse_ServingStatus;
type Check = (request: HealthCheckRequest, context: CallContext) => Promise<{ status: HealthCheckResponse_ServingStatus }>;

/** Which HTTP/2 the servers of the running suite use (the suite runs once over each). */
const transport = { ownHttp2: false };

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An GrpcServer with the error middleware, as history and matching run it. */
async function serve(check: Check, options: { maxMessageBytes?: number; watch?: () => AsyncIterable<{ status: HealthCheckResponse_ServingStatus }> } = {}) {
  const server = new GrpcServer({ ...transport, maxReceiveMessageBytes: options.maxMessageBytes ?? 1 << 20, maxSendMessageBytes: options.maxMessageBytes ?? 1 << 20, middleware: createServerErrorMiddleware(noopLogger) });
  server.add(HealthDefinition, { check, watch: options.watch ?? async function* () {} });
  const port = await server.listen('127.0.0.1:0');
  cleanups.push(() => server.forceShutdown());
  return { server, port };
}

/** nice-grpc over grpc-js: what tests and the SDK's ecosystem speak. */
function grpcJsClient(port: number) {
  const channel: Channel = createChannel(`127.0.0.1:${port}`);
  cleanups.push(() => channel.close());
  return createClient(HealthDefinition, channel);
}

function kairosClient(port: number) {
  const connection = new Http2Connection(`127.0.0.1:${port}`, { maxMessageBytes: 1 << 20, connectTimeoutMs: 5_000 });
  cleanups.push(() => connection.close());
  return createUnaryClient(HealthDefinition, connection);
}

const rejection = (promise: Promise<unknown>) => promise.then(() => expect.fail('the call succeeded'), (err: unknown) => err as ClientError & ApiError);

describe.each([
  { http2: "Node's HTTP/2", ownHttp2: false },
  { http2: "Kairos's own HTTP/2", ownHttp2: true },
])('the internal gRPC server on $http2', ({ ownHttp2 }) => {
  beforeEach(() => {
    transport.ownHttp2 = ownHttp2;
  });

  it('answers grpc-js and Kairos clients alike, with their metadata', async () => {
    const seen: Array<string | undefined> = [];
    const { port } = await serve(async (request, context) => {
      seen.push(context.metadata.get('x-caller'));
      return { status: request.service === 'up' ? SERVING : NOT_SERVING };
    });
    const viaGrpcJs = grpcJsClient(port);
    expect((await viaGrpcJs.check({ service: 'up' }, { metadata: Metadata({ 'x-caller': 'grpc-js' }) })).status).toBe(SERVING);
    expect((await viaGrpcJs.check({ service: 'down' })).status).toBe(NOT_SERVING);
    const viaKairos = kairosClient(port);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => viaKairos.check({ service: i % 2 ? 'up' : 'down' })));
    expect(answers.filter((a) => a.status === SERVING)).toHaveLength(20);
    expect(seen.slice(0, 2)).toEqual(['grpc-js', undefined]);
  });

  it("sends an ApiError's status and details, which both clients read", async () => {
    const detail = { typeName: 'temporal.api.errordetails.v1.NotFoundFailure', value: Uint8Array.of(10, 1, 120) };
    const { port } = await serve(async () => {
      throw new ApiError(Status.NOT_FOUND, 'no such run — 100% gone', detail);
    });
    const fromGrpcJs = await rejection(grpcJsClient(port).check({}));
    expect(fromGrpcJs).toBeInstanceOf(ClientError);
    expect([fromGrpcJs.code, fromGrpcJs.details]).toEqual([Status.NOT_FOUND, 'no such run — 100% gone']);
    const fromKairos = await rejection(kairosClient(port).check({}));
    expect([fromKairos.code, fromKairos.message, fromKairos.detail?.typeName]).toEqual([Status.NOT_FOUND, 'no such run — 100% gone', detail.typeName]);
  });

  it('streams a server-streaming method (health Watch)', async () => {
    const { port } = await serve(async () => ({ status: SERVING }), {
      watch: async function* () {
        yield { status: NOT_SERVING };
        yield { status: SERVING };
      },
    });
    const statuses: HealthCheckResponse_ServingStatus[] = [];
    for await (const update of grpcJsClient(port).watch({})) statuses.push(update.status);
    expect(statuses).toEqual([NOT_SERVING, SERVING]);
  });

  it("a client's cancellation aborts the handler's signal", async () => {
    let aborted: () => void = () => undefined;
    const sawAbort = new Promise<void>((resolve) => (aborted = resolve));
    const { port } = await serve(
      (_request, { signal }) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted();
            reject(new Error('aborted'));
          }),
        ),
    );
    const abort = new AbortController();
    const call = rejection(grpcJsClient(port).check({}, { signal: abort.signal }));
    setTimeout(() => abort.abort(), 50);
    expect((await call).name).toBe('AbortError');
    await sawAbort;
  });

  it("a client's cancellation calls the listeners onCallCancelled registered, and not those it stopped", async () => {
    const heard: string[] = [];
    let cancelled: () => void = () => undefined;
    const sawCancel = new Promise<void>((resolve) => (cancelled = resolve));
    const { port } = await serve(
      (_request, context) =>
        new Promise((_resolve, reject) => {
          const stop = onCallCancelled(context, () => heard.push('stopped listener'));
          stop();
          onCallCancelled(context, () => {
            heard.push('listener');
            cancelled();
            reject(new Error('cancelled'));
          });
        }),
    );
    const abort = new AbortController();
    const call = rejection(grpcJsClient(port).check({}, { signal: abort.signal }));
    setTimeout(() => abort.abort(), 50);
    expect((await call).name).toBe('AbortError');
    await sawCancel;
    expect(heard).toEqual(['listener']);
    // A context of anything else (an in-process call) is heard through its signal.
    const signalled = new AbortController();
    const plain = { signal: signalled.signal } as CallContext;
    onCallCancelled(plain, () => heard.push('through the signal'));
    onCallCancelled(plain, () => heard.push('stopped through the signal'))();
    signalled.abort();
    expect(heard).toEqual(['listener', 'through the signal']);
  });

  it('a context derived with withContext reads the call as the original does, and what it sets is sent', async () => {
    const seen: unknown[] = [];
    const { port } = await serve(async (_request, context) => {
      const derived = withContext(context, { principal: 'someone' });
      seen.push(derived.principal, derived.metadata.get('x-caller'), 'principal' in context);
      derived.trailer.set('x-answered-by', 'derived');
      return { status: SERVING };
    });
    let trailer: Metadata | undefined;
    await grpcJsClient(port).check({}, { metadata: Metadata({ 'x-caller': 'test' }), onTrailer: (t) => (trailer = t) });
    expect(seen).toEqual(['someone', 'test', false]);
    expect(trailer?.get('x-answered-by')).toBe('derived');
  });

  it("passes the caller's grpc-timeout as the context's deadline", async () => {
    const deadlines: Array<number | undefined> = [];
    const { port } = await serve(async (_request, context) => {
      deadlines.push(callDeadline(context)?.getTime());
      return { status: SERVING };
    });
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    cleanups.push(() => client.close());
    const sentAt = Date.now();
    await new Promise((resolve, reject) =>
      client.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        () => Buffer.alloc(0),
        (b: Buffer) => b,
        {},
        new grpc.Metadata(),
        { deadline: sentAt + 30_000 },
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );
    await kairosClient(port).check({});
    expect(deadlines[0]).toBeGreaterThan(sentAt + 29_000);
    expect(deadlines[0]).toBeLessThan(Date.now() + 30_000 + 1_000);
    expect(deadlines[1]).toBeUndefined();
  });

  it('refuses unknown methods with UNIMPLEMENTED and requests over the limit with RESOURCE_EXHAUSTED', async () => {
    const { port } = await serve(async () => ({ status: SERVING }), { maxMessageBytes: 8 });
    const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    cleanups.push(() => client.close());
    const call = (path: string, body: Buffer) =>
      new Promise<grpc.ServiceError>((resolve) =>
        client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, (err) => resolve(err!)),
      );
    expect((await call('/grpc.health.v1.Health/Nope', Buffer.alloc(0))).code).toBe(Status.UNIMPLEMENTED);
    expect((await call('/grpc.health.v1.Health/Check', Buffer.alloc(64, 1))).code).toBe(Status.RESOURCE_EXHAUSTED);
    expect((await grpcJsClient(port).check({ service: 'short' })).status).toBe(SERVING);
  });

  it('a graceful shutdown lets the call in flight finish, and then takes no more', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { server, port } = await serve(async () => {
      await released;
      return { status: SERVING };
    });
    const client = kairosClient(port);
    const inFlight = client.check({});
    await new Promise((r) => setTimeout(r, 100));
    let stopped = false;
    const shutdown = server.shutdown().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    release();
    expect((await inFlight).status).toBe(SERVING);
    await shutdown;
    expect((await rejection(client.check({}))).code).toBe(Status.UNAVAILABLE);
  });

  it('inflates gzip-compressed requests (the SDKs compress every one) and refuses one that inflates past the limit', async () => {
    const services: string[] = [];
    const { port } = await serve(
      async (request) => {
        services.push(request.service);
        return { status: SERVING };
      },
      { maxMessageBytes: 1_000 },
    );
    const channel = createChannel(`127.0.0.1:${port}`, undefined, { 'grpc.default_compression_algorithm': 2 /* gzip */ });
    cleanups.push(() => channel.close());
    const compressing = createClient(HealthDefinition, channel);
    expect((await compressing.check({ service: 'x'.repeat(500) })).status).toBe(SERVING);
    expect(services).toEqual(['x'.repeat(500)]);
    // 5,000 bytes that gzip to a few dozen: refused from what they inflate to.
    expect((await rejection(compressing.check({ service: 'y'.repeat(5_000) }))).code).toBe(Status.RESOURCE_EXHAUSTED);
    expect(services).toHaveLength(1);
  });

  it('serves a bidirectional stream (server reflection): an answer per request, ended when the client ends', async () => {
    const server = new GrpcServer({ ...transport, maxReceiveMessageBytes: 1 << 20, maxSendMessageBytes: 1 << 20 });
    server.add(ServerReflectionDefinition, {
      async *serverReflectionInfo(requests: AsyncIterable<ServerReflectionRequest>) {
        for await (const request of requests) yield { validHost: request.host, listServicesResponse: { service: [{ name: request.listServices ?? '' }] } };
      },
    });
    const port = await server.listen('127.0.0.1:0');
    cleanups.push(() => server.forceShutdown());
    const channel = createChannel(`127.0.0.1:${port}`);
    cleanups.push(() => channel.close());
    async function* asks() {
      yield { host: 'a', listServices: 'first' };
      await new Promise((r) => setTimeout(r, 20));
      yield { host: 'b', listServices: 'second' };
    }
    const answers: string[] = [];
    for await (const answer of createClient(ServerReflectionDefinition, channel).serverReflectionInfo(asks())) {
      answers.push(`${answer.validHost}:${answer.listServicesResponse?.service[0]?.name}`);
    }
    expect(answers).toEqual(['a:first', 'b:second']);
  });

  it("hands the connection to connectionMetadata, which adds to each call's metadata", async () => {
    const seen: Array<string | undefined> = [];
    const server = new GrpcServer({ ...transport,
      maxReceiveMessageBytes: 1 << 20,
      maxSendMessageBytes: 1 << 20,
      connectionMetadata: (socket, metadata) => metadata.set('x-peer-port', String(socket.remotePort)),
    });
    server.add(HealthDefinition, {
      check: async (_request: HealthCheckRequest, context: CallContext) => {
        seen.push(context.metadata.get('x-peer-port'));
        return { status: SERVING };
      },
      watch: async function* () {},
    });
    const port = await server.listen('127.0.0.1:0');
    cleanups.push(() => server.forceShutdown());
    await grpcJsClient(port).check({});
    expect(Number(seen[0])).toBeGreaterThan(0);
  });
});
