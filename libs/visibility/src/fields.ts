/**
 * Search attributes and the resolution step: every name in a parsed filter is checked against
 * Temporal's system and predefined search attributes and the namespace's custom ones, every
 * operator against the attribute's type, and every literal converted to a typed value.
 *
 * Behaviour follows Temporal's common/persistence/visibility/store/query/converter.go
 * (QueryConverter: convertComparisonExpr, convertRangeCond, convertIsExpr, convertColName,
 * resolveSearchAttributeAlias, parseSQLVal, validateValueType, parseExecutionStatusValue,
 * parseExecutionDurationValue, convertSelectStmt) and the attribute tables of
 * common/searchattribute/sadefs/constants.go.
 */
import type { ComparisonOperator, Expr, FieldRef, Literal, Operand, Query } from './ast';
import { QueryParseError } from './errors';
import { parseQuery } from './parser';
import { fitsInt64, parseExecutionDuration, parseRfc3339Nanos, tokenizeText } from './values';

/** Temporal's IndexedValueType names (temporal.api.enums.v1.IndexedValueType shorthand). */
export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export const SEARCH_ATTRIBUTE_TYPES: readonly SearchAttributeType[] = [
  'Keyword',
  'Text',
  'Int',
  'Double',
  'Bool',
  'Datetime',
  'KeywordList',
];

/**
 * System search attributes: fields of every execution, stored in their own columns
 * (sadefs `system`). ExecutionStatus is a Keyword whose values are status names, stored as the
 * enum number; ExecutionDuration an Int of nanoseconds (close time minus execution time).
 */
export const SYSTEM_SEARCH_ATTRIBUTES: ReadonlyMap<string, SearchAttributeType> = new Map<string, SearchAttributeType>([
  ['WorkflowId', 'Keyword'],
  ['RunId', 'Keyword'],
  ['WorkflowType', 'Keyword'],
  ['StartTime', 'Datetime'],
  ['ExecutionTime', 'Datetime'],
  ['CloseTime', 'Datetime'],
  ['ExecutionStatus', 'Keyword'],
  ['TaskQueue', 'Keyword'],
  ['HistoryLength', 'Int'],
  ['ExecutionDuration', 'Int'],
  ['StateTransitionCount', 'Int'],
  ['HistorySizeBytes', 'Int'],
  ['ParentWorkflowId', 'Keyword'],
  ['ParentRunId', 'Keyword'],
  ['RootWorkflowId', 'Keyword'],
  ['RootRunId', 'Keyword'],
]);

/**
 * Predefined search attributes: set by the server, stored with the custom ones (in the
 * search_attributes JSON here) (sadefs `predefined`). All are queryable in Temporal.
 */
export const PREDEFINED_SEARCH_ATTRIBUTES: ReadonlyMap<string, SearchAttributeType> = new Map<string, SearchAttributeType>([
  ['TemporalChangeVersion', 'KeywordList'],
  ['BinaryChecksums', 'KeywordList'],
  ['BuildIds', 'KeywordList'],
  ['BatcherNamespace', 'Keyword'],
  ['BatcherUser', 'Keyword'],
  ['TemporalScheduledStartTime', 'Datetime'],
  ['TemporalScheduledById', 'Keyword'],
  ['TemporalSchedulePaused', 'Bool'],
  ['TemporalNamespaceDivision', 'Keyword'],
  ['TemporalPauseInfo', 'KeywordList'],
  ['TemporalReportedProblems', 'KeywordList'],
  ['TemporalWorkerDeploymentVersion', 'Keyword'],
  ['TemporalWorkflowVersioningBehavior', 'Keyword'],
  ['TemporalWorkerDeployment', 'Keyword'],
  ['TemporalUsedWorkerDeploymentVersions', 'KeywordList'],
  ['TemporalExternalPayloadCount', 'Int'],
  ['TemporalExternalPayloadSizeBytes', 'Int'],
]);

export const NAMESPACE_DIVISION = 'TemporalNamespaceDivision';
const RESERVED_PREFIX = 'Temporal';
const SCHEDULE_ID = 'ScheduleId';

