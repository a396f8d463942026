/**
 * The same table of list filters against a real SQLite database (better-sqlite3) and a real
 * PostgreSQL server started by the suite: both must return exactly the expected run ids in order.
 */
// By path, not by package: @kairos/persistence depends on this package, so it cannot be a
// dependency of it (turbo refuses cycles).
import { startPostgresServer } from '@kairos/testing';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAndResolve, type SearchAttributeType } from './fields';
import { visibilitySchema } from './schema';
import { buildCountQuery, buildListQuery, type Dialect } from './sql';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;

const custom = new Map<string, SearchAttributeType>([
  ['CustomerId', 'Keyword'],
  ['Description', 'Text'],
  ['Priority', 'Int'],
  ['Score', 'Double'],
  ['Vip', 'Bool'],
  ['DueAt', 'Datetime'],
  ['Tags', 'KeywordList'],
  ['Region Name', 'Keyword'],
]);

interface Row {
  ns?: string;
  run: string;
  wf: string;
  type: string;
  status: number; // 1 Running, 2 Completed, 3 Failed, 4 Canceled, 5 Terminated, 6 ContinuedAsNew, 7 TimedOut
  start: number;
  close?: number;
  exec?: number;
  hl: number;
  parent?: [string, string];
  sa?: Record<string, unknown>;
}

const queue = (type: string) => ({ OrderWorkflow: 'orders', PaymentWorkflow: 'payments', ShippingWorkflow: 'shipping', BatchWorkflow: 'batch' })[type] ?? 'other';

const ROWS: Row[] = [
  { run: 'r01', wf: 'order-1', type: 'OrderWorkflow', status: 1, start: T0 + 1 * H, hl: 10, sa: { CustomerId: 'c1', Priority: 1, Tags: ['red', 'blue'], Vip: true, Description: 'Urgent order for ACME-corp', DueAt: T0 + 2 * DAY, Score: 1.5, 'Region Name': 'eu west' } },
  { run: 'r02', wf: 'order-2', type: 'OrderWorkflow', status: 2, start: T0 + 2 * H, close: T0 + 3 * H, hl: 25, sa: { CustomerId: 'c2', Priority: 5, Tags: ['blue'], Vip: false, Score: 2.25 } },
  { run: 'r03', wf: 'order_3', type: 'OrderWorkflow', status: 3, start: T0 + 3 * H, close: T0 + 3 * H + 30 * MIN, hl: 40, sa: { CustomerId: 'c1', Priority: 3, Tags: ['green'], Description: 'routine order', Score: -1 } },
  { run: 'r04', wf: 'ORDER-4', type: 'OrderWorkflow', status: 4, start: T0 + 4 * H, close: T0 + 5 * H, hl: 5, sa: { Priority: 10, Tags: [] } },
  { run: 'r05', wf: 'payment-1', type: 'PaymentWorkflow', status: 1, start: T0 + 5 * H, hl: 3, sa: { CustomerId: 'c3', Vip: true, Tags: ['red'] } },
  { run: 'r06', wf: 'payment-2', type: 'PaymentWorkflow', status: 5, start: T0 + 6 * H, close: T0 + 6 * H + 1000, hl: 7, parent: ['order-1', 'r01'], sa: { CustomerId: 'c3', Priority: 2 } },
  { run: 'r07', wf: 'payment-3', type: 'PaymentWorkflow', status: 6, start: T0 + 7 * H, close: T0 + 8 * H, hl: 1000 },
  { run: 'r08', wf: 'payment-4', type: 'PaymentWorkflow', status: 7, start: T0 + 8 * H, close: T0 + 10 * H, hl: 12, sa: { Description: 'Payment timed out: retry later', Score: 9.75 } },
  { run: 'r09', wf: 'ship-1', type: 'ShippingWorkflow', status: 2, start: T0 + 9 * H, close: T0 + 9 * H + 5 * MIN, hl: 30, sa: { CustomerId: 'c2', Tags: ['blue', 'green'], DueAt: T0 + 1 * DAY, 'Region Name': 'us east' } },
  { run: 'r10', wf: 'ship-2', type: 'ShippingWorkflow', status: 1, start: T0 + 10 * H, hl: 2, sa: { CustomerId: 'c4', Priority: 7 } },
  { run: 'r11', wf: 'ship%3', type: 'ShippingWorkflow', status: 2, start: T0 + 11 * H, close: T0 + 12 * H, hl: 8, sa: {} },
  { run: 'r12', wf: 'ship_4', type: 'ShippingWorkflow', status: 2, start: T0 + 12 * H, close: T0 + 13 * H, hl: 9 },
  { run: 'r13', wf: 'ship-5', type: 'ShippingWorkflow', status: 2, start: T0 + 12 * H, close: T0 + 13 * H, hl: 20 },
  { run: 'r14', wf: 'batch-1', type: 'BatchWorkflow', status: 1, start: T0 + 13 * H, hl: 0, sa: { CustomerId: "quote's", Vip: false } },
  { run: 'r15', wf: 'batch-2', type: 'BatchWorkflow', status: 3, start: T0 + 14 * H, close: T0 + 15 * H, hl: 50, sa: { Priority: 4, Score: 4.5, DueAt: T0 + 3 * DAY, Tags: ['RED'] } },
  { run: 'r16', wf: 'batch-3', type: 'BatchWorkflow', status: 2, start: T0 + 15 * H, exec: T0 + 15 * H + 30 * MIN, close: T0 + 16 * H, hl: 60 },
  { run: 'r17', wf: 'sched-1', type: 'SchedulerWorkflow', status: 1, start: T0 + 1 * H, hl: 1, sa: { TemporalNamespaceDivision: 'TemporalScheduler' } },
  { ns: 'ns2', run: 'r18', wf: 'order-1', type: 'OrderWorkflow', status: 1, start: T0, hl: 1, sa: { CustomerId: 'c1' } },
  { run: 'r19', wf: 'order-9', type: 'OrderWorkflow', status: 1, start: T0 + 16 * H, hl: 1, sa: { CustomerId: 'c1', Description: 'ORDER for acme', Priority: 8 } },
  { run: 'r20', wf: 'order-10', type: 'OrderWorkflow', status: 2, start: T0 + 17 * H, close: T0 + 17 * H + 1, hl: 11, sa: { CustomerId: 'C1' } },
];

