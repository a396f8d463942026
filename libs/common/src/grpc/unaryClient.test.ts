import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'nice-grpc';
import { Metadata, Status, type ClientMiddleware } from 'nice-grpc-common';
import { ApiError } from '../errors';
import { createServerErrorMiddleware } from '../grpcErrors';
import { noopLogger } from '../logger';
import { HealthCheckResponse_ServingStatus, HealthDefinition, type HealthCheckRequest } from '@kairos/proto/grpc/health/v1/health';
import { Http2Connection } from './http2Connection';
import { CallCancellation } from './callCancellation';
import { createUnaryClient, type InternalCallOptions } from './unaryClient';
import { toServerMiddleware } from './middleware';

type Check = (request: HealthCheckRequest, context: { metadata: Metadata; signal: AbortSignal }) => Promise<{ status: HealthCheckResponse_ServingStatus }>;

const servers: Server[] = [];
const connections: Http2Connection[] = [];

/** A grpc-js server (through nice-grpc, as Kairos's history and matching serve) answering Health.Check with `check`. */
async function serve(check: Check, port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer().use(toServerMiddleware(createServerErrorMiddleware(noopLogger)));
  server.add(HealthDefinition, { check, watch: async function* () {} });
  servers.push(server);
  return { server, port: await server.listen(`127.0.0.1:${port}`) };
}

/** A server whose calls wait until the client cancels them; `sawAbort` resolves when one saw it. */
async function serveUntilCancelled(): Promise<{ port: number; sawAbort: Promise<void> }> {
  let serverAborted: () => void = () => undefined;
  const sawAbort = new Promise<void>((resolve) => (serverAborted = resolve));
  const { port } = await serve(
    (_request, { signal }) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          serverAborted();
          reject(new Error('aborted'));
        });
      }),
  );
  return { port, sawAbort };
}

function client(port: number, options: { maxMessageBytes?: number; middleware?: ClientMiddleware } = {}) {
  const connection = new Http2Connection(`127.0.0.1:${port}`, { maxMessageBytes: options.maxMessageBytes ?? 1 << 20, connectTimeoutMs: 5_000 });
  connections.push(connection);
  return createUnaryClient(HealthDefinition, connection, options.middleware);
}

const failure = (promise: Promise<unknown>) => promise.then(() => expect.fail('the call succeeded'), (err: unknown) => err as ApiError);

afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.forceShutdown()));
});