/** temporal.api.enums.v1.WorkflowExecutionStatus, by number. */
export const EXECUTION_STATUS_NAMES: readonly string[] = [
  'Unspecified',
  'Running',
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
  'ContinuedAsNew',
  'TimedOut',
  // Temporal 1.30+: a paused workflow (Temporal's batch operations list `ExecutionStatus='Paused'`).
  'Paused',
];

const SCREAMING_STATUS = EXECUTION_STATUS_NAMES.map(
  (n) => `WORKFLOW_EXECUTION_STATUS_${n.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`,
);

/**
 * The enum number of a status written as Temporal accepts it (WorkflowExecutionStatusFromString):
 * the PascalCase name (`Running`, `ContinuedAsNew`, `TimedOut`) or the proto name
 * (`WORKFLOW_EXECUTION_STATUS_RUNNING`), case-sensitive.
 */
export function executionStatusFromString(s: string): number | undefined {
  let i = EXECUTION_STATUS_NAMES.indexOf(s);
  if (i < 0) i = SCREAMING_STATUS.indexOf(s);
  return i < 0 ? undefined : i;
}

/** GROUP BY is allowed on these (converter.go groupByFieldAllowlist and prefix allowlist). */
const GROUP_BY_ALLOWED = new Set(['ExecutionStatus', NAMESPACE_DIVISION]);
const GROUP_BY_ALLOWED_PREFIX = 'TemporalLowCardinalityKeyword';

export function isGroupByAllowed(fieldName: string): boolean {
  return GROUP_BY_ALLOWED.has(fieldName) || fieldName.startsWith(GROUP_BY_ALLOWED_PREFIX);
}

// ---------------------------------------------------------------------------------------------
// Resolved tree

export type FieldCategory = 'system' | 'predefined' | 'custom';

export interface ResolvedField {
  /** Canonical name: the system/predefined attribute or the custom attribute's name. */
  name: string;
  /** The name as written in the query (Temporal's "alias"), used in error messages. */
  alias: string;
  type: SearchAttributeType;
  category: FieldCategory;
  column: number;
}

/**
 * Typed values:
 * - Keyword, Text, KeywordList: string;
 * - Int: number, or bigint beyond 2^53 (a decimal literal is allowed and stays a number);
 * - Double: number; Bool: boolean;
 * - Datetime: bigint nanoseconds since the epoch;
 * - ExecutionStatus: the enum number; ExecutionDuration: bigint nanoseconds.
 */
export type Value = string | number | bigint | boolean;

export type ResolvedComparisonOperator = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'starts_with' | 'not starts_with';

export type ResolvedExpr =
  | { kind: 'and' | 'or'; left: ResolvedExpr; right: ResolvedExpr }
  | { kind: 'not'; expr: ResolvedExpr }
  /** For Text attributes `tokens` holds the words of the value. */
  | { kind: 'compare'; op: ResolvedComparisonOperator; field: ResolvedField; value: Value; tokens?: string[] }
  | { kind: 'in'; negated: boolean; field: ResolvedField; values: Value[] }
  | { kind: 'between'; negated: boolean; field: ResolvedField; from: Value; to: Value }
  | { kind: 'isNull'; negated: boolean; field: ResolvedField };

export interface ResolvedOrderTerm {
  field: ResolvedField;
  direction: 'asc' | 'desc';
}

export interface ResolvedQuery {
  where?: ResolvedExpr;
  /** At most one field (Temporal allows a single GROUP BY field). */
  groupBy: ResolvedField[];
  orderBy: ResolvedOrderTerm[];
  /**
   * Whether the query names TemporalNamespaceDivision anywhere. When it does not, Temporal adds
   * `TemporalNamespaceDivision IS NULL` (so internal executions such as schedulers stay hidden).
   */
  mentionsNamespaceDivision: boolean;
}

export type CustomAttributes = ReadonlyMap<string, SearchAttributeType>;

// ---------------------------------------------------------------------------------------------
// Operator support, from converter.go

