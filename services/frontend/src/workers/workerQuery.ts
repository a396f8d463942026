import { invalidArgument, type ApiError } from '@kairos/common/errors';
import { WorkerStatus } from '@kairos/proto/temporal/api/enums/v1/common';
import type { WorkerHeartbeat } from '@kairos/proto/temporal/api/worker/v1/message';
import { parseQuery, parseRfc3339Nanos, QueryParseError, type Expr, type FieldRef, type Literal, type Operand } from '@kairos/visibility';

/**
 * ListWorkers' and CountWorkers' `query`: a filter over the fields of each worker's latest
 * heartbeat, with Temporal's rules (its matching worker query engine): the list-filter syntax,
 * case-sensitive field names (Status is also accepted in any case, as a keyword of Temporal's
 * parser), strings compared with =, !=, STARTS_WITH, NOT STARTS_WITH, IS [NOT] NULL, times with
 * comparisons, BETWEEN and IS [NOT] NULL. A query that does not parse is INVALID_ARGUMENT; a
 * condition that cannot be evaluated on a worker (an unknown field, a NOT, a value of the wrong
 * kind) does not match it, as in Temporal, where such errors only drop the worker.
 */
export type WorkerPredicate = (heartbeat: WorkerHeartbeat) => boolean;

/** A condition Temporal's engine refuses while evaluating: the worker is left out. */
class NoMatch extends Error {}

const STRING_FIELDS: Record<string, (hb: WorkerHeartbeat) => string> = {
  WorkerInstanceKey: (hb) => hb.workerInstanceKey,
  WorkerIdentity: (hb) => hb.workerIdentity,
  HostName: (hb) => hb.hostInfo?.hostName ?? '',
  TaskQueue: (hb) => hb.taskQueue,
  DeploymentName: (hb) => hb.deploymentVersion?.deploymentName ?? '',
  BuildId: (hb) => hb.deploymentVersion?.buildId ?? '',
  SdkName: (hb) => hb.sdkName,
  SdkVersion: (hb) => hb.sdkVersion,
  WorkerStatus: (hb) => workerStatusName(hb.status),
  status: (hb) => workerStatusName(hb.status),
};

const TIME_FIELDS: Record<string, (hb: WorkerHeartbeat) => Date | undefined> = {
  StartTime: (hb) => hb.startTime,
  HeartbeatTime: (hb) => hb.heartbeatTime,
};

/** The status as Temporal's Go enum prints it (and its queries compare): `Running`, `ShuttingDown`, … */
export function workerStatusName(status: WorkerStatus): string {
  const name = WorkerStatus[status] as string | undefined;
  if (!name?.startsWith('WORKER_STATUS_')) return String(status);
  return name
    .slice('WORKER_STATUS_'.length)
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** The field a name refers to: as written, except the keyword `status` (unquoted, any case). */
function fieldName(field: FieldRef): string {
  return !field.quoted && field.name.toLowerCase() === 'status' ? 'status' : field.name;
}

function asField(operand: Operand): string {
  if (operand.kind !== 'field') throw new NoMatch();
  return fieldName(operand);
}

function asString(operand: Operand): string {
  if (operand.kind !== 'string') throw new NoMatch();
  return operand.value;
}

/** A time operand as Temporal reads it: an RFC 3339 string, or an integer of Unix nanoseconds. */
function asNanos(operand: Operand): bigint {
  const literal = operand as Literal;
  if (literal.kind === 'int') return BigInt(literal.value);
  if (literal.kind === 'string') {
    const nanos = parseRfc3339Nanos(literal.value);
    if (nanos !== undefined) return nanos;
  }
  throw new NoMatch();
}

/** A heartbeat's time in nanoseconds; an unset time reads as the Unix epoch, as in Temporal's comparisons. */
const nanosOf = (time: Date | undefined): bigint => BigInt(time?.getTime() ?? 0) * 1_000_000n;

function compareStrings(op: string, actual: string, expected: string): boolean {
  if (expected === '') throw new NoMatch();
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case 'starts_with':
      return actual.startsWith(expected);
    case 'not starts_with':
      return !actual.startsWith(expected);
    default:
      throw new NoMatch();
  }
}

function compareTimes(op: string, actual: bigint, expected: bigint): boolean {
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    default:
      throw new NoMatch();
  }
}

function evaluate(expr: Expr, hb: WorkerHeartbeat): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluate(expr.left, hb) && evaluate(expr.right, hb);
    case 'or':
      return evaluate(expr.left, hb) || evaluate(expr.right, hb);
    case 'compare': {
      const name = asField(expr.left);
      const text = STRING_FIELDS[name];
      if (text) return compareStrings(expr.op, text(hb), asString(expr.right));
      const time = TIME_FIELDS[name];
      if (time) return compareTimes(expr.op, nanosOf(time(hb)), asNanos(expr.right));
      throw new NoMatch();
    }
    case 'between': {
      const time = TIME_FIELDS[asField(expr.left)];
      if (!time) throw new NoMatch();
      const [from, to] = [asNanos(expr.from), asNanos(expr.to)];
      const value = time(hb);
      if (!value) return false;
      const inside = nanosOf(value) >= from && nanosOf(value) <= to;
      return expr.negated ? !inside : inside;
    }
    case 'is': {
      if (expr.test !== 'null' && expr.test !== 'not null') throw new NoMatch();
      const name = asField(expr.left);
      const text = STRING_FIELDS[name];
      const time = TIME_FIELDS[name];
      let unset: boolean;
      if (text) unset = text(hb) === '';
      else if (time) unset = time(hb) === undefined;
      else throw new NoMatch();
      return unset === (expr.test === 'null');
    }
    // NOT, IN and a lone name or value are refused by Temporal's engine for every worker.
    default:
      throw new NoMatch();
  }
}

/** Temporal's texts for a query that does not parse (its engine says "malformed query", not "… SQL query"). */
function refusal(err: QueryParseError): ApiError {
  if (err.kind === 'malformed') return invalidArgument(`malformed query: ${err.detail}`);
  if (err.kind === 'not-supported') return invalidArgument(`operation is not supported: ${err.detail.replace("'LIMIT'", "'limit'").replace("'HAVING'", "'having'")}`);
  return invalidArgument(`invalid expression: ${err.detail}`);
}

/**
 * The predicate of a ListWorkers/CountWorkers query; throws INVALID_ARGUMENT when it does not
 * parse. The empty query matches every worker; ORDER BY and GROUP BY parse and are ignored.
 */
export function workerPredicate(query: string): WorkerPredicate {
  if (query === '') return () => true;
  const trimmed = query.trim();
  // Temporal's engine wraps the filter in a SELECT itself and refuses one written out (with an
  // internal error; Kairos says why).
  if (/^(where|select)\s/i.test(trimmed)) throw invalidArgument(`invalid filter: ${trimmed}`);
  let where: Expr | undefined;
  try {
    where = parseQuery(trimmed).where;
  } catch (err) {
    if (err instanceof QueryParseError) throw refusal(err);
    throw err;
  }
  // Nothing to filter on (blanks, or only ORDER BY): Temporal's parser finds no condition.
  if (!where) throw invalidArgument('malformed query: syntax error at column 1: a condition is expected');
  return (hb) => {
    try {
      return evaluate(where, hb);
    } catch (err) {
      if (err instanceof NoMatch) return false;
      throw err;
    }
  };
}
