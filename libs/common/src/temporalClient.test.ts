import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'nice-grpc';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import {
  WorkflowServiceDefinition,
  type WorkflowServiceImplementation,
} from '@kairos/proto/temporal/api/workflowservice/v1/service';
import { namespaceNotFound, notFound, unimplemented, workflowExecutionAlreadyStarted } from './errors';
import { createServerErrorMiddleware } from './grpcErrors';
import { toServerMiddleware } from './grpc/middleware';
import { noopLogger } from './logger';

// The official TypeScript client against a server whose handlers only throw our ApiErrors: the
// client must raise the same typed errors it raises against Temporal's server.

const handlers: Partial<WorkflowServiceImplementation> = {
  async startWorkflowExecution(request) {
    throw workflowExecutionAlreadyStarted(
      `Workflow execution is already running. WorkflowId: ${request.workflowId}, RunId: run-1.`,
      request.requestId,
      'run-1',
    );
  },
  async describeWorkflowExecution(request) {
    if (request.namespace !== 'default') throw namespaceNotFound(request.namespace);
    throw notFound(`workflow execution not found for workflow ID "${request.execution?.workflowId}" and run ID ""`);
  },
};

// Every other method answers UNIMPLEMENTED (the client tolerates that for GetSystemInfo).
const implementation = new Proxy(handlers, {
  get: (target, prop) =>
    (target as Record<string | symbol, unknown>)[prop] ??
    (async () => {
      throw unimplemented(`method ${String(prop)} not implemented`);
    }),
}) as WorkflowServiceImplementation;

let server: Server;
let connection: Connection;

beforeAll(async () => {
  server = createServer().use(toServerMiddleware(createServerErrorMiddleware(noopLogger)));
  server.add(WorkflowServiceDefinition, implementation);
  const port = await server.listen('127.0.0.1:0');
  connection = await Connection.connect({ address: `127.0.0.1:${port}` });
});

afterAll(async () => {
  await connection?.close();
  await server?.forceShutdown();
});

describe('@temporalio/client against ApiErrors', () => {
  it('raises WorkflowExecutionAlreadyStartedError for workflowExecutionAlreadyStarted', async () => {
    const client = new Client({ connection, namespace: 'default' });
    const err = await client.workflow.start('someWorkflow', { taskQueue: 'q', workflowId: 'wf-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    expect((err as WorkflowExecutionAlreadyStartedError).workflowId).toBe('wf-1');
  });

  it('raises NamespaceNotFoundError from the NamespaceNotFoundFailure detail', async () => {
    const client = new Client({ connection, namespace: 'missing' });
    const err = await client.workflow.getHandle('wf-1').describe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NamespaceNotFoundError);
    expect((err as NamespaceNotFoundError).namespace).toBe('missing');
  });

  it('raises WorkflowNotFoundError for notFound', async () => {
    const client = new Client({ connection, namespace: 'default' });
    const err = await client.workflow.getHandle('wf-2').describe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowNotFoundError);
    expect((err as WorkflowNotFoundError).workflowId).toBe('wf-2');
  });
});
