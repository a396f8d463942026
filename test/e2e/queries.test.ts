import { Client, QueryRejectCondition, QueryRejectedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { withWorker } from '../src/harness/sdk';

const workflowsPath = require.resolve('../workflows/queries.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function scenario(name: string, body: (client: import('@temporalio/client').Client, ids: { taskQueue: string; workflowId: string }) => Promise<unknown>): Scenario {
  return async (address, { suffix }) => {
    const taskQueue = `tq-${name}-${suffix}`;
    const workflowId = `wf-${name}-${suffix}`;
    const outcome = await withWorker({ address, taskQueue, workflowsPath, activities: {} }, (client) => body(client, { taskQueue, workflowId }));
    return { outcome, workflowIds: [workflowId] };
  };
}

describe('queries (TypeScript SDK), compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('answers queries of a running and of a completed workflow; queries write no events', async () => {
    const run = await servers.compare(
      scenario('query', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        const before = await handle.query<number>('count');
        await handle.signal('increment', 2);
        await handle.signal('increment', 3);
        await sleep(500);
        const during = await handle.query<number>('count');
        await handle.signal('finish');
        const result = await handle.result();
        const after = await handle.query<number>('count');
        return { before, during, result, after };
      }),
    );
    expect(run.outcome).toEqual({ before: 0, during: 5, result: 5, after: 5 });
  });

  it('reports a failing query handler and an unknown query type as query failures', async () => {
    const run = await servers.compare(
      scenario('query-fail', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        const failure = async (queryType: string) =>
          handle.query(queryType).then(
            () => 'answered',
            (err: unknown) => ({ name: (err as Error).name, message: (err as Error).message }),
          );
        const outcome = { failing: await failure('failing'), unknown: await failure('no-such-query') };
        await handle.signal('finish');
        await handle.result();
        return outcome;
      }),
    );
    expect(run.outcome).toMatchObject({ failing: { name: 'QueryNotRegisteredError', message: 'this query always fails' }, unknown: {} });
  });

  it('rejects a query of a closed workflow when the reject condition says so', async () => {
    const run = await servers.compare(
      scenario('query-reject', async (client, { taskQueue, workflowId }) => {
        const handle = await client.workflow.start('counter', { taskQueue, workflowId });
        await sleep(500);
        await handle.signal('finish');
        await handle.result();
        const strict = new Client({
          connection: client.connection,
          workflow: { queryRejectCondition: QueryRejectCondition.NOT_OPEN },
        });
        const rejected = await strict.workflow
          .getHandle(workflowId)
          .query<number>('count')
          .then(
            (answer) => ({ answered: answer }),
            (err: unknown) => (err instanceof QueryRejectedError ? { rejected: err.status } : { error: String(err) }),
          );
        const lenient = await handle.query<number>('count');
        return { rejected, lenient };
      }),
    );
    expect(run.outcome).toEqual({ rejected: { rejected: temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED }, lenient: 0 });
  });
});
