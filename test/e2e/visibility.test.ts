import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useOracleServers, type Scenario } from '../src/harness/oracle';
import { eventTypes, fetchHistory, withWorker } from '../src/harness/sdk';
import { startKairosDev, type KairosDev } from '../src/harness/servers';

const workflowsPath = require.resolve('../workflows/visibility.ts');
const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

// Custom search attributes of these suites (also in workflows/visibility.ts). Few of each type:
// Temporal's SQL visibility has 3 columns per type (10 Keyword).
const VisBatch = defineSearchAttributeKey('VisBatch', 'KEYWORD');
const VisAmount = defineSearchAttributeKey('VisAmount', 'INT');
const VisTags = defineSearchAttributeKey('VisTags', 'KEYWORD_LIST');
const CUSTOM = {
  VisBatch: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  VisAmount: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  VisTags: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Registers the suite's attributes (adding them again with the same types changes nothing). */
async function registerAttributes(client: Client): Promise<void> {
  await client.connection.operatorService.addSearchAttributes({ namespace: 'default', searchAttributes: CUSTOM });
}

/**
 * Reads until `done` holds. Kairos writes visibility with the execution (read-your-writes, so
 * the first read holds); Temporal's dev server writes it a moment later.
 */
async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

async function listAll(client: Client, query: string, pageSize?: number): Promise<WorkflowExecutionInfo[]> {
  const out: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query, pageSize })) out.push(info);
  return out;
}

/** The suite's own attributes of a listed run, by name (servers may add predefined ones, e.g. BuildIds). */
function customAttributes(info: { typedSearchAttributes: { getAll(): Array<{ key: { name: string }; value: unknown }> } }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of info.typedSearchAttributes.getAll()) if (key.name in CUSTOM) out[key.name] = value;
  return out;
}

/** An error as comparable facts: gRPC code and message. */
function errorFacts(err: unknown): { code?: number; message?: string } {
  const e = err as { code?: number; details?: string; cause?: { code?: number; details?: string } };
  if (e.cause?.code !== undefined) return { code: e.cause.code, message: e.cause.details };
  return { code: e.code, message: e.details };
}

async function failure(promise: Promise<unknown>): Promise<{ code?: number; message?: string }> {
  try {
    await promise;
  } catch (err) {
    return errorFacts(err);
  }
  return { code: 0 };
}