const COMPARISON_OPERATORS = new Set(['=', '!=', '<', '>', '<=', '>=', 'in', 'not in']);
const KEYWORD_OPERATORS = new Set([...COMPARISON_OPERATORS, 'starts_with', 'not starts_with']);
const KEYWORD_LIST_OPERATORS = new Set(['=', '!=', 'in', 'not in']);
const TEXT_OPERATORS = new Set(['=', '!=']);
const RANGE_TYPES = new Set<SearchAttributeType>(['Datetime', 'Double', 'Int', 'Keyword']);

function supportedOperators(type: SearchAttributeType): Set<string> {
  switch (type) {
    case 'Keyword':
      return KEYWORD_OPERATORS;
    case 'KeywordList':
      return KEYWORD_LIST_OPERATORS;
    case 'Text':
      return TEXT_OPERATORS;
    default:
      return COMPARISON_OPERATORS;
  }
}

// ---------------------------------------------------------------------------------------------

const err = (kind: 'invalid' | 'not-supported', detail: string, column?: number) => new QueryParseError(kind, detail, column);

/** Go's %q-style quoting, close enough for names and values in messages. */
const goQuote = (s: string) => JSON.stringify(s);

function describeOperand(op: Operand): string {
  switch (op.kind) {
    case 'field':
      return `column name ${op.name}`;
    case 'string':
      return `string literal ${goQuote(op.value)}`;
    case 'null':
      return 'NULL';
    default:
      return `literal ${op.text}`;
  }
}

/** A literal as Temporal's sqlquery.ParseValue sees it: string, int64, float64 or bool. */
type RawValue = { type: 'string'; value: string } | { type: 'int64'; value: bigint } | { type: 'float64'; value: number } | { type: 'bool'; value: boolean };

function rawText(v: RawValue): string {
  switch (v.type) {
    case 'string':
      return goQuote(v.value);
    default:
      return String(v.value);
  }
}

class Resolver {
  mentionsNamespaceDivision = false;

  constructor(private readonly custom: CustomAttributes) {}

  /** converter.go resolveSearchAttributeAlias, without CHASM archetypes. */
  resolveField(ref: FieldRef): ResolvedField {
    const alias = ref.name;
    const found = this.lookup(alias);
    if (!found) {
      throw err('invalid', `column name '${alias}' is not a valid search attribute`, ref.column);
    }
    if (found.name === NAMESPACE_DIVISION) this.mentionsNamespaceDivision = true;
    return { ...found, alias, column: ref.column };
  }

  private lookup(alias: string): Omit<ResolvedField, 'alias' | 'column'> | undefined {
    const systemOrPredefined = (name: string) => {
      const s = SYSTEM_SEARCH_ATTRIBUTES.get(name);
      if (s) return { name, type: s, category: 'system' as const };
      const p = PREDEFINED_SEARCH_ATTRIBUTES.get(name);
      if (p) return { name, type: p, category: 'predefined' as const };
      return undefined;
    };
    // 1. A custom attribute, unless the name is a system or predefined one (sadefs.IsMappable).
    const direct = systemOrPredefined(alias);
    if (!direct) {
      const c = this.custom.get(alias);
      if (c) return { name: alias, type: c, category: 'custom' };
    }
    // 2. A system or predefined attribute.
    if (direct) return direct;
    // 3. ScheduleId (with or without the Temporal prefix) means WorkflowId when no custom
    //    ScheduleId exists; otherwise add or remove the reserved prefix `Temporal`.
    let name: string;
    if (alias.startsWith(RESERVED_PREFIX) ? alias.slice(RESERVED_PREFIX.length) === SCHEDULE_ID : alias === SCHEDULE_ID) {
      name = 'WorkflowId';
    } else if (alias.startsWith(RESERVED_PREFIX)) {
      name = alias.slice(RESERVED_PREFIX.length);
    } else {
      name = RESERVED_PREFIX + alias;
    }
    return systemOrPredefined(name);
  }

  private columnOf(op: Operand): ResolvedField {
    if (op.kind !== 'field') {
      throw err('invalid', `must be a column name but was ${describeOperand(op)}`, op.column);
    }
    return this.resolveField(op);
  }