const DEFAULT_ORDER = ['r19', 'r14', 'r10', 'r05', 'r01', 'r20', 'r16', 'r15', 'r12', 'r13', 'r11', 'r08', 'r09', 'r07', 'r06', 'r04', 'r03', 'r02'];

/** [query, expected run ids in order]. */
const LIST_CASES: Array<[string, string[]]> = [
  ['', DEFAULT_ORDER],
  ["WorkflowId = 'order-1'", ['r01']],
  ["ExecutionStatus = 'Running'", ['r19', 'r14', 'r10', 'r05', 'r01']],
  ['ExecutionStatus = 2', ['r20', 'r16', 'r12', 'r13', 'r11', 'r09', 'r02']],
  ["ExecutionStatus IN ('Failed', 'Canceled', 'WORKFLOW_EXECUTION_STATUS_TIMED_OUT')", ['r15', 'r08', 'r04', 'r03']],
  ["ExecutionStatus != 'Running' AND ExecutionStatus NOT IN (2, 3)", ['r08', 'r07', 'r06', 'r04']],
  ["ExecutionStatus BETWEEN 'Canceled' AND 'ContinuedAsNew'", ['r07', 'r06', 'r04']],
  // Datetimes
  ["StartTime >= '2024-01-01T05:00:00Z' AND StartTime < '2024-01-01T08:00:00Z'", ['r05', 'r07', 'r06']],
  ["StartTime >= '2024-01-01T06:00:00+01:00' and StartTime <= '2024-01-01T06:00:00.000-01:00'", ['r05', 'r07', 'r06']],
  ["CloseTime BETWEEN '2024-01-01T09:00:00Z' AND '2024-01-01T13:00:00Z'", ['r12', 'r13', 'r11', 'r08', 'r09']],
  ["CloseTime NOT BETWEEN '2024-01-01T04:00:00Z' AND '2024-01-01T16:30:00Z'", ['r20', 'r03', 'r02']],
  ['CloseTime IS NULL', ['r19', 'r14', 'r10', 'r05', 'r01']],
  [`CloseTime >= ${BigInt(T0 + 15 * H) * 1_000_000n}`, ['r20', 'r16', 'r15']],
  ["StartTime > '2024-01-01T16:00:00.000000001Z'", ['r20']],
  ["ExecutionTime > '2024-01-01T15:00:00Z' AND ExecutionTime < '2024-01-01T16:00:00Z'", ['r16']],
  // Ints
  ['HistoryLength > 30 AND HistoryLength <= 60', ['r16', 'r15', 'r03']],
  ['HistoryLength BETWEEN 5 AND 10', ['r01', 'r12', 'r11', 'r06', 'r04']],
  ['HistoryLength NOT BETWEEN 5 AND 1000', ['r19', 'r14', 'r10', 'r05']],
  ['HistoryLength IN (1000, 0, 7)', ['r14', 'r07', 'r06']],
  // ExecutionDuration: close time minus execution time
  ["ExecutionDuration > '1h'", ['r08']],
  ["ExecutionDuration >= '1h'", ['r15', 'r12', 'r13', 'r11', 'r08', 'r07', 'r04', 'r02']],
  ['ExecutionDuration < 1000000000', ['r20']],
  ["ExecutionDuration = '00:30:00'", ['r16', 'r03']],
  // Keywords
  ["WorkflowId STARTS_WITH 'order'", ['r19', 'r01', 'r20', 'r03', 'r02']],
  ["WorkflowId STARTS_WITH 'ship%'", ['r11']],
  ["WorkflowId STARTS_WITH 'ship_'", ['r12']],
  ["WorkflowId STARTS_WITH 'ORDER'", ['r04']],
  ["WorkflowId NOT STARTS_WITH 'o' AND WorkflowId NOT STARTS_WITH 'p' AND WorkflowId NOT STARTS_WITH 's'", ['r14', 'r16', 'r15', 'r04']],
  ["WorkflowId > 'ship' AND WorkflowId < 'ship-3'", ['r10', 'r11', 'r09']],
  ["WorkflowType IN ('BatchWorkflow', 'PaymentWorkflow') AND ExecutionStatus = 'Running'", ['r14', 'r05']],
  ["TaskQueue = 'payments' AND ExecutionStatus != 'Running'", ['r08', 'r07', 'r06']],
  ["ParentWorkflowId = 'order-1'", ['r06']],
  ["ParentRunId IS NOT NULL OR RunId = 'r07'", ['r07', 'r06']],
  ["RootWorkflowId = 'order-1'", ['r01', 'r06']],
  ["ScheduleId = 'batch-1'", ['r14']],
  ["CustomerId = 'c1'", ['r19', 'r01', 'r03']],
  ["CustomerId IN ('c2', 'c3')", ['r05', 'r09', 'r06', 'r02']],
  ["CustomerId != 'c1'", ['r14', 'r10', 'r05', 'r20', 'r09', 'r06', 'r02']],
  ["CustomerId = 'quote''s'", ['r14']],
  ['CustomerId = "quote\'s"', ['r14']],
  ['CustomerId IS NULL', ['r16', 'r15', 'r12', 'r13', 'r11', 'r08', 'r07', 'r04']],
  ["CustomerId STARTS_WITH 'c' AND CustomerId < 'c3'", ['r19', 'r01', 'r09', 'r03', 'r02']],
  ["`Region Name` = 'eu west'", ['r01']],
  ["`Region Name` STARTS_WITH 'us'", ['r09']],
  // AND / OR / NOT precedence
  ["CustomerId = 'c1' OR CustomerId = 'c2' AND ExecutionStatus = 'Completed'", ['r19', 'r01', 'r09', 'r03', 'r02']],
  ["(CustomerId = 'c1' OR CustomerId = 'c2') AND ExecutionStatus = 'Completed'", ['r09', 'r02']],
  ["NOT (ExecutionStatus = 'Running' OR ExecutionStatus = 'Completed') AND WorkflowType = 'OrderWorkflow'", ['r04', 'r03']],
  ["NOT ExecutionStatus = 'Running' AND WorkflowType = 'OrderWorkflow'", ['r20', 'r04', 'r03', 'r02']],
  ["NOT (CustomerId = 'c1')", ['r14', 'r10', 'r05', 'r20', 'r09', 'r06', 'r02']],
  // KeywordList: membership; absent lists match neither = nor !=
  ["Tags = 'red'", ['r05', 'r01']],
  ["Tags IN ('green', 'RED')", ['r15', 'r09', 'r03']],
  ["Tags != 'blue'", ['r05', 'r15', 'r04', 'r03']],
  ["NOT Tags = 'blue'", ['r05', 'r15', 'r04', 'r03']],
  ["Tags NOT IN ('red', 'blue')", ['r15', 'r04', 'r03']],
  ["NOT (Tags NOT IN ('red'))", ['r05', 'r01']],
  ["Tags = 'blue' AND Tags = 'green'", ['r09']],
  ['Tags IS NULL', ['r19', 'r14', 'r10', 'r20', 'r16', 'r12', 'r13', 'r11', 'r08', 'r07', 'r06']],
  // Bool, Double, Int, Datetime custom attributes
  ['Vip = true', ['r05', 'r01']],
  ['Vip = false', ['r14', 'r02']],
  ['Vip != true', ['r14', 'r02']],
  ['Score > 2', ['r15', 'r08', 'r02']],
  ['Score < 0', ['r03']],
  ['Score = 1.5', ['r01']],
  ['Score BETWEEN 1 AND 3', ['r01', 'r02']],
  ['Priority >= 5', ['r19', 'r10', 'r04', 'r02']],
  ['Priority IN (1, 2, 3)', ['r01', 'r06', 'r03']],
  ['Priority > 2.5 AND Priority < 4.5', ['r15', 'r03']],
  ["DueAt < '2024-01-02T12:00:00Z'", ['r09']],
  ["DueAt >= '2024-01-03T00:00:00Z'", ['r01', 'r15']],
  // Text: any word, case-insensitive, punctuation separates words
  ["Description = 'acme'", ['r19', 'r01']],
  ["Description = 'order'", ['r19', 'r01', 'r03']],
  ["Description = 'ord'", []],
  ["Description = 'nothing RETRY'", ['r08']],
  ["Description = 'corp-thing'", ['r01']],
  ["Description != 'order'", ['r08']],
  // Namespace division: hidden unless named
  ["TemporalNamespaceDivision = 'TemporalScheduler'", ['r17']],
  ["ExecutionStatus = 'Running' AND (TemporalNamespaceDivision IS NULL OR TemporalNamespaceDivision IS NOT NULL)", ['r19', 'r14', 'r10', 'r05', 'r01', 'r17']],
  // ORDER BY: missing values last, RunId descending as tie-breaker
  ['ORDER BY StartTime', ['r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07', 'r08', 'r09', 'r10', 'r11', 'r13', 'r12', 'r14', 'r15', 'r16', 'r19', 'r20']],
  ["WorkflowType = 'OrderWorkflow' ORDER BY HistoryLength DESC", ['r03', 'r02', 'r20', 'r01', 'r04', 'r19']],
  [
    'ORDER BY Priority DESC, WorkflowId',
    ['r04', 'r19', 'r10', 'r02', 'r15', 'r03', 'r06', 'r01', 'r14', 'r16', 'r20', 'r05', 'r07', 'r08', 'r11', 'r09', 'r13', 'r12'],
  ],
  ['ORDER BY CloseTime DESC', ['r20', 'r16', 'r15', 'r13', 'r12', 'r11', 'r08', 'r09', 'r07', 'r06', 'r04', 'r03', 'r02', 'r19', 'r14', 'r10', 'r05', 'r01']],
  [
    'order by Vip desc, Score',
    ['r01', 'r05', 'r02', 'r14', 'r03', 'r15', 'r08', 'r20', 'r19', 'r16', 'r13', 'r12', 'r11', 'r10', 'r09', 'r07', 'r06', 'r04'],
  ],
  ['ORDER BY ExecutionStatus, RunId', ['r01', 'r05', 'r10', 'r14', 'r19', 'r02', 'r09', 'r11', 'r12', 'r13', 'r16', 'r20', 'r03', 'r15', 'r04', 'r06', 'r07', 'r08']],
  ["ExecutionStatus = 'Completed' ORDER BY DueAt, `Region Name` DESC", ['r09', 'r20', 'r16', 'r13', 'r12', 'r11', 'r02']],
];