describe('visibility: List, Count and search attributes (TypeScript SDK), compared with the real Temporal dev server', () => {
  const servers = useOracleServers();

  it('lists, pages and counts runs by status and custom search attributes', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const taskQueue = `tq-vis-${suffix}`;
      const id = (n: string) => `vis-${n}-${suffix}`;
      const short = (workflowId: string) => workflowId.replace(`vis-`, '').replace(`-${suffix}`, '');
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities: {} }, async (client) => {
        await registerAttributes(client);
        const specs = [
          { n: 'a', amount: 10, tags: ['red'] },
          { n: 'b', amount: 20, tags: ['red', 'blue'] },
          { n: 'c', amount: 30, tags: ['blue'] },
          { n: 'd', amount: 40, tags: [] },
          { n: 'e', amount: 50, tags: ['green'] },
        ];
        const handles = [];
        for (const s of specs) {
          handles.push(
            await client.workflow.start('waitForFinish', {
              taskQueue,
              workflowId: id(s.n),
              typedSearchAttributes: [
                { key: VisBatch, value: suffix },
                { key: VisAmount, value: s.amount },
                ...(s.tags.length > 0 ? [{ key: VisTags, value: s.tags }] : []),
              ],
              memo: { label: s.n },
            }),
          );
        }
        await handles[0]!.signal('finish', 'A');
        await handles[0]!.result();
        await handles[1]!.signal('finish', 'B');
        await handles[1]!.result();
        await handles[2]!.terminate('stop');

        const batch = `VisBatch = '${suffix}'`;
        await settled(() => client.workflow.count(`${batch} AND ExecutionStatus != 'Running'`), (c) => c.count === 3);
        await settled(() => client.workflow.count(batch), (c) => c.count === 5);
        const ids = async (query: string, pageSize?: number) => (await listAll(client, query, pageSize)).map((i) => short(i.workflowId));
        const sorted = async (query: string) => (await ids(query)).sort();

        // Paging by hand: each page and whether a token came back.
        const pages: Array<{ ids: string[]; token: boolean }> = [];
        let token: Uint8Array | undefined;
        do {
          const page = await client.connection.workflowService.listWorkflowExecutions({ namespace: 'default', query: batch, pageSize: 2, nextPageToken: token });
          pages.push({ ids: page.executions.map((e) => short(e.execution!.workflowId!)), token: page.nextPageToken.length > 0 });
          token = page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
        } while (token && pages.length < 10);

        const groups = (await client.workflow.count(`${batch} GROUP BY ExecutionStatus`)).groups
          .map((g) => ({ value: g.groupValues[0], count: g.count }))
          .sort((x, y) => String(x.value).localeCompare(String(y.value)));
        const [a] = await listAll(client, `WorkflowId = '${id('a')}'`);
        const [d] = await listAll(client, `WorkflowId = '${id('d')}'`);
        const open = await client.connection.workflowService.listOpenWorkflowExecutions({
          namespace: 'default',
          maximumPageSize: 10,
          executionFilter: { workflowId: id('d') },
        });
        const closed = await client.connection.workflowService.listClosedWorkflowExecutions({
          namespace: 'default',
          maximumPageSize: 10,
          executionFilter: { workflowId: id('c') },
        });
        return {
          // Running first (latest start first), then closed (latest close first).
          all: (await listAll(client, batch)).map((i) => [short(i.workflowId), i.status.name]),
          running: await sorted(`${batch} AND ExecutionStatus = 'Running'`),
          completed: await sorted(`${batch} AND ExecutionStatus = 'Completed'`),
          amountOver25: await sorted(`${batch} AND VisAmount > 25`),
          amountBetween: await sorted(`${batch} AND VisAmount BETWEEN 15 AND 45`),
          red: await sorted(`${batch} AND VisTags = 'red'`),
          blueOrTerminated: await sorted(`${batch} AND (VisTags = 'blue' OR ExecutionStatus = 'Terminated')`),
          noTags: await sorted(`${batch} AND VisTags IS NULL`),
          prefix: await sorted(`${batch} AND WorkflowId STARTS_WITH 'vis-a'`),
          typeAndQueue: await sorted(`${batch} AND WorkflowType = 'waitForFinish' AND TaskQueue = '${taskQueue}'`),
          closedSince: await sorted(`${batch} AND CloseTime > '2000-01-01T00:00:00Z'`),
          pages,
          count: (await client.workflow.count(batch)).count,
          countRunning: (await client.workflow.count(`${batch} AND ExecutionStatus = 'Running'`)).count,
          groups,
          closedRun: {
            status: a!.status.name,
            type: a!.type,
            taskQueue: a!.taskQueue,
            memo: a!.memo,
            attributes: customAttributes(a!),
            historyLength: a!.historyLength,
            closed: a!.closeTime instanceof Date,
            executionTime: a!.executionTime?.getTime() === a!.startTime.getTime(),
            root: a!.rootExecution?.workflowId === a!.workflowId && a!.rootExecution?.runId === a!.runId,
            parent: a!.parentExecution ?? null,
          },
          openRun: { status: d!.status.name, memo: d!.memo, attributes: customAttributes(d!), historyLength: d!.historyLength, closed: d!.closeTime !== undefined },
          listOpen: open.executions.map((e) => short(e.execution!.workflowId!)),
          listClosed: closed.executions.map((e) => [short(e.execution!.workflowId!), e.status]),
        };
      });
      return { outcome, workflowIds: [id('a'), id('c')] };
    };
    const run = await servers.compare(scenario);
    expect(run.outcome).toMatchObject({
      all: [['e', 'RUNNING'], ['d', 'RUNNING'], ['c', 'TERMINATED'], ['b', 'COMPLETED'], ['a', 'COMPLETED']],
      running: ['d', 'e'],
      amountOver25: ['c', 'd', 'e'],
      red: ['a', 'b'],
      pages: [
        { ids: ['e', 'd'], token: true },
        { ids: ['c', 'b'], token: true },
        { ids: ['a'], token: false },
      ],
      count: 5,
      groups: [
        { value: ['Completed'], count: 2 },
        { value: ['Running'], count: 2 },
        { value: ['Terminated'], count: 1 },
      ],
      closedRun: { status: 'COMPLETED', memo: { label: 'a' }, attributes: { VisAmount: 10, VisTags: ['red'] }, closed: true, root: true, parent: null },
      openRun: { status: 'RUNNING', historyLength: 0, closed: false },
    });
  });

  it('shows search attributes and memo a running workflow upserts, in List, Count and Describe', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const taskQueue = `tq-vis-upsert-${suffix}`;
      const workflowId = `vis-upsert-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities: {} }, async (client) => {
        await registerAttributes(client);
        const handle = await client.workflow.start('reindexOnSignal', {
          taskQueue,
          workflowId,
          typedSearchAttributes: [
            { key: VisBatch, value: suffix },
            { key: VisAmount, value: 5 },
            { key: VisTags, value: ['x', 'y'] },
          ],
          memo: { stage: 'started', owner: 'ops' },
        });
        const query = `WorkflowId = '${workflowId}'`;
        const before = await settled(() => listAll(client, query), (l) => l.length === 1);
        await handle.signal('reindex');
        const after = await settled(() => listAll(client, `${query} AND VisAmount = 99`), (l) => l.length === 1);
        const describedRunning = await handle.describe();
        const matched = {
          tagsGone: (await client.workflow.count(`VisBatch = '${suffix}' AND VisTags IS NULL`)).count,
          oldAmount: (await client.workflow.count(`VisBatch = '${suffix}' AND VisAmount = 5`)).count,
        };
        await handle.signal('finish', 'ok');
        await handle.result();
        const closed = await settled(() => listAll(client, `${query} AND ExecutionStatus = 'Completed'`), (l) => l.length === 1);
        return {
          before: { attributes: customAttributes(before[0]!), memo: before[0]!.memo },
          after: { attributes: customAttributes(after[0]!), memo: after[0]!.memo, status: after[0]!.status.name },
          described: { attributes: customAttributes(describedRunning), memo: describedRunning.memo },
          matched,
          closed: { attributes: customAttributes(closed[0]!), memo: closed[0]!.memo },
        };
      });
      return { outcome, workflowIds: [workflowId] };
    };
    const run = await servers.compare(scenario);
    expect(run.outcome).toMatchObject({
      before: { attributes: { VisAmount: 5, VisTags: ['x', 'y'] }, memo: { stage: 'started', owner: 'ops' } },
      after: { attributes: { VisAmount: 99 }, memo: { stage: 'reindexed', owner: 'ops' }, status: 'RUNNING' },
      described: { attributes: { VisAmount: 99 }, memo: { stage: 'reindexed', owner: 'ops' } },
      matched: { tagsGone: 1, oldAmount: 0 },
    });
  });

  it('lists both runs of a continue-as-new, each with its status and the search attributes carried over', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const taskQueue = `tq-vis-can-${suffix}`;
      const workflowId = `vis-can-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities: {} }, async (client) => {
        await registerAttributes(client);
        const handle = await client.workflow.start('continueThenWait', {
          taskQueue,
          workflowId,
          args: [2],
          typedSearchAttributes: [{ key: VisBatch, value: suffix }, { key: VisAmount, value: 7 }],
        });
        const runs = await settled(() => listAll(client, `WorkflowId = '${workflowId}'`), (l) => l.length === 3 && l[0]!.status.name === 'RUNNING');
        await client.workflow.getHandle(workflowId).signal('finish', 'end');
        await client.workflow.getHandle(workflowId).result();
        const closed = await settled(() => listAll(client, `WorkflowId = '${workflowId}'`), (l) => l.every((e) => e.status.name !== 'RUNNING'));
        return {
          runs: runs.map((e) => ({ status: e.status.name, first: e.runId === handle.firstExecutionRunId, attributes: customAttributes(e) })),
          closed: closed.map((e) => e.status.name),
          groups: (await client.workflow.count(`VisBatch = '${suffix}' GROUP BY ExecutionStatus`)).groups
            .map((g) => [g.groupValues[0], g.count])
            .sort(),
        };
      });
      return { outcome, workflowIds: [workflowId] };
    };
    const run = await servers.compare(scenario);
    expect(run.outcome).toMatchObject({
      runs: [
        { status: 'RUNNING', first: false, attributes: { VisAmount: 7 } },
        { status: 'CONTINUED_AS_NEW', first: false },
        { status: 'CONTINUED_AS_NEW', first: true },
      ],
      closed: ['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW'],
    });
  });

  it('refuses malformed queries and search attributes the namespace does not have, as Temporal does', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const connection = await Connection.connect({ address });
      const client = new Client({ connection });
      try {
        await registerAttributes(client);
        const wf = connection.workflowService;
        const start = (searchAttributes: Record<string, unknown[]>, n: string) =>
          failure(client.workflow.start('waitForFinish', { taskQueue: `tq-${suffix}`, workflowId: `vis-bad-${n}-${suffix}`, searchAttributes: searchAttributes as never }));
        return {
          outcome: {
            malformed: (await failure(wf.listWorkflowExecutions({ namespace: 'default', query: 'VisBatch = ' }))).code,
            unknownAttribute: (await failure(wf.listWorkflowExecutions({ namespace: 'default', query: "Nope = 'x'" }))).code,
            countMalformed: (await failure(wf.countWorkflowExecutions({ namespace: 'default', query: 'WorkflowId IN (' }))).code,
            wrongValueType: (await failure(wf.listWorkflowExecutions({ namespace: 'default', query: "VisAmount = 'many'" }))).code,
            noNamespace: await failure(wf.listWorkflowExecutions({ namespace: '', query: '' })),
            unknownNamespace: (await failure(wf.listWorkflowExecutions({ namespace: 'no-such-namespace', query: '' }))).code,
            startUnregistered: await start({ VisNeverRegistered: ['x'] }, 'unregistered'),
            startSystem: await start({ WorkflowId: ['x'] }, 'system'),
            startWrongType: await start({ VisAmount: ['x'] }, 'wrong-type'),
            startListForKeyword: await start({ VisBatch: ['one', 'two'] }, 'list'),
          },
          workflowIds: [],
        };
      } finally {
        await connection.close();
      }
    };
    const run = await servers.compare(scenario);
    const INVALID_ARGUMENT = 3;
    expect(run.outcome).toEqual({
      malformed: INVALID_ARGUMENT,
      unknownAttribute: INVALID_ARGUMENT,
      countMalformed: INVALID_ARGUMENT,
      wrongValueType: INVALID_ARGUMENT,
      noNamespace: { code: INVALID_ARGUMENT, message: 'Namespace is empty.' },
      unknownNamespace: 5,
      startUnregistered: { code: INVALID_ARGUMENT, message: 'Namespace default has no mapping defined for search attribute VisNeverRegistered' },
      startSystem: { code: INVALID_ARGUMENT, message: "WorkflowId attribute can't be set in SearchAttributes" },
      startWrongType: { code: INVALID_ARGUMENT, message: 'invalid value for search attribute VisAmount of type Int: [x]' },
      startListForKeyword: { code: INVALID_ARGUMENT, message: 'invalid value for search attribute VisBatch of type Keyword: [one two]' },
    });
  });

  it('registers, lists and removes custom search attributes through the OperatorService', async () => {
    const scenario: Scenario = async (address) => {
      const connection = await Connection.connect({ address });
      try {
        const op = connection.operatorService;
        const custom = async () => (await op.listSearchAttributes({ namespace: 'default' })).customAttributes;
        const add = (searchAttributes: Record<string, number>) => failure(op.addSearchAttributes({ namespace: 'default', searchAttributes }));
        const remove = (searchAttributes: string[]) => failure(op.removeSearchAttributes({ namespace: 'default', searchAttributes }));
        const added = await add({ VisOpKeyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, VisOpFlag: IndexedValueType.INDEXED_VALUE_TYPE_BOOL });
        const afterAdd = await settled(custom, (c) => 'VisOpKeyword' in c && 'VisOpFlag' in c);
        const addedAgain = await add({ VisOpKeyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD });
        const listed = await op.listSearchAttributes({ namespace: 'default' });
        const removed = await remove(['VisOpFlag', 'VisOpNeverAdded']);
        const afterRemove = await settled(custom, (c) => !('VisOpFlag' in c));
        return {
          outcome: {
            added,
            addedAgain,
            afterAdd: { VisOpKeyword: afterAdd.VisOpKeyword, VisOpFlag: afterAdd.VisOpFlag },
            system: Object.entries(listed.systemAttributes).sort(([x], [y]) => x.localeCompare(y)),
            storageSchema: listed.storageSchema,
            removed,
            afterRemove: { VisOpKeyword: afterRemove.VisOpKeyword, VisOpFlag: afterRemove.VisOpFlag ?? null },
            removeSystem: await remove(['WorkflowId']),
            removeNone: await remove([]),
            addReserved: await add({ TemporalVisOp: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD }),
            addSystem: await add({ ExecutionStatus: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD }),
            addNone: await add({}),
            addUnknownType: await add({ VisOpOdd: 99 }),
            noNamespace: await failure(op.listSearchAttributes({ namespace: '' })),
          },
          workflowIds: [],
        };
      } finally {
        await connection.close();
      }
    };
    const run = await servers.compare(scenario);
    const KEYWORD = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    expect(run.outcome).toMatchObject({
      added: { code: 0 },
      addedAgain: { code: 0 },
      afterAdd: { VisOpKeyword: KEYWORD, VisOpFlag: IndexedValueType.INDEXED_VALUE_TYPE_BOOL },
      removed: { code: 0 },
      afterRemove: { VisOpKeyword: KEYWORD, VisOpFlag: null },
      removeSystem: { code: 3, message: 'Unable to remove non-custom search attributes: WorkflowId.' },
      removeNone: { code: 3, message: 'SearchAttributes are not set on request.' },
      addReserved: { code: 3, message: 'Search attribute TemporalVisOp is reserved by system.' },
      addNone: { code: 3, message: 'SearchAttributes are not set on request.' },
      addUnknownType: { code: 3, message: 'Unknown search attribute type: 99.' },
      noNamespace: { code: 3, message: 'Namespace is not set on request.' },
    });
    expect((run.outcome as { system: unknown[] }).system).toHaveLength(33);
  });

  it('fails the workflow task of an upsert of an unregistered search attribute (BadSearchAttributes)', async () => {
    const scenario: Scenario = async (address, { suffix }) => {
      const taskQueue = `tq-vis-unknown-${suffix}`;
      const workflowId = `vis-unknown-${suffix}`;
      const outcome = await withWorker({ address, taskQueue, workflowsPath, activities: {} }, async (client) => {
        const handle = await client.workflow.start('upsertUnknown', { taskQueue, workflowId });
        const history = await settled(
          () => client.workflow.getHandle(workflowId).fetchHistory(),
          (h) => (h.events ?? []).some((e) => e.workflowTaskFailedEventAttributes),
        );
        await handle.terminate('enough');
        const failed = history.events!.find((e) => e.workflowTaskFailedEventAttributes)!.workflowTaskFailedEventAttributes!;
        return { cause: failed.cause, message: failed.failure?.message };
      });
      return { outcome, workflowIds: [workflowId] };
    };
    const run = await servers.compare(scenario);
    expect(run.outcome).toMatchObject({ cause: temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES });
  });

});

