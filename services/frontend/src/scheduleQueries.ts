import { invalidArgument } from '@kairos/common/errors';
import { isReservedSearchAttributeName, SCHEDULER_NAMESPACE_DIVISION, schedulerWorkflowId } from '@kairos/domain';
import { parseAndResolve, type CustomAttributes, type ResolvedExpr, type ResolvedQuery } from '@kairos/visibility';

/** Schedules only: running records of the scheduler's namespace division (Temporal's base query). */
const SCHEDULES_QUERY = `TemporalNamespaceDivision = '${SCHEDULER_NAMESPACE_DIVISION}' AND ExecutionStatus = 'Running'`;
const SCHEDULE_PAUSED = 'TemporalSchedulePaused';

type FieldExpr = Exclude<ResolvedExpr, { kind: 'and' | 'or' | 'not' }>;

function* fieldsOf(expr: ResolvedExpr | undefined): Generator<FieldExpr> {
  if (!expr) return;
  if (expr.kind === 'and' || expr.kind === 'or') {
    yield* fieldsOf(expr.left);
    yield* fieldsOf(expr.right);
  } else if (expr.kind === 'not') {
    yield* fieldsOf(expr.expr);
  } else {
    yield expr as FieldExpr;
  }
}

/** `ScheduleId` names the schedule's record: its workflow id without the scheduler prefix. */
function prefixed(value: unknown): unknown {
  return typeof value === 'string' ? schedulerWorkflowId(value) : value;
}

/**
 * ListSchedules' and CountSchedules' query as Temporal's frontend builds it: the user's query is
 * checked (no system or reserved attribute but TemporalSchedulePaused: INVALID_ARGUMENT
 * `invalid query filter for schedules: cannot filter on "X"`), its ScheduleId values get the
 * scheduler prefix, and it is joined to the base query that selects running schedules.
 */
export function scheduleQuery(text: string, custom: CustomAttributes): ResolvedQuery {
  const base = parseAndResolve(SCHEDULES_QUERY, custom);
  if (!text.trim()) return base;
  const user = parseAndResolve(text, custom);
  const named = [...fieldsOf(user.where)].map((e) => e.field);
  for (const field of [...named, ...user.groupBy, ...user.orderBy.map((o) => o.field)]) {
    if (field.alias !== SCHEDULE_PAUSED && isReservedSearchAttributeName(field.alias)) {
      throw invalidArgument(`invalid query filter for schedules: cannot filter on ${JSON.stringify(field.alias)}`);
    }
  }
  for (const e of fieldsOf(user.where)) {
    if (e.field.name !== 'WorkflowId') continue;
    if (e.kind === 'compare') e.value = prefixed(e.value) as typeof e.value;
    else if (e.kind === 'in') e.values = e.values.map((v) => prefixed(v) as typeof v);
    else if (e.kind === 'between') {
      e.from = prefixed(e.from) as typeof e.from;
      e.to = prefixed(e.to) as typeof e.to;
    }
  }
  return {
    where: user.where ? { kind: 'and', left: base.where!, right: user.where } : base.where,
    groupBy: user.groupBy,
    orderBy: user.orderBy,
    mentionsNamespaceDivision: true,
  };
}