/** [query, page size] to page through; the pages must concatenate to the full list. */
const PAGING_CASES: Array<[string, number]> = [
  ['', 4],
  ['', 1],
  ['ExecutionStatus = 2', 3],
  ['ORDER BY Priority DESC, WorkflowId', 5],
  ['ORDER BY CloseTime DESC', 3],
  ['order by Vip desc, Score', 4],
  ["ExecutionStatus = 'Completed' ORDER BY DueAt, `Region Name` DESC", 2],
  ['ORDER BY StartTime', 7],
];

/** [query, expected count, expected groups (sorted by value) or undefined]. */
const COUNT_CASES: Array<[string, number, Array<[unknown, number]> | undefined]> = [
  ['', 18, undefined],
  ["ExecutionStatus = 'Running'", 5, undefined],
  ["Tags = 'nothing'", 0, undefined],
  ['ORDER BY StartTime', 18, undefined],
  [
    'GROUP BY ExecutionStatus',
    18,
    [
      ['Canceled', 1],
      ['Completed', 7],
      ['ContinuedAsNew', 1],
      ['Failed', 2],
      ['Running', 5],
      ['Terminated', 1],
      ['TimedOut', 1],
    ],
  ],
  [
    "WorkflowType = 'OrderWorkflow' GROUP BY ExecutionStatus",
    6,
    [
      ['Canceled', 1],
      ['Completed', 2],
      ['Failed', 1],
      ['Running', 2],
    ],
  ],
  [
    'GROUP BY TemporalNamespaceDivision',
    19,
    [
      [null, 18],
      ['TemporalScheduler', 1],
    ],
  ],
];