// Kairos's own guarantees: Temporal's visibility is eventually consistent and its SQL store refuses
// ORDER BY, so these run on Kairos only (also under KAIROS_TEST_TARGET=temporal).
describe('visibility: what Kairos guarantees beyond Temporal', () => {
  let kairos: KairosDev | undefined;
  beforeAll(async () => {
    kairos = await startKairosDev({ kairosOnly: true });
  });
  afterAll(async () => {
    await kairos?.stop();
  });
  const address = () => kairos!.address;

  it('a List right after a start, an upsert or a close sees it (read-your-writes)', async () => {
    const suffix = Date.now().toString(36);
    const taskQueue = `tq-vis-ryw-${suffix}`;
    await withWorker({ address: address(), taskQueue, workflowsPath, activities: {} }, async (client) => {
      await registerAttributes(client);
      for (let i = 0; i < 5; i++) {
        const workflowId = `vis-ryw-${i}-${suffix}`;
        const handle = await client.workflow.start('waitForFinish', {
          taskQueue,
          workflowId,
          typedSearchAttributes: [{ key: VisBatch, value: `ryw-${suffix}` }, { key: VisAmount, value: i }],
        });
        const started = await listAll(client, `WorkflowId = '${workflowId}'`);
        expect(started.map((e) => [e.runId, e.status.name])).toEqual([[handle.firstExecutionRunId, 'RUNNING']]);
        expect((await client.workflow.count(`VisBatch = 'ryw-${suffix}' AND ExecutionStatus = 'Running'`)).count).toBe(1);
        await handle.signal('finish', 'x');
        await handle.result();
        const closed = await listAll(client, `WorkflowId = '${workflowId}'`);
        expect(closed.map((e) => e.status.name)).toEqual(['COMPLETED']);
        expect(closed[0]!.closeTime).toBeInstanceOf(Date);
        expect(closed[0]!.historyLength).toBeGreaterThan(0);
        expect((await client.workflow.count(`VisBatch = 'ryw-${suffix}' AND ExecutionStatus = 'Completed'`)).count).toBe(i + 1);
      }
      // An upsert: once its event is in the history, List shows it (one transaction).
      const upserting = await client.workflow.start('reindexOnSignal', {
        taskQueue,
        workflowId: `vis-ryw-u-${suffix}`,
        typedSearchAttributes: [{ key: VisBatch, value: `ryw-${suffix}` }, { key: VisAmount, value: 1 }],
      });
      await upserting.signal('reindex');
      await settled(
        () => upserting.fetchHistory(),
        (h) => (h.events ?? []).some((e) => e.upsertWorkflowSearchAttributesEventAttributes),
      );
      const [upserted] = await listAll(client, `WorkflowId = 'vis-ryw-u-${suffix}'`);
      expect(upserted!.typedSearchAttributes.get(VisAmount)).toBe(99);
      expect(upserted!.memo).toEqual({ stage: 'reindexed' });
      await upserting.terminate();
      // Continue-as-new: once the run is closed, its successor is listed with it.
      const continuing = await client.workflow.start('continueThenWait', {
        taskQueue,
        workflowId: `vis-ryw-can-${suffix}`,
        args: [1],
        typedSearchAttributes: [{ key: VisBatch, value: `ryw-can-${suffix}` }],
      });
      await settled(
        () => client.workflow.getHandle(continuing.workflowId, continuing.firstExecutionRunId).fetchHistory(),
        (h) => (h.events ?? []).some((e) => e.workflowExecutionContinuedAsNewEventAttributes),
      );
      const chain = await listAll(client, `WorkflowId = 'vis-ryw-can-${suffix}'`);
      expect(chain.map((e) => e.status.name)).toEqual(['RUNNING', 'CONTINUED_AS_NEW']);
      expect(chain[1]!.runId).toBe(continuing.firstExecutionRunId);
      await client.workflow.getHandle(continuing.workflowId).terminate();
      // Terminate, too, is visible at once.
      const handle = await client.workflow.start('waitForFinish', { taskQueue, workflowId: `vis-ryw-t-${suffix}`, typedSearchAttributes: [{ key: VisBatch, value: `ryw-${suffix}` }] });
      await handle.terminate('now');
      expect((await listAll(client, `WorkflowId = 'vis-ryw-t-${suffix}'`)).map((e) => e.status.name)).toEqual(['TERMINATED']);
    });
  });

  it('ORDER BY a custom attribute with paging, and query errors name their position', async () => {
    const suffix = Date.now().toString(36);
    const taskQueue = `tq-vis-order-${suffix}`;
    const connection = await Connection.connect({ address: address() });
    try {
      const client = new Client({ connection });
      await registerAttributes(client);
      const amounts = [30, 10, 50, 20, 40];
      for (const [i, amount] of amounts.entries()) {
        await client.workflow.start('waitForFinish', {
          taskQueue,
          workflowId: `vis-order-${i}-${suffix}`,
          typedSearchAttributes: [{ key: VisBatch, value: `order-${suffix}` }, { key: VisAmount, value: amount }],
        });
      }
      await client.workflow.start('waitForFinish', { taskQueue, workflowId: `vis-order-none-${suffix}`, typedSearchAttributes: [{ key: VisBatch, value: `order-${suffix}` }] });
      const ordered = await listAll(client, `VisBatch = 'order-${suffix}' ORDER BY VisAmount DESC`, 2);
      expect(ordered.map((e) => e.typedSearchAttributes.get(VisAmount) ?? null)).toEqual([50, 40, 30, 20, 10, null]);
      const ascending = await listAll(client, `VisBatch = 'order-${suffix}' ORDER BY VisAmount`, 4);
      expect(ascending.map((e) => e.typedSearchAttributes.get(VisAmount) ?? null)).toEqual([10, 20, 30, 40, 50, null]);

      const malformed = await failure(connection.workflowService.listWorkflowExecutions({ namespace: 'default', query: "VisBatch = 'x' AND AND" }));
      expect(malformed).toEqual({ code: 3, message: "invalid query: malformed SQL query: syntax error at column 20 near 'AND', expected a search attribute name, NOT or (" });
      const unknown = await failure(connection.workflowService.countWorkflowExecutions({ namespace: 'default', query: "Nope = 'x'" }));
      expect(unknown).toEqual({ code: 3, message: "invalid query: invalid expression: column name 'Nope' is not a valid search attribute" });
      const badToken = await failure(
        connection.workflowService.listWorkflowExecutions({ namespace: 'default', query: '', pageSize: 1, nextPageToken: Buffer.from('not a token') }),
      );
      expect(badToken.code).toBe(3);
      // A token of one order is refused for another.
      const first = await connection.workflowService.listWorkflowExecutions({ namespace: 'default', query: `VisBatch = 'order-${suffix}' ORDER BY VisAmount`, pageSize: 1 });
      const mixed = await failure(
        connection.workflowService.listWorkflowExecutions({ namespace: 'default', query: `VisBatch = 'order-${suffix}'`, pageSize: 1, nextPageToken: first.nextPageToken }),
      );
      expect(mixed).toEqual({ code: 3, message: 'invalid page token: the token was issued for a different ORDER BY' });
    } finally {
      await connection.close();
    }
  });

  it('adding a registered search attribute with another type is refused, and nothing is added', async () => {
    const connection = await Connection.connect({ address: address() });
    try {
      const op = connection.operatorService;
      await op.addSearchAttributes({ namespace: 'default', searchAttributes: { VisKairosKw: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD } });
      const refused = await failure(
        op.addSearchAttributes({
          namespace: 'default',
          searchAttributes: { VisKairosNew: IndexedValueType.INDEXED_VALUE_TYPE_INT, VisKairosKw: IndexedValueType.INDEXED_VALUE_TYPE_TEXT },
        }),
      );
      expect(refused).toEqual({ code: 3, message: 'Search attribute VisKairosKw already exists and has different type Keyword.' });
      const custom = (await op.listSearchAttributes({ namespace: 'default' })).customAttributes;
      expect(custom.VisKairosKw).toBe(IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      expect(custom.VisKairosNew).toBeUndefined();
      // The workflow history of a run with search attributes is unaffected by the registry.
      const client = new Client({ connection });
      const handle = await client.workflow.start('waitForFinish', {
        taskQueue: 'tq-vis-kairos',
        workflowId: `vis-kairos-${Date.now()}`,
        searchAttributes: { VisKairosKw: ['legacy'] },
      });
      const described = await handle.describe();
      expect(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.key.type, p.value])).toEqual([['VisKairosKw', 'KEYWORD', 'legacy']]);
      expect(eventTypes(await fetchHistory(address(), handle.workflowId))).toEqual(['WorkflowExecutionStarted', 'WorkflowTaskScheduled']);
      await handle.terminate();
    } finally {
      await connection.close();
    }
  });
});
