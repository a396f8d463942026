import { Connection } from '@temporalio/client';
import { BENCH_KEY, benchKeyOf, ROWS_PER_KEY, workflowIdOf } from './seed';

export interface Latency {
  p50: number;
  p99: number;
  max: number;
  /** The first call, before any warm-up (cold caches and statements). */
  first: number;
  /** Repetitions timed (fewer than asked when the time budget ran out). */
  samples: number;
}

export interface QueryReport {
  name: string;
  query: string;
  pageSize?: number;
  repetitions: number;
  ms: Latency;
  /** Whether every answer was right (the rows or counts the amplification implies). */
  correct: boolean;
  problems: string[];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * A query's repetitions stop after this long (at least 3 kept): the dev server's Count over a
 * million rows takes seconds, and 50 of them would take most of an hour.
 */
const BUDGET_MS = 120_000;

/** Times `call(i)` up to `repetitions` times (see BUDGET_MS) after one warm-up call, whose time is kept as `first`. */
async function timed(repetitions: number, call: (i: number) => Promise<string | undefined>, problems: string[]): Promise<Latency> {
  const time = async (i: number) => {
    const t0 = performance.now();
    const problem = await call(i);
    const ms = performance.now() - t0;
    if (problem && problems.length < 5) problems.push(problem);
    return ms;
  };
  const first = await time(0);
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 1; i <= repetitions; i++) {
    samples.push(await time(i));
    if (samples.length >= 3 && performance.now() - started > BUDGET_MS) break;
  }
  samples.sort((a, b) => a - b);
  return { p50: round1(percentile(samples, 50)), p99: round1(percentile(samples, 99)), max: round1(samples[samples.length - 1]!), first: round1(first), samples: samples.length };
}

/**
 * The state-scale queries against a server holding `rows` closed workflows (seeds and copies;
 * even rows terminated, odd ones timed out), each checked against what the rows must give:
 *  - List `BenchKey = 'k-N'` (page size 100): exactly the 5 rows with that key, N spread over the table;
 *  - List `ExecutionStatus = 'TimedOut' AND CloseTime > <before the seeding>` (page size 100): a full page of timed-out runs;
 *  - Count `GROUP BY ExecutionStatus`: Terminated and TimedOut, summing to the total;
 *  - Count (no filter): the total.
 */
export async function measureQueries(address: string, namespace: string, rows: number, seeds: number, seededAfter: Date, repetitions: number): Promise<QueryReport[]> {
  const connection = await Connection.connect({ address });
  const service = connection.workflowService;
  const reports: QueryReport[] = [];
  const keys = rows / ROWS_PER_KEY;
  try {
    {
      const problems: string[] = [];
      // Keys spread evenly over the whole table: the seeds' and the last copies' alike.
      const keyOf = (i: number) => Math.floor(((i * 7919) % (repetitions + 1)) * (keys / (repetitions + 1)));
      const ms = await timed(
        repetitions,
        async (i) => {
          const key = keyOf(i);
          const response = await service.listWorkflowExecutions({ namespace, pageSize: 100, query: `${BENCH_KEY} = '${benchKeyOf(key * ROWS_PER_KEY)}'` });
          const got = response.executions.map((e) => e.execution!.workflowId!).sort();
          const want = Array.from({ length: ROWS_PER_KEY }, (_, j) => workflowIdOf(key * ROWS_PER_KEY + j, seeds)).sort();
          return got.join() === want.join() ? undefined : `k-${key}: got [${got.join(', ')}], want [${want.join(', ')}]`;
        },
        problems,
      );
      reports.push({ name: 'list by BenchKey', query: `${BENCH_KEY} = 'k-N'`, pageSize: 100, repetitions, ms, correct: problems.length === 0, problems });
    }
    {
      const problems: string[] = [];
      const query = `ExecutionStatus = 'TimedOut' AND CloseTime > '${seededAfter.toISOString()}'`;
      const ms = await timed(
        repetitions,
        async () => {
          const response = await service.listWorkflowExecutions({ namespace, pageSize: 100, query });
          const statuses = new Set(response.executions.map((e) => e.status));
          const ok = response.executions.length === 100 && statuses.size === 1 && statuses.has(7); // WORKFLOW_EXECUTION_STATUS_TIMED_OUT
          return ok ? undefined : `${response.executions.length} rows, statuses ${[...statuses].join(',')}`;
        },
        problems,
      );
      reports.push({ name: 'list by status and close time', query, pageSize: 100, repetitions, ms, correct: problems.length === 0, problems });
    }
    {
      const problems: string[] = [];
      const query = 'GROUP BY ExecutionStatus';
      const ms = await timed(
        repetitions,
        async () => {
          const response = await service.countWorkflowExecutions({ namespace, query });
          const groups = Object.fromEntries(response.groups.map((g) => [JSON.parse(Buffer.from(g.groupValues![0]!.data!).toString()) as string, Number(g.count)]));
          const sum = Object.values(groups).reduce((a, b) => a + b, 0);
          const want = { Terminated: Math.ceil(rows / 2), TimedOut: Math.floor(rows / 2) };
          const ok = Number(response.count) === rows && sum === rows && groups.Terminated === want.Terminated && groups.TimedOut === want.TimedOut;
          return ok ? undefined : `count ${String(response.count)}, groups ${JSON.stringify(groups)}, want ${JSON.stringify(want)}`;
        },
        problems,
      );
      reports.push({ name: 'count by status', query, repetitions, ms, correct: problems.length === 0, problems });
    }
    {
      const problems: string[] = [];
      const ms = await timed(
        repetitions,
        async () => {
          const count = Number((await service.countWorkflowExecutions({ namespace })).count);
          return count === rows ? undefined : `count ${count}, want ${rows}`;
        },
        problems,
      );
      reports.push({ name: 'count all', query: '', repetitions, ms, correct: problems.length === 0, problems });
    }
    return reports;
  } finally {
    await connection.close();
  }
}