describe("Kairos's HTTP/2 unary client against grpc-js servers", () => {
  it('sends the request and its metadata, and decodes the answer', async () => {
    const seen: Array<[string, string | undefined, string | undefined]> = [];
    const { port } = await serve(async (request, { metadata }) => {
      const bin = metadata.get('x-trace-bin');
      seen.push([request.service, metadata.get('x-trace'), bin ? Buffer.from(bin).toString('hex') : undefined]);
      return { status: request.service === 'up' ? HealthCheckResponse_ServingStatus.SERVING : HealthCheckResponse_ServingStatus.NOT_SERVING };
    });
    // A middleware (as tracing's) adds metadata to each call.
    const tracing: ClientMiddleware = async function* (call, options) {
      const metadata = Metadata(options.metadata).set('x-trace', 'span-1').set('x-trace-bin', Uint8Array.of(1, 2, 255));
      return yield* call.next(call.request, { ...options, metadata });
    };
    const health = client(port, { middleware: tracing });
    expect((await health.check({ service: 'up' })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await health.check({ service: 'down' })).status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
    // Many calls at once share the connection.
    const many = await Promise.all(Array.from({ length: 50 }, () => health.check({ service: 'up' })));
    expect(many.every((r) => r.status === HealthCheckResponse_ServingStatus.SERVING)).toBe(true);
    expect(seen[0]).toEqual(['up', 'span-1', '0102ff']);
    expect(seen).toHaveLength(52);
  });

  it("turns a failed call back into the server's ApiError: code, message and detail", async () => {
    const detail = { typeName: 'temporal.api.errordetails.v1.NotFoundFailure', value: Uint8Array.of(10, 3, 97, 98, 99) };
    const { port } = await serve(async (request) => {
      if (request.service === 'details') throw new ApiError(Status.NOT_FOUND, 'workflow not found: ünïcode, 100%', detail);
      throw new Error('boom');
    });
    const health = client(port);
    const withDetail = await failure(health.check({ service: 'details' }));
    expect(withDetail).toBeInstanceOf(ApiError);
    expect([withDetail.code, withDetail.message]).toEqual([Status.NOT_FOUND, 'workflow not found: ünïcode, 100%']);
    expect(withDetail.detail?.typeName).toBe(detail.typeName);
    expect(Buffer.from(withDetail.detail!.value)).toEqual(Buffer.from(detail.value));
    const internal = await failure(health.check({ service: 'crash' }));
    expect([internal.code, internal.message, internal.detail]).toEqual([Status.INTERNAL, 'boom', undefined]);
  });

  it("an abort rejects with AbortError and cancels the server's call", async () => {
    const { port, sawAbort } = await serveUntilCancelled();
    const abort = new AbortController();
    const call = failure(client(port).check({ service: 'wait' }, { signal: abort.signal }));
    setTimeout(() => abort.abort(), 50);
    expect((await call).name).toBe('AbortError');
    await sawAbort;
    // Aborted before it starts: never sent.
    expect((await failure(client(port).check({}, { signal: AbortSignal.abort() }))).name).toBe('AbortError');
  });

  it("a CallCancellation ends the call as an abort does: AbortError here, the server's call cancelled", async () => {
    const { port, sawAbort } = await serveUntilCancelled();
    const cancellation = new CallCancellation();
    const options: InternalCallOptions = { cancellation };
    const call = failure(client(port).check({ service: 'wait' }, options));
    setTimeout(() => cancellation.cancel(), 50);
    expect((await call).name).toBe('AbortError');
    await sawAbort;
    // Cancelled before it starts: never sent; a call given a cancellation that is never used answers as usual.
    expect((await failure(client(port).check({}, { cancellation } as InternalCallOptions))).name).toBe('AbortError');
    const { port: upPort } = await serve(async () => ({ status: HealthCheckResponse_ServingStatus.SERVING }));
    const unused = new CallCancellation();
    expect((await client(upPort).check({}, { cancellation: unused } as InternalCallOptions)).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    unused.cancel(); // after the answer: nothing is listening any more
  });

  it('refuses an answer larger than the limit with RESOURCE_EXHAUSTED', async () => {
    const { port } = await serve(async () => ({ status: HealthCheckResponse_ServingStatus.SERVING }));
    const err = await failure(client(port, { maxMessageBytes: 1 }).check({}));
    expect(err.code).toBe(Status.RESOURCE_EXHAUSTED);
    // Within the limit on another connection: answered.
    expect((await client(port, { maxMessageBytes: 2 }).check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it('fails with UNAVAILABLE when nothing listens, or the server goes away mid-call, and reconnects after', async () => {
    const { server, port } = await serve(() => new Promise(() => undefined)); // never answers
    await server.forceShutdown();
    const health = client(port);
    expect((await failure(health.check({}))).code).toBe(Status.UNAVAILABLE);

    // Back on the same port, a call stuck when it dies fails with UNAVAILABLE (the routed client sends it elsewhere).
    const stuck = await serve(() => new Promise(() => undefined), port);
    const pending = failure(health.check({}));
    await new Promise((r) => setTimeout(r, 100));
    await stuck.server.forceShutdown();
    expect((await pending).code).toBe(Status.UNAVAILABLE);

    // A server there again: the same client reconnects.
    await serve(async () => ({ status: HealthCheckResponse_ServingStatus.SERVING }), port);
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });

  it('a call in flight during a graceful shutdown (GOAWAY) is answered, and the next one uses a new connection', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const first = await serve(async (request) => {
      if (request.service === 'slow') await released;
      return { status: HealthCheckResponse_ServingStatus.SERVING };
    });
    const health = client(first.port);
    const slow = health.check({ service: 'slow' });
    await new Promise((r) => setTimeout(r, 100));
    const shutdown = first.server.shutdown(); // GOAWAY, then waits for the call
    await new Promise((r) => setTimeout(r, 100));
    release();
    expect((await slow).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    await shutdown;
    await serve(async () => ({ status: HealthCheckResponse_ServingStatus.NOT_SERVING }), first.port);
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
  });
});
