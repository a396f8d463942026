import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel, createClient, createClientFactory, createServer, type Channel, type Server } from 'nice-grpc';
import { ClientError, Metadata, ServerError, Status } from 'nice-grpc-common';
import { Status as RpcStatus } from '@kairos/proto/google/rpc/status';
import {
  HealthCheckResponse_ServingStatus,
  HealthDefinition,
  type HealthServiceImplementation,
} from '@kairos/proto/grpc/health/v1/health';
import {
  ResourceExhaustedCause,
  ResourceExhaustedScope,
} from '@kairos/proto/temporal/api/enums/v1/failed_cause';
import {
  NamespaceNotFoundFailure,
  NotFoundFailure,
  ResourceExhaustedFailure,
  WorkflowExecutionAlreadyStartedFailure,
} from '@kairos/proto/temporal/api/errordetails/v1/message';
import {
  ApiError,
  decodeErrorDetail,
  ErrorDetailType,
  failedPrecondition,
  invalidArgument,
  namespaceAlreadyExists,
  namespaceNotFound,
  notFound,
  resourceExhausted,
  unavailable,
  workflowExecutionAlreadyStarted,
} from './errors';
import { createClientErrorMiddleware, createServerErrorMiddleware, STATUS_DETAILS_TRAILER, truncatedErrorMessage } from './grpcErrors';
import { toServerMiddleware } from './grpc/middleware';
import { captureLogger } from '../test/captureLogger';

/** What the handler throws next, keyed by the `service` field of the health request. */
const errors: Record<string, () => unknown> = {
  alreadyStarted: () => workflowExecutionAlreadyStarted('Workflow execution is already running. WorkflowId: wf-1, RunId: run-1.', 'req-1', 'run-1'),
  namespace: () => namespaceNotFound('nope'),
  notFound: () => notFound('workflow execution not found'),
  namespaceExists: () => namespaceAlreadyExists(),
  exhausted: () =>
    resourceExhausted(
      ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW,
      ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
      'Workflow is busy.',
    ),
  invalid: () => invalidArgument('WorkflowId is not set on request.'),
  precondition: () => failedPrecondition('not now'),
  unavailable: () => unavailable('shard moving'),
  unicode: () => invalidArgument('bad % value: ünïcødé ✓ "quoted"\nsecond line'),
  long: () => invalidArgument(`WorkflowId=${'x'.repeat(10_000)}`),
  serverError: () => new ServerError(Status.PERMISSION_DENIED, 'go away'),
  bug: () => new TypeError('cannot read properties of undefined'),
  // Errors whose text names a URL with credentials: a store's or NATS client's message.
  credentialedApiError: () => unavailable('persistence unavailable: cannot connect to postgres://kairos:pg-s3cret@db:5432/kairos'),
  credentialedServerError: () => new ServerError(Status.UNAVAILABLE, 'NATS nats://app:nats-s3cret@nats:4222 is away'),
  credentialedBug: () => new Error('connect failed: postgres://kairos:pg-s3cret@db:5432/kairos'),
};

const health: HealthServiceImplementation = {
  async check(request) {
    const make = errors[request.service];
    if (make) throw make();
    return { status: HealthCheckResponse_ServingStatus.SERVING };
  },
  async *watch(request) {
    yield { status: HealthCheckResponse_ServingStatus.SERVING };
    const make = errors[request.service];
    if (make) throw make();
  },
};

let server: Server;
let channel: Channel;
const captured = captureLogger();

beforeAll(async () => {
  server = createServer().use(toServerMiddleware(createServerErrorMiddleware(captured.logger)));
  server.add(HealthDefinition, health);
  const port = await server.listen('127.0.0.1:0');
  channel = createChannel(`127.0.0.1:${port}`);
});

afterAll(async () => {
  channel?.close();
  await server?.forceShutdown();
});

/** Calls with a plain nice-grpc client; returns the ClientError and the trailer it came with. */
async function callPlain(service: string): Promise<{ error: ClientError; trailer: Metadata | undefined }> {
  const client = createClient(HealthDefinition, channel);
  let trailer: Metadata | undefined;
  try {
    await client.check({ service }, { onTrailer: (t) => (trailer = t) });
  } catch (error) {
    expect(error).toBeInstanceOf(ClientError);
    return { error: error as ClientError, trailer };
  }
  throw new Error('call succeeded');
}

function trailerStatus(trailer: Metadata | undefined): RpcStatus {
  const raw = trailer?.get(STATUS_DETAILS_TRAILER);
  expect(raw).toBeInstanceOf(Uint8Array);
  return RpcStatus.decode(raw as Uint8Array);
}