  /** converter.go parseValueExpr + parseSQLVal for a single (non-tuple) value. */
  private value(op: Operand, field: ResolvedField): Value {
    if (op.kind === 'field') {
      throw err(
        'not-supported',
        `column name on the right side of comparison expression (did you forget to quote ${goQuote(op.name)}?)`,
        op.column,
      );
    }
    if (op.kind === 'null') {
      throw err('invalid', 'unexpected value type NULL (use IS NULL or IS NOT NULL)', op.column);
    }
    const raw = toRaw(op);
    if (field.category === 'system' && field.name === 'ExecutionStatus') return this.executionStatus(raw, op.column);
    if (field.category === 'system' && field.name === 'ExecutionDuration') return this.executionDuration(raw, op.column);
    return this.validateType(raw, field, op.column);
  }

  private executionStatus(raw: RawValue, column: number): number {
    if (raw.type === 'int64') {
      if (raw.value >= 0n && raw.value < BigInt(EXECUTION_STATUS_NAMES.length)) return Number(raw.value);
      throw err('invalid', `invalid ExecutionStatus value ${raw.value}`, column);
    }
    if (raw.type === 'string') {
      const status = executionStatusFromString(raw.value);
      if (status !== undefined) return status;
      throw err('invalid', `invalid ExecutionStatus value '${raw.value}'`, column);
    }
    throw err('invalid', `unexpected value type ${raw.type} for search attribute ExecutionStatus`, column);
  }

  private executionDuration(raw: RawValue, column: number): bigint {
    if (raw.type === 'int64') return raw.value;
    if (raw.type === 'string') {
      const d = parseExecutionDuration(raw.value);
      if (d !== undefined) return d;
      throw err('invalid', `invalid duration value for search attribute ExecutionDuration: ${raw.value}`, column);
    }
    throw err('invalid', `unexpected value type ${raw.type} for search attribute ExecutionDuration`, column);
  }

  /** converter.go validateValueType. */
  private validateType(raw: RawValue, field: ResolvedField, column: number): Value {
    const typeError = () =>
      err(
        'invalid',
        `invalid value type for search attribute ${field.alias} of type ${field.type}: ${rawText(raw)} (type: ${raw.type})`,
        column,
      );
    switch (field.type) {
      case 'Int':
      case 'Double':
        if (raw.type === 'int64') {
          if (field.type === 'Double') return Number(raw.value);
          return Number.isSafeInteger(Number(raw.value)) ? Number(raw.value) : raw.value;
        }
        if (raw.type === 'float64') return raw.value;
        throw typeError();
      case 'Bool':
        if (raw.type === 'bool') return raw.value;
        throw typeError();
      case 'Datetime':
        if (raw.type === 'int64') return raw.value;
        if (raw.type === 'string') {
          const nanos = parseRfc3339Nanos(raw.value);
          if (nanos === undefined) throw err('invalid', `unable to parse datetime '${raw.value}'`, column);
          return nanos;
        }
        throw typeError();
      case 'Keyword':
      case 'KeywordList':
      case 'Text':
        if (raw.type === 'string') return raw.value;
        throw typeError();
    }
  }

  resolveExpr(e: Expr): ResolvedExpr {
    switch (e.kind) {
      case 'and':
      case 'or':
        return { kind: e.kind, left: this.resolveExpr(e.left), right: this.resolveExpr(e.right) };
      case 'not':
        return { kind: 'not', expr: this.resolveExpr(e.expr) };
      case 'operand':
        if (e.operand.kind === 'field') throw err('invalid', 'incomplete expression', e.column);
        throw err('not-supported', `expression of type ${describeOperand(e.operand)}`, e.column);
      case 'is': {
        const field = this.columnOf(e.left);
        if (e.test !== 'null' && e.test !== 'not null') {
          throw err('invalid', "'IS' operator can only be used as 'IS NULL' or 'IS NOT NULL'", e.column);
        }
        return { kind: 'isNull', negated: e.test === 'not null', field };
      }
      case 'between': {
        const field = this.columnOf(e.left);
        if (!RANGE_TYPES.has(field.type)) {
          throw err('invalid', `cannot do range condition on search attribute '${field.alias}' of type ${field.type}`, e.column);
        }
        const from = this.value(e.from, field);
        const to = this.value(e.to, field);
        return { kind: 'between', negated: e.negated, field, from, to };
      }
      case 'in': {
        const field = this.columnOf(e.left);
        const values = e.values.map((v) => this.value(v, field));
        const op = e.negated ? 'not in' : 'in';
        this.checkOperator(field, op, e.column);
        return { kind: 'in', negated: e.negated, field, values };
      }
      case 'compare':
        return this.resolveComparison(e.op, e.left, e.right, e.column);
    }
  }

