import { Connection, defaultPayloadConverter } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/** The custom search attribute the state-scale queries filter on. */
export const BENCH_KEY = 'BenchKey';
/** Workflow id of seed `i`; the amplified copies append `-a<copy>`. */
export const SEED_PREFIX = 'bench-seed-';
/** Rows per BenchKey value: row n (seeds first, then copy after copy) has `k-<floor(n / 5)>`. */
export const ROWS_PER_KEY = 5;

export const benchKeyOf = (row: number) => `k-${Math.floor(row / ROWS_PER_KEY)}`;

/** The workflow id of row n when `seeds` seeds were amplified copy by copy. */
export function workflowIdOf(row: number, seeds: number): string {
  const copy = Math.floor(row / seeds);
  const seed = row % seeds;
  return copy === 0 ? `${SEED_PREFIX}${seed}` : `${SEED_PREFIX}${seed}-a${copy}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Registers BenchKey (Keyword) through OperatorService, as a user would; an existing one is kept. */
async function registerBenchKey(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { [BENCH_KEY]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    });
  } catch (err) {
    if ((err as { code?: number }).code !== 6) throw err; // ALREADY_EXISTS
  }
}

export interface SeedReport {
  seeds: number;
  terminated: number;
  timedOut: number;
  seconds: number;
}

/**
 * Real closed workflows through the public API, no worker needed: even seeds are started and
 * terminated, odd ones start with a 1 s run timeout and time out. Every seed carries BenchKey.
 * Returns once the server's Count shows them all closed.
 */
export async function seedClosedWorkflows(address: string, namespace: string, seeds: number, concurrency = 20): Promise<SeedReport> {
  const connection = await Connection.connect({ address });
  const service = connection.workflowService;
  const started = performance.now();
  try {
    await registerBenchKey(connection, namespace);
    const start = (i: number) =>
      service.startWorkflowExecution({
        namespace,
        workflowId: `${SEED_PREFIX}${i}`,
        workflowType: { name: 'BenchSeed' },
        taskQueue: { name: 'bench-seed' },
        requestId: `bench-seed-${i}-${Date.now()}`,
        ...(i % 2 === 1 && { workflowRunTimeout: { seconds: 1 as never } }),
        searchAttributes: { indexedFields: { [BENCH_KEY]: defaultPayloadConverter.toPayload(benchKeyOf(i)) } },
      });
    // A server may take a while to accept a search attribute just added (Temporal's namespace cache).
    for (let tries = 0; ; tries++) {
      try {
        await start(0);
        break;
      } catch (err) {
        if (tries > 120) throw err;
        await sleep(500);
      }
    }
    await service.terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: `${SEED_PREFIX}0` }, reason: 'bench seed' });
    let next = 1;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < seeds) {
          const i = next++;
          await start(i);
          if (i % 2 === 0) await service.terminateWorkflowExecution({ namespace, workflowExecution: { workflowId: `${SEED_PREFIX}${i}` }, reason: 'bench seed' });
        }
      }),
    );
    // Wait for the timeouts to fire and for visibility to show every seed closed.
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const running = Number((await service.countWorkflowExecutions({ namespace, query: `ExecutionStatus = 'Running'` })).count);
      const total = Number((await service.countWorkflowExecutions({ namespace })).count);
      if (running === 0 && total === seeds) break;
      if (Date.now() > deadline) throw new Error(`seeding: ${running} still running, ${total} of ${seeds} visible after 10 minutes`);
      await sleep(1_000);
    }
    return { seeds, terminated: Math.ceil(seeds / 2), timedOut: Math.floor(seeds / 2), seconds: Math.round((performance.now() - started) / 100) / 10 };
  } finally {
    await connection.close();
  }
}