describe('server error middleware, seen by a plain nice-grpc client', () => {
  it('sends WorkflowExecutionAlreadyStarted as ALREADY_EXISTS with its detail in grpc-status-details-bin', async () => {
    const { error, trailer } = await callPlain('alreadyStarted');
    expect(error.code).toBe(Status.ALREADY_EXISTS);
    expect(error.details).toBe('Workflow execution is already running. WorkflowId: wf-1, RunId: run-1.');
    const status = trailerStatus(trailer);
    expect(status.code).toBe(Status.ALREADY_EXISTS);
    expect(status.message).toBe(error.details);
    expect(status.details).toHaveLength(1);
    expect(status.details[0]!.typeUrl).toBe('type.googleapis.com/temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure');
    expect(WorkflowExecutionAlreadyStartedFailure.decode(status.details[0]!.value)).toEqual({
      startRequestId: 'req-1',
      runId: 'run-1',
      firstExecutionRunId: '',
    });
  });

  it('sends NamespaceNotFound with Temporal message text and detail', async () => {
    const { error, trailer } = await callPlain('namespace');
    expect(error.code).toBe(Status.NOT_FOUND);
    expect(error.details).toBe('Namespace nope is not found.');
    const status = trailerStatus(trailer);
    expect(status.details[0]!.typeUrl).toBe('type.googleapis.com/temporal.api.errordetails.v1.NamespaceNotFoundFailure');
    expect(NamespaceNotFoundFailure.decode(status.details[0]!.value)).toEqual({ namespace: 'nope' });
  });

  it('sends NotFoundFailure and ResourceExhaustedFailure details', async () => {
    const nf = trailerStatus((await callPlain('notFound')).trailer);
    expect(nf.details[0]!.typeUrl).toBe('type.googleapis.com/temporal.api.errordetails.v1.NotFoundFailure');
    expect(NotFoundFailure.decode(nf.details[0]!.value)).toEqual({ currentCluster: '', activeCluster: '' });

    const { error, trailer } = await callPlain('exhausted');
    expect(error.code).toBe(Status.RESOURCE_EXHAUSTED);
    const re = trailerStatus(trailer);
    expect(ResourceExhaustedFailure.decode(re.details[0]!.value)).toEqual({
      cause: ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW,
      scope: ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE,
    });
  });

  it('sends an empty-valued detail for NamespaceAlreadyExists (the type is the information)', async () => {
    const { error, trailer } = await callPlain('namespaceExists');
    expect(error.code).toBe(Status.ALREADY_EXISTS);
    const status = trailerStatus(trailer);
    expect(status.details[0]!.typeUrl).toBe('type.googleapis.com/temporal.api.errordetails.v1.NamespaceAlreadyExistsFailure');
    expect(status.details[0]!.value).toHaveLength(0);
  });

  it('sends a status without details for detail-less ApiErrors, keeping code and message', async () => {
    for (const [name, code] of [
      ['invalid', Status.INVALID_ARGUMENT],
      ['precondition', Status.FAILED_PRECONDITION],
      ['unavailable', Status.UNAVAILABLE],
    ] as const) {
      const { error, trailer } = await callPlain(name);
      expect(error.code).toBe(code);
      const status = trailerStatus(trailer);
      expect(status.code).toBe(code);
      expect(status.details).toEqual([]);
    }
  });

  it('keeps non-ASCII and special characters of the message intact', async () => {
    const { error, trailer } = await callPlain('unicode');
    expect(error.details).toBe('bad % value: ünïcødé ✓ "quoted"\nsecond line');
    expect(trailerStatus(trailer).message).toBe(error.details);
  });

  it('cuts a message past 4,000 bytes as Temporal does, in the status and its detail trailer', async () => {
    const { error, trailer } = await callPlain('long');
    expect(error.details).toBe(`WorkflowId=${'x'.repeat(4_000 - 'WorkflowId='.length - 15)}... <truncated>`);
    expect(Buffer.byteLength(error.details)).toBe(4_000);
    expect(trailerStatus(trailer).message).toBe(error.details);
  });

  it('cuts on a character boundary', () => {
    expect(truncatedErrorMessage('é'.repeat(10), 19)).toBe('éé... <truncated>');
    expect(truncatedErrorMessage('é'.repeat(10), 18)).toBe('é... <truncated>');
    expect(truncatedErrorMessage('short', 19)).toBe('short');
  });

  it('lets a ServerError through unchanged', async () => {
    const { error, trailer } = await callPlain('serverError');
    expect(error.code).toBe(Status.PERMISSION_DENIED);
    expect(error.details).toBe('go away');
    expect(trailer?.get(STATUS_DETAILS_TRAILER)).toBeUndefined();
  });

  it('masks URL credentials in every message a caller gets, the detail trailer’s too', async () => {
    const apiError = await callPlain('credentialedApiError');
    expect(apiError.error.code).toBe(Status.UNAVAILABLE);
    expect(apiError.error.details).toBe('persistence unavailable: cannot connect to postgres://kairos:***@db:5432/kairos');
    expect(trailerStatus(apiError.trailer).message).toBe(apiError.error.details);
    const serverError = await callPlain('credentialedServerError');
    expect(serverError.error).toMatchObject({ code: Status.UNAVAILABLE, details: 'NATS nats://app:***@nats:4222 is away' });
    const bug = await callPlain('credentialedBug');
    expect(bug.error).toMatchObject({ code: Status.INTERNAL, details: 'connect failed: postgres://kairos:***@db:5432/kairos' });
    // The server's own log masks it too (the logger's rule).
    expect(JSON.stringify(captured.lines)).not.toMatch(/s3cret/);
  });

  it('turns an unexpected error into INTERNAL and logs its stack', async () => {
    const before = captured.lines.length;
    const { error } = await callPlain('bug');
    expect(error.code).toBe(Status.INTERNAL);
    expect(error.details).toBe('cannot read properties of undefined');
    const logged = captured.lines.slice(before).find((l) => l.level === 'error');
    expect(logged).toMatchObject({ msg: 'unexpected error', method: '/grpc.health.v1.Health/Check' });
    expect(String(logged!.error)).toContain('TypeError: cannot read properties of undefined');
    expect(String(logged!.error)).toContain('grpcErrors.test.ts');
  });

  it('sends the detail trailer on a server-streaming call that fails after a message', async () => {
    const client = createClient(HealthDefinition, channel);
    let trailer: Metadata | undefined;
    const received: unknown[] = [];
    const error = await (async () => {
      try {
        for await (const msg of client.watch({ service: 'namespace' }, { onTrailer: (t) => (trailer = t) })) received.push(msg);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(received).toHaveLength(1);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe(Status.NOT_FOUND);
    expect(NamespaceNotFoundFailure.decode(trailerStatus(trailer).details[0]!.value)).toEqual({ namespace: 'nope' });
  });
});

describe('client error middleware', () => {
  const client = () => createClientFactory().use(createClientErrorMiddleware()).create(HealthDefinition, channel);

  async function callThrough(service: string): Promise<unknown> {
    try {
      await client().check({ service });
    } catch (err) {
      return err;
    }
    throw new Error('call succeeded');
  }

  it.each(['alreadyStarted', 'namespace', 'notFound', 'namespaceExists', 'exhausted', 'invalid', 'unicode'])(
    'turns %s back into an equal ApiError',
    async (name) => {
      const thrown = errors[name]!() as ApiError;
      const received = await callThrough(name);
      expect(received).toBeInstanceOf(ApiError);
      const err = received as ApiError;
      expect(err.code).toBe(thrown.code);
      expect(err.message).toBe(thrown.message);
      expect(err.detail?.typeName).toBe(thrown.detail?.typeName);
      expect(err.detail && Buffer.from(err.detail.value)).toEqual(thrown.detail && Buffer.from(thrown.detail.value));
    },
  );

  it('makes the detail decodable by type', async () => {
    const err = await callThrough('alreadyStarted');
    expect(decodeErrorDetail(err, ErrorDetailType.WorkflowExecutionAlreadyStarted, WorkflowExecutionAlreadyStartedFailure)).toEqual({
      startRequestId: 'req-1',
      runId: 'run-1',
      firstExecutionRunId: '',
    });
    expect(decodeErrorDetail(err, ErrorDetailType.NotFound, NotFoundFailure)).toBeUndefined();
  });

  it('keeps the code of a status without details', async () => {
    const err = (await callThrough('serverError')) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(Status.PERMISSION_DENIED);
    expect(err.message).toBe('go away');
    expect(err.detail).toBeUndefined();
  });

  it('passes the trailer on to a caller that asked for it, and leaves aborts alone', async () => {
    let trailer: Metadata | undefined;
    await expect(client().check({ service: 'namespace' }, { onTrailer: (t) => (trailer = t) })).rejects.toBeInstanceOf(ApiError);
    expect(trailer?.get(STATUS_DETAILS_TRAILER)).toBeInstanceOf(Uint8Array);

    const aborted = new AbortController();
    aborted.abort();
    await expect(client().check({ service: '' }, { signal: aborted.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('turns a transport failure into an ApiError with its code', async () => {
    const dead = createChannel('127.0.0.1:1');
    try {
      const c = createClientFactory().use(createClientErrorMiddleware()).create(HealthDefinition, dead);
      const err = await c.check({ service: '' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(Status.UNAVAILABLE);
    } finally {
      dead.close();
    }
  });
});