type Exec = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

interface Backend {
  dialect: Dialect;
  exec: Exec;
}

function insertStatement(dialect: Dialect): string {
  const cols = [
    'namespace_id',
    'run_id',
    'workflow_id',
    'workflow_type',
    'status',
    'start_time',
    'close_time',
    'execution_time',
    'task_queue',
    'history_length',
    'parent_workflow_id',
    'parent_run_id',
    'root_workflow_id',
    'root_run_id',
    'memo',
    'search_attributes',
  ];
  const ph = cols.map((_, i) => (dialect === 'sqlite' ? '?' : `$${i + 1}`));
  return `INSERT INTO visibility (${cols.join(', ')}) VALUES (${ph.join(', ')})`;
}

function rowValues(r: Row): unknown[] {
  return [
    r.ns ?? 'ns1',
    r.run,
    r.wf,
    r.type,
    r.status,
    r.start,
    r.close ?? null,
    r.exec ?? r.start,
    queue(r.type),
    r.hl,
    r.parent?.[0] ?? null,
    r.parent?.[1] ?? null,
    r.parent?.[0] ?? r.wf,
    r.parent?.[1] ?? r.run,
    null,
    r.sa === undefined ? null : JSON.stringify(r.sa),
  ];
}

async function listAll(b: Backend, query: string, pageSize: number, maxPages = 100): Promise<{ ids: string[]; pages: number }> {
  const resolved = parseAndResolve(query, custom);
  const ids: string[] = [];
  let token: Buffer | undefined;
  let pages = 0;
  do {
    const q = buildListQuery(resolved, { namespaceId: 'ns1', pageSize, pageToken: token, columns: ['run_id'] }, { dialect: b.dialect });
    const rows = await b.exec(q.sql, q.params);
    pages++;
    ids.push(...rows.map((r) => String(r.run_id)));
    token = q.nextPageToken(rows);
  } while (token && pages < maxPages);
  return { ids, pages };
}