  private checkOperator(field: ResolvedField, op: string, column: number): void {
    if (!supportedOperators(field.type).has(op)) {
      throw err('not-supported', `operator '${op.toUpperCase()}' not supported for ${field.type} type search attribute '${field.alias}'`, column);
    }
  }

  private resolveComparison(op: ComparisonOperator, left: Operand, right: Operand, column: number): ResolvedExpr {
    const field = this.columnOf(left);
    const value = this.value(right, field);
    this.checkOperator(field, op, column);
    const cmp = op as ResolvedComparisonOperator;
    if ((cmp === 'starts_with' || cmp === 'not starts_with') && typeof value !== 'string') {
      // ExecutionStatus is stored as a number: Temporal's SQL converter refuses a prefix on it.
      const shown = typeof value === 'number' && field.name === 'ExecutionStatus' ? EXECUTION_STATUS_NAMES[value] : String(value);
      throw err('invalid', `right-hand side of ${goQuote(cmp)} operator must be a literal string (got: ${shown})`, column);
    }
    if (field.type === 'Text') {
      const tokens = tokenizeText(value as string);
      if (tokens.length === 0) {
        throw err('invalid', 'unexpected value for Text type search attribute (no tokens found)', column);
      }
      return { kind: 'compare', op: cmp, field, value, tokens };
    }
    return { kind: 'compare', op: cmp, field, value };
  }
}

function toRaw(lit: Literal): RawValue {
  switch (lit.kind) {
    case 'string':
      return { type: 'string', value: lit.value };
    case 'bool':
      return { type: 'bool', value: lit.value };
    case 'int': {
      // Go: strconv.ParseInt, then ParseFloat when out of int64 range.
      const v = BigInt(lit.value);
      return fitsInt64(v) ? { type: 'int64', value: v } : { type: 'float64', value: Number(lit.value) };
    }
    case 'float':
      return { type: 'float64', value: Number(lit.value) };
    case 'null':
      throw new Error('unreachable: NULL handled by caller');
  }
}

/**
 * Checks and types a parsed query against the search attributes of a namespace. `custom` maps
 * custom attribute names to types; a custom attribute cannot shadow a system or predefined one.
 * Throws QueryParseError with Temporal's messages (see README).
 */
export function resolveFields(query: Query, custom: CustomAttributes = new Map()): ResolvedQuery {
  const r = new Resolver(custom);
  const out: ResolvedQuery = { groupBy: [], orderBy: [], mentionsNamespaceDivision: false };
  if (query.where) out.where = r.resolveExpr(query.where);

  if (query.groupBy.length > 1) {
    throw err('not-supported', "'GROUP BY' clause supports only a single field", query.groupBy[1]!.column);
  }
  for (const ref of query.groupBy) {
    const field = r.resolveField(ref);
    if (!isGroupByAllowed(field.name)) {
      throw err('not-supported', `'GROUP BY' clause is not supported for search attribute ${field.alias}`, ref.column);
    }
    out.groupBy.push(field);
  }

  for (const term of query.orderBy) {
    const field = r.resolveField(term.field);
    // Temporal refuses Text; a KeywordList has no order in SQL (Elasticsearch sorts by an element).
    if (field.type === 'Text' || field.type === 'KeywordList') {
      throw err('not-supported', `unable to sort by search attribute type ${field.type}`, term.field.column);
    }
    out.orderBy.push({ field, direction: term.direction });
  }
  out.mentionsNamespaceDivision = r.mentionsNamespaceDivision;
  return out;
}

/** parseQuery then resolveFields. */
export function parseAndResolve(text: string, custom: CustomAttributes = new Map()): ResolvedQuery {
  return resolveFields(parseQuery(text), custom);
}
