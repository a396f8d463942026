import { describe, expect, it } from 'vitest';
import { Status } from 'nice-grpc-common';
import { WorkerStatus } from '@kairos/proto/temporal/api/enums/v1/common';
import { WorkerHeartbeat } from '@kairos/proto/temporal/api/worker/v1/message';
import { workerPredicate, workerStatusName } from './workerQuery';

const worker = WorkerHeartbeat.fromPartial({
  workerInstanceKey: 'key-1',
  workerIdentity: '123@host-a',
  hostInfo: { hostName: 'host-a', processId: '123' },
  taskQueue: 'orders',
  deploymentVersion: { buildId: 'b-1', deploymentName: '' },
  sdkName: 'temporal-typescript',
  sdkVersion: '1.24.0',
  status: WorkerStatus.WORKER_STATUS_RUNNING,
  startTime: new Date('2026-01-02T03:04:05.000Z'),
  heartbeatTime: new Date('2026-01-02T03:05:00.000Z'),
});
const noTimes = WorkerHeartbeat.fromPartial({ ...worker, startTime: undefined });

const matches = (query: string, hb = worker) => workerPredicate(query)(hb);

describe('ListWorkers query over heartbeat fields', () => {
  it('the empty query matches every worker', () => {
    expect(matches('')).toBe(true);
  });

  it.each([
    ["TaskQueue = 'orders'", true],
    ['TaskQueue = "orders"', true],
    ["TaskQueue = 'other'", false],
    ["TaskQueue != 'other'", true],
    ["TaskQueue <> 'orders'", false],
    ["TaskQueue STARTS_WITH 'ord'", true],
    ["TaskQueue NOT STARTS_WITH 'ord'", false],
    ["WorkerIdentity = '123@host-a' AND HostName = 'host-a'", true],
    ["WorkerInstanceKey = 'nope' OR (SdkName = 'temporal-typescript' AND SdkVersion = '1.24.0')", true],
    ["BuildId = 'b-1'", true],
    ['DeploymentName IS NULL', true],
    ['BuildId IS NOT NULL', true],
    ['TaskQueue IS NULL', false],
  ])('string fields: %s → %s', (query, expected) => {
    expect(matches(query)).toBe(expected);
  });

  it('compares the status by the names Temporal prints, under WorkerStatus or the keyword Status', () => {
    expect(workerStatusName(WorkerStatus.WORKER_STATUS_SHUTTING_DOWN)).toBe('ShuttingDown');
    expect(matches("WorkerStatus = 'Running'")).toBe(true);
    expect(matches("Status = 'Running'")).toBe(true);
    expect(matches("status = 'Running'")).toBe(true);
    expect(matches("STATUS != 'Shutdown'")).toBe(true);
    expect(matches("WorkerStatus = 'WORKER_STATUS_RUNNING'")).toBe(false);
    // Quoted, the name is taken as written: only the lower-case keyword is the status.
    expect(matches("`Status` = 'Running'")).toBe(false);
  });

  it.each([
    ["StartTime > '2026-01-01T00:00:00Z'", true],
    ["StartTime >= '2026-01-02T03:04:05Z'", true],
    ["StartTime < '2026-01-02T03:04:05Z'", false],
    ["StartTime = '2026-01-02T03:04:05.000000000Z'", true],
    ["HeartbeatTime BETWEEN '2026-01-02T03:00:00Z' AND '2026-01-02T03:10:00Z'", true],
    ["HeartbeatTime NOT BETWEEN '2026-01-02T03:00:00Z' AND '2026-01-02T03:10:00Z'", false],
    // An integer is Unix nanoseconds.
    ['StartTime > 1', true],
    ['StartTime IS NOT NULL', true],
  ])('time fields: %s → %s', (query, expected) => {
    expect(matches(query)).toBe(expected);
  });

  it('an unset time is NULL, never BETWEEN, and compares as the Unix epoch', () => {
    expect(matches('StartTime IS NULL', noTimes)).toBe(true);
    expect(matches("StartTime BETWEEN '1970-01-01T00:00:00Z' AND '2100-01-01T00:00:00Z'", noTimes)).toBe(false);
    expect(matches("StartTime < '1971-01-01T00:00:00Z'", noTimes)).toBe(true);
  });

  it.each([
    "Bogus = 'x'",
    "taskqueue = 'orders'",
    "TaskQueue = ''",
    'TaskQueue = 5',
    "TaskQueue > 'a'",
    "TaskQueue LIKE 'ord%'",
    "TaskQueue IN ('orders')",
    "NOT TaskQueue = 'x'",
    'TaskQueue IS TRUE',
    "StartTime > 'yesterday'",
    "StartTime = '2026-01-02'",
    "StartTime STARTS_WITH '2026'",
    "TaskQueue BETWEEN 'a' AND 'z'",
    "TaskQueue = 'orders' AND Bogus = 'x'",
  ])('a condition Temporal cannot evaluate matches no worker: %s', (query) => {
    expect(matches(query)).toBe(false);
  });

  it('a failing right side does not matter once the left side decides', () => {
    expect(matches("TaskQueue = 'orders' OR Bogus = 'x'")).toBe(true);
    expect(matches("TaskQueue = 'other' AND Bogus = 'x'")).toBe(false);
  });

  it('ORDER BY is ignored', () => {
    expect(matches("TaskQueue = 'orders' ORDER BY StartTime")).toBe(true);
  });

  it.each([
    ['TaskQueue = ', /^malformed query: syntax error/],
    ['   ', /^malformed query: syntax error/],
    ["TaskQueue = 'a' LIMIT 1", /^operation is not supported: 'limit' clause$/],
    ["where TaskQueue = 'a'", /^invalid filter: where TaskQueue = 'a'$/],
    ['select * from workers', /^invalid filter: select \* from workers$/],
  ])('a query that does not parse is INVALID_ARGUMENT: %j', (query, message) => {
    let caught: { code?: Status; message?: string } | undefined;
    try {
      workerPredicate(query);
    } catch (err) {
      caught = err as { code?: Status; message?: string };
    }
    expect(caught?.code).toBe(Status.INVALID_ARGUMENT);
    expect(caught?.message).toMatch(message);
  });
});