function defineSuite(name: string, setup: () => Promise<Backend & { close(): Promise<void> }>) {
  describe(`list filters on ${name}`, () => {
    let backend: Backend & { close(): Promise<void> };

    beforeAll(async () => {
      backend = await setup();
      for (const ddl of visibilitySchema(backend.dialect)) await backend.exec(ddl, []);
      const insert = insertStatement(backend.dialect);
      for (const r of ROWS) await backend.exec(insert, rowValues(r));
    });

    afterAll(async () => {
      await backend?.close();
    });

    it.each(LIST_CASES)('%s', async (query, expected) => {
      const { ids } = await listAll(backend, query, 1000);
      expect(ids).toEqual(expected);
    });

    it.each(PAGING_CASES)('pages through %s by %i', async (query, pageSize) => {
      const expected = LIST_CASES.find(([q]) => q === query)?.[1];
      expect(expected).toBeDefined();
      const { ids, pages } = await listAll(backend, query, pageSize);
      expect(ids).toEqual(expected);
      // A token after every full page: the last one may lead to an empty page, as in Temporal.
      expect(pages).toBe(Math.floor(expected!.length / pageSize) + 1);
    });

    it('refuses a token issued for another order', async () => {
      const first = buildListQuery(parseAndResolve('ORDER BY StartTime', custom), { namespaceId: 'ns1', pageSize: 2 }, { dialect: backend.dialect });
      const token = first.nextPageToken(await backend.exec(first.sql, first.params));
      expect(token).toBeDefined();
      expect(() => buildListQuery(parseAndResolve('', custom), { namespaceId: 'ns1', pageSize: 2, pageToken: token }, { dialect: backend.dialect })).toThrow(
        'invalid page token: the token was issued for a different ORDER BY',
      );
    });

    it.each(COUNT_CASES)('counts %s', async (query, count, groups) => {
      const q = buildCountQuery(parseAndResolve(query, custom), { namespaceId: 'ns1' }, { dialect: backend.dialect });
      const result = q.readResult(await backend.exec(q.sql, q.params));
      expect(result.count).toBe(count);
      if (groups) {
        const got = (result.groups ?? []).map((g) => [g.value, g.count] as [unknown, number]);
        got.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
        expect(got).toEqual([...groups].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
      } else {
        expect(result.groups).toBeUndefined();
      }
    });

    it('uses the default-order index on a plain listing', async () => {
      const q = buildListQuery(parseAndResolve('', custom), { namespaceId: 'ns1', pageSize: 10 }, { dialect: backend.dialect });
      if (backend.dialect === 'sqlite') {
        const plan = await backend.exec(`EXPLAIN QUERY PLAN ${q.sql}`, q.params);
        expect(plan.map((r) => String(r.detail)).join('\n')).toContain('visibility_by_default_order');
      }
    });
  });
}

defineSuite('SQLite', async () => {
  const db = new Database(':memory:');
  return {
    dialect: 'sqlite',
    exec: async (sql, params) => {
      const stmt = db.prepare(sql);
      return stmt.reader ? (stmt.all(...params) as Record<string, unknown>[]) : (stmt.run(...params), []);
    },
    close: async () => {
      db.close();
    },
  };
});

// The throw-away PostgreSQL server of @kairos/persistence's tests (Debian's binaries; scripts/setup.sh
// installs them). Missing binaries fail this suite: it is never skipped.
defineSuite('PostgreSQL', async () => {
  const server = await startPostgresServer();
  const client = new Client({ connectionString: await server.createDatabase() });
  await client.connect();
  return {
    dialect: 'postgres',
    exec: async (sql, params) => (await client.query(sql, params)).rows as Record<string, unknown>[],
    close: async () => {
      await client.end();
      await server.stop();
    },
  };
});
