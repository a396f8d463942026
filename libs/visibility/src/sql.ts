/**
 * Compiles a resolved list filter to parameterised SQL for the visibility table:
 *
 *   visibility (
 *     namespace_id, run_id            -- primary key
 *     workflow_id, workflow_type, status INTEGER (WorkflowExecutionStatus number),
 *     start_time, close_time NULL, execution_time  -- INTEGER/BIGINT milliseconds since the epoch
 *     task_queue, history_length INTEGER, parent_workflow_id NULL, parent_run_id NULL,
 *     root_workflow_id, root_run_id, memo BLOB/BYTEA,
 *     search_attributes TEXT (SQLite, JSON) / JSONB (PostgreSQL) NULL
 *   )
 *
 * search_attributes holds predefined and custom attributes as {"Name": value}: Keyword and Text
 * as strings, Int and Double as numbers, Bool as true/false, Datetime as integer milliseconds,
 * KeywordList as an array of strings. Absent attributes are left out (a JSON null is treated as
 * absent).
 *
 * Two dialects: SQLite (better-sqlite3, `?` parameters) and PostgreSQL (pg, `$n` parameters
 * with explicit casts). Semantics are those of SQL: a condition on an absent attribute is
 * unknown, so `X != 'a'` and `NOT X = 'a'` do not match executions without X (as in Temporal's
 * SQL visibility for scalar attributes); `X IS NULL` does.
 */
import { InvalidPageTokenError, QueryParseError } from './errors';
import {
  EXECUTION_STATUS_NAMES,
  NAMESPACE_DIVISION,
  type ResolvedExpr,
  type ResolvedField,
  type ResolvedQuery,
  type SearchAttributeType,
  type Value,
} from './fields';
import { TEXT_SEPARATORS, nanosToMillis } from './values';

export type Dialect = 'sqlite' | 'postgres';

export interface VisibilitySqlOptions {
  dialect: Dialect;
  /** Table name (default `visibility`). */
  table?: string;
  /**
   * Add `TemporalNamespaceDivision IS NULL` when the query does not name that attribute, as
   * Temporal does (default true). Executions of internal workflows (schedulers) set it.
   */
  hideNamespaceDivisions?: boolean;
  /**
   * Columns for the system attributes the base schema lacks. Without one, a query on
   * HistorySizeBytes or StateTransitionCount is refused as not supported.
   */
  extraColumns?: Partial<Record<'HistorySizeBytes' | 'StateTransitionCount', string>>;
}

export interface SqlStatement {
  sql: string;
  params: unknown[];
}

/** Temporal's maxDatetime for COALESCE(close_time, …): 9999-12-31T23:59:59Z, in milliseconds. */
export const MAX_CLOSE_TIME_MS = 253402300799000;

const SYSTEM_COLUMNS: Record<string, string> = {
  WorkflowId: 'workflow_id',
  RunId: 'run_id',
  WorkflowType: 'workflow_type',
  StartTime: 'start_time',
  ExecutionTime: 'execution_time',
  CloseTime: 'close_time',
  ExecutionStatus: 'status',
  TaskQueue: 'task_queue',
  HistoryLength: 'history_length',
  ParentWorkflowId: 'parent_workflow_id',
  ParentRunId: 'parent_run_id',
  RootWorkflowId: 'root_workflow_id',
  RootRunId: 'root_run_id',
  // Temporal stores close time minus execution time, in nanoseconds; we compute it, in ms.
  ExecutionDuration: '(close_time - execution_time)',
};

/** How a value is bound and compared. */
type ValueKind = 'int' | 'float' | 'text' | 'bool';

const PG_CAST: Record<ValueKind, string> = { int: 'bigint', float: 'double precision', text: 'text', bool: 'boolean' };

class Params {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: Dialect) {}

  add(value: unknown, kind: ValueKind): string {
    let v = value;
    if (this.dialect === 'sqlite') {
      if (typeof v === 'boolean') v = v ? 1 : 0;
    } else if (typeof v === 'bigint') {
      v = v.toString();
    }
    this.values.push(v);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}::${PG_CAST[kind]}`;
  }
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

function checkIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) throw new Error(`invalid SQL identifier ${JSON.stringify(name)}`);
  return name;
}

/** Prefix for SQLite GLOB: `*`, `?` and `[` are matched literally by wrapping them in brackets. */
export function escapeGlobPrefix(prefix: string): string {
  return `${prefix.replace(/[*?[]/g, (c) => `[${c}]`)}*`;
}

/**
 * A GLOB character class matching any Text separator: `]` must come first, `-` last, and `^`
 * anywhere but first; GLOB has no escapes.
 */
const GLOB_SEPARATOR_CLASS = `[]${[...TEXT_SEPARATORS].filter((c) => c !== ']' && c !== '-').join('')}-]`;

/** Prefix for LIKE … ESCAPE '\': `%`, `_` and `\` are escaped with a backslash. */
export function escapeLikePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * SQLite's expression for a search attribute's value. A store's expression index on it must use
 * this exact text: SQLite matches indexed expressions by their form.
 */
export function sqliteSearchAttributeExpr(name: string): string {
  return `json_extract(search_attributes, ${sqlString(`$."${name}"`)})`;
}

function valueKind(field: ResolvedField): ValueKind {
  if (field.category === 'system' && field.name === 'ExecutionStatus') return 'int';
  switch (field.type) {
    case 'Int':
    case 'Datetime':
      return 'int';
    case 'Double':
      return 'float';
    case 'Bool':
      return 'bool';
    default:
      return 'text';
  }
}

class Compiler {
  readonly params: Params;
  private readonly table: string;

  constructor(private readonly opts: VisibilitySqlOptions) {
    this.params = new Params(opts.dialect);
    this.table = checkIdentifier(opts.table ?? 'visibility');
  }

  private get pg(): boolean {
    return this.opts.dialect === 'postgres';
  }

  private notSupported(detail: string, field: ResolvedField): never {
    throw new QueryParseError('not-supported', detail, field.column);
  }

  private jsonName(field: ResolvedField): string {
    if (!this.pg && field.name.includes('"')) {
      this.notSupported(`search attribute name ${JSON.stringify(field.name)} cannot be queried in SQLite`, field);
    }
    return field.name;
  }

  /** SQL for the raw JSON value (SQLite: json_extract; PostgreSQL: jsonb via ->). */
  private jsonRef(field: ResolvedField, asText: boolean): string {
    const name = this.jsonName(field);
    if (this.pg) return `(search_attributes${asText ? '->>' : '->'}${sqlString(name)})`;
    return sqliteSearchAttributeExpr(name);
  }

  /** SQL expression whose value is the attribute, typed for comparisons and ordering. */
  fieldExpr(field: ResolvedField): string {
    if (field.category === 'system') {
      const extra = this.opts.extraColumns?.[field.name as 'HistorySizeBytes' | 'StateTransitionCount'];
      const column = SYSTEM_COLUMNS[field.name] ?? (extra ? checkIdentifier(extra) : undefined);
      if (!column) this.notSupported(`search attribute ${field.alias} is not stored in this visibility store`, field);
      return column;
    }
    if (!this.pg || field.type === 'KeywordList') return this.jsonRef(field, field.type !== 'KeywordList');
    const text = this.jsonRef(field, true);
    switch (field.type) {
      case 'Int':
      case 'Datetime':
        return `(${text}::bigint)`;
      case 'Double':
        return `(${text}::double precision)`;
      case 'Bool':
        return `(${text}::boolean)`;
      default:
        return text;
    }
  }

  /** Keyword comparisons in PostgreSQL use the "C" collation: code-point order, as SQLite and Elasticsearch. */
  private ordered(field: ResolvedField, expr: string): string {
    return this.pg && valueKind(field) === 'text' ? `(${expr} COLLATE "C")` : expr;
  }

  /** Binds a resolved value, converted to storage units (Datetime and ExecutionDuration: ms). */
  private bind(field: ResolvedField, value: Value): string {
    let v: unknown = value;
    let kind = valueKind(field);
    if (typeof value === 'bigint' && (field.type === 'Datetime' || field.name === 'ExecutionDuration')) {
      v = nanosToMillis(value);
    }
    if (kind === 'int' && typeof v === 'number' && !Number.isInteger(v)) kind = 'float';
    return this.params.add(v, kind);
  }

  compile(e: ResolvedExpr, positive = true): string {
    switch (e.kind) {
      case 'and':
        return `(${this.compile(e.left, positive)} AND ${this.compile(e.right, positive)})`;
      case 'or':
        return `(${this.compile(e.left, positive)} OR ${this.compile(e.right, positive)})`;
      case 'not':
        return `NOT (${this.compile(e.expr, !positive)})`;
      case 'isNull': {
        const f = e.field;
        const expr = f.category === 'system' ? this.fieldExpr(f) : this.jsonRef(f, true);
        return `${expr} IS ${e.negated ? 'NOT ' : ''}NULL`;
      }
      case 'between': {
        const x = this.ordered(e.field, this.fieldExpr(e.field));
        return `${x} ${e.negated ? 'NOT ' : ''}BETWEEN ${this.bind(e.field, e.from)} AND ${this.bind(e.field, e.to)}`;
      }
      case 'in': {
        if (e.field.type === 'KeywordList') {
          const has = this.listContains(e.field, e.values as string[], e.negated ? !positive : positive);
          return e.negated ? `NOT (${has})` : has;
        }
        const x = this.fieldExpr(e.field);
        const list = e.values.map((v) => this.bind(e.field, v)).join(', ');
        return `${x} ${e.negated ? 'NOT ' : ''}IN (${list})`;
      }
      case 'compare':
        return this.compileComparison(e, positive);
    }
  }

  private compileComparison(e: Extract<ResolvedExpr, { kind: 'compare' }>, positive: boolean): string {
    const { field, op } = e;
    if (field.type === 'KeywordList') {
      const negated = op === '!=';
      const has = this.listContains(field, [e.value as string], negated ? !positive : positive);
      return negated ? `NOT (${has})` : has;
    }
    if (field.type === 'Text') {
      const words = this.textMatches(field, e.tokens ?? []);
      return op === '!=' ? `NOT (${words})` : words;
    }
    if (op === 'starts_with' || op === 'not starts_with') {
      const x = this.fieldExpr(field);
      const prefix = e.value as string;
      const not = op === 'not starts_with' ? 'NOT ' : '';
      // SQLite's LIKE ignores ASCII case; GLOB is case-sensitive like Temporal's other stores.
      if (!this.pg) return `${x} ${not}GLOB ${this.params.add(escapeGlobPrefix(prefix), 'text')}`;
      return `${x} ${not}LIKE ${this.params.add(escapeLikePrefix(prefix), 'text')} ESCAPE '\\'`;
    }
    if (this.pg && op === '=' && positive && field.category !== 'system' && field.type === 'Keyword') {
      // Containment, which the GIN index on search_attributes serves (->> would scan the table).
      // Same rows as ->> = for a string; only where no NOT applies: a row without the attribute
      // is false here, NULL there.
      return `search_attributes @> jsonb_build_object(${sqlString(this.jsonName(field))}, ${this.bind(field, e.value)})`;
    }
    const x = op === '=' || op === '!=' ? this.fieldExpr(field) : this.ordered(field, this.fieldExpr(field));
    return `${x} ${op === '!=' ? '<>' : op} ${this.bind(field, e.value)}`;
  }

  /**
   * Whether a KeywordList attribute holds any of `values`. Where the result feeds a NOT
   * (`positive` false), an absent attribute must give NULL rather than false, so the test is
   * guarded; elsewhere NULL and false filter alike and the plain (indexable) form is used.
   */
  private listContains(field: ResolvedField, values: string[], positive: boolean): string {
    const name = this.jsonName(field);
    let has: string;
    if (this.pg) {
      const parts = values.map((v) => `search_attributes @> jsonb_build_object(${sqlString(name)}, jsonb_build_array(${this.params.add(v, 'text')}))`);
      has = parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
    } else {
      const list = values.map((v) => this.params.add(v, 'text')).join(', ');
      has = `EXISTS (SELECT 1 FROM json_each(${this.table}.search_attributes, ${sqlString(`$."${name}"`)}) WHERE json_each.value IN (${list}))`;
    }
    if (positive) return has;
    return `CASE WHEN ${this.jsonRef(field, true)} IS NULL THEN NULL ELSE ${has} END`;
  }

  /**
   * Text `=`: any word of the value is a word of the attribute. Words are separated by ASCII
   * white space and punctuation and compared case-insensitively (with the database's lower()).
   */
  private textMatches(field: ResolvedField, tokens: string[]): string {
    // Tokens hold no separator, hence none of the LIKE/GLOB wildcards either.
    const raw = this.jsonRef(field, true);
    let parts: string[];
    if (this.pg) {
      const normalized = `translate(${raw}, ${sqlString(TEXT_SEPARATORS)}, ${sqlString(' '.repeat(TEXT_SEPARATORS.length))})`;
      parts = tokens.map((t) => `(' ' || lower(${normalized}) || ' ') LIKE ('% ' || lower(${this.params.add(t, 'text')}) || ' %')`);
    } else {
      // SQLite has no translate(): a GLOB class of the separators marks the word boundaries.
      const boundary = sqlString(GLOB_SEPARATOR_CLASS);
      parts = tokens.map((t) => `(' ' || lower(${raw}) || ' ') GLOB ('*' || ${boundary} || lower(${this.params.add(t, 'text')}) || ${boundary} || '*')`);
    }
    return parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
  }

  /** namespace filter, namespace-division filter and the query's own condition. */
  filter(query: ResolvedQuery, namespaceId: string): string[] {
    const clauses = [`namespace_id = ${this.params.add(namespaceId, 'text')}`];
    if ((this.opts.hideNamespaceDivisions ?? true) && !query.mentionsNamespaceDivision) {
      const division: ResolvedField = { name: NAMESPACE_DIVISION, alias: NAMESPACE_DIVISION, type: 'Keyword', category: 'predefined', column: 0 };
      clauses.push(`${this.jsonRef(division, true)} IS NULL`);
    }
    if (query.where) clauses.push(this.compile(query.where));
    return clauses;
  }
}

/** The query's condition alone (no namespace or division filter), e.g. for tests or EXPLAIN. */
export function compileFilter(query: ResolvedQuery, opts: VisibilitySqlOptions): SqlStatement {
  const c = new Compiler(opts);
  const sql = query.where ? c.compile(query.where) : 'TRUE';
  return { sql, params: c.params.values };
}

// ---------------------------------------------------------------------------------------------
// Ordering and page tokens

interface SortKey {
  expr: string;
  direction: 'asc' | 'desc';
  kind: ValueKind;
  nullable: boolean;
}

function sortKeys(query: ResolvedQuery, c: Compiler, pg: boolean): { keys: SortKey[]; fingerprint: string } {
  if (query.orderBy.length === 0) {
    // Temporal's SQL order: COALESCE(close_time, max) DESC, start_time DESC, run_id (ASC):
    // running executions first, then the most recently closed.
    return {
      fingerprint: 'default',
      keys: [
        { expr: `COALESCE(close_time, ${MAX_CLOSE_TIME_MS})`, direction: 'desc', kind: 'int', nullable: false },
        { expr: 'start_time', direction: 'desc', kind: 'int', nullable: false },
        { expr: 'run_id', direction: 'asc', kind: 'text', nullable: false },
      ],
    };
  }
  // Custom order as Temporal's Elasticsearch store: missing values last in either direction,
  // then RunId descending as the tie-breaker.
  const keys: SortKey[] = query.orderBy.map(({ field, direction }) => {
    const kind = valueKind(field);
    let expr = c.fieldExpr(field);
    if (pg && kind === 'text') expr = `(${expr} COLLATE "C")`;
    return { expr, direction, kind: field.type === 'Double' ? 'float' : kind, nullable: true };
  });
  keys.push({ expr: 'run_id', direction: 'desc', kind: 'text', nullable: false });
  return { keys, fingerprint: query.orderBy.map((t) => `${t.field.name}:${t.direction}`).join(',') };
}

function orderByClause(keys: SortKey[]): string {
  return keys.map((k) => `${k.expr} ${k.direction.toUpperCase()}${k.nullable ? ' NULLS LAST' : ''}`).join(', ');
}

type TokenValue = number | string | boolean | null | { $i: string };

interface PageTokenData {
  o: string;
  k: TokenValue[];
}

/** A sort-key value read from a row, made JSON-safe for the token. */
function tokenValue(raw: unknown, key: SortKey): TokenValue {
  if (raw === null || raw === undefined) {
    if (!key.nullable) throw new Error('page token: sort key of the last row is null');
    return null;
  }
  switch (key.kind) {
    case 'int': {
      const big = typeof raw === 'bigint' ? raw : typeof raw === 'number' && Number.isInteger(raw) ? BigInt(raw) : /^-?\d+$/.test(String(raw)) ? BigInt(String(raw)) : undefined;
      if (big === undefined) return Number(raw);
      return Number.isSafeInteger(Number(big)) ? Number(big) : { $i: big.toString() };
    }
    case 'float':
      return Number(raw);
    case 'bool':
      return raw === true || raw === 1 || raw === 1n || raw === 't' || raw === 'true';
    case 'text':
      return String(raw);
  }
}

function fromTokenValue(v: TokenValue, key: SortKey): unknown {
  const bad = () => new InvalidPageTokenError('sort key of the wrong type');
  if (v === null) {
    if (!key.nullable) throw bad();
    return null;
  }
  switch (key.kind) {
    case 'int':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'object' && typeof v.$i === 'string' && /^-?\d+$/.test(v.$i)) return BigInt(v.$i);
      throw bad();
    case 'float':
      if (typeof v === 'number') return v;
      throw bad();
    case 'bool':
      if (typeof v === 'boolean') return v;
      throw bad();
    case 'text':
      if (typeof v === 'string') return v;
      throw bad();
  }
}

function decodePageToken(token: Uint8Array, fingerprint: string, keys: SortKey[]): unknown[] {
  let data: PageTokenData;
  try {
    data = JSON.parse(Buffer.from(token).toString('utf8')) as PageTokenData;
  } catch {
    throw new InvalidPageTokenError('not a visibility page token');
  }
  if (typeof data !== 'object' || data === null || typeof data.o !== 'string' || !Array.isArray(data.k)) {
    throw new InvalidPageTokenError('not a visibility page token');
  }
  if (data.o !== fingerprint) throw new InvalidPageTokenError('the token was issued for a different ORDER BY');
  if (data.k.length !== keys.length) {
    throw new InvalidPageTokenError(`expected ${keys.length} sort fields, got ${data.k.length}`);
  }
  return data.k.map((v, i) => fromTokenValue(v, keys[i]!));
}

/**
 * Keyset condition selecting the rows after `values` in the order of `keys` (missing values
 * last): OR over i of (keys before i equal) AND (key i after).
 */
function keysetCondition(keys: SortKey[], values: unknown[], params: Params): string {
  const disjuncts: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = values[i];
    if (v === null) continue; // nothing sorts after a missing value
    const conj: string[] = [];
    for (let j = 0; j < i; j++) {
      const kj = keys[j]!;
      const vj = values[j];
      conj.push(vj === null ? `${kj.expr} IS NULL` : `${kj.expr} = ${params.add(vj, kj.kind)}`);
    }
    const after = `${key.expr} ${key.direction === 'asc' ? '>' : '<'} ${params.add(v, key.kind)}`;
    conj.push(key.nullable ? `(${after} OR ${key.expr} IS NULL)` : after);
    disjuncts.push(conj.length === 1 ? conj[0]! : `(${conj.join(' AND ')})`);
  }
  return disjuncts.length === 0 ? 'FALSE' : `(${disjuncts.join(' OR ')})`;
}

/** Name of the i-th sort-key column added to a list query's SELECT list. */
export const sortKeyColumn = (i: number) => `__sk${i}`;

export interface ListQueryRequest {
  namespaceId: string;
  pageSize: number;
  /** The next_page_token of the previous page, if any. */
  pageToken?: Uint8Array | null;
  /** Columns to select (default `*`); the sort-key columns `__sk0…` are always added. */
  columns?: string[];
}

export interface ListQuery extends SqlStatement {
  /**
   * The token for the page after `rows` (the rows this statement returned, in order), or
   * undefined when fewer than pageSize rows came back. As in Temporal, a full last page yields
   * a token whose page is empty.
   */
  nextPageToken(rows: ReadonlyArray<Record<string, unknown>>): Buffer | undefined;
}

/**
 * SELECT for ListWorkflowExecutions / ScanWorkflowExecutions: the page of `pageSize` rows of
 * namespace `namespaceId` matching the query, after the page token's row, in the query's order
 * (Temporal's default order when it has no ORDER BY). Paging is by keyset for every order.
 */
export function buildListQuery(query: ResolvedQuery, request: ListQueryRequest, opts: VisibilitySqlOptions): ListQuery {
  if (query.groupBy.length > 0) {
    throw new QueryParseError('not-supported', "'GROUP BY' clause", query.groupBy[0]!.column);
  }
  if (!Number.isInteger(request.pageSize) || request.pageSize <= 0) throw new Error(`invalid page size ${request.pageSize}`);
  const c = new Compiler(opts);
  const pg = opts.dialect === 'postgres';
  const table = checkIdentifier(opts.table ?? 'visibility');
  // Sort-key expressions first: they add no parameters, and SELECT comes before WHERE.
  const { keys, fingerprint } = sortKeys(query, c, pg);
  const tokenValues = request.pageToken && request.pageToken.length > 0 ? decodePageToken(request.pageToken, fingerprint, keys) : undefined;
  const columns = (request.columns ?? ['*']).join(', ');
  const select = `${columns}, ${keys.map((k, i) => `${k.expr} AS "${sortKeyColumn(i)}"`).join(', ')}`;
  const where = c.filter(query, request.namespaceId);
  if (tokenValues) where.push(keysetCondition(keys, tokenValues, c.params));
  const limit = c.params.add(request.pageSize, 'int');
  const sql = `SELECT ${select} FROM ${table} WHERE ${where.join(' AND ')} ORDER BY ${orderByClause(keys)} LIMIT ${limit}`;
  const pageSize = request.pageSize;
  return {
    sql,
    params: c.params.values,
    nextPageToken(rows) {
      if (rows.length < pageSize || rows.length === 0) return undefined;
      const last = rows[rows.length - 1]!;
      const data: PageTokenData = { o: fingerprint, k: keys.map((k, i) => tokenValue(last[sortKeyColumn(i)], k)) };
      return Buffer.from(JSON.stringify(data), 'utf8');
    },
  };
}

export interface CountGroup {
  /** The group's value: ExecutionStatus as its name (`Running`), other fields as stored. */
  value: unknown;
  count: number;
}

export interface CountResult {
  count: number;
  /** Present for GROUP BY queries. */
  groups?: CountGroup[];
}

export interface CountQuery extends SqlStatement {
  /** The GROUP BY field, if any. */
  groupBy?: ResolvedField;
  /** Turns the rows of this statement into the count (and groups). */
  readResult(rows: ReadonlyArray<Record<string, unknown>>): CountResult;
}

/**
 * SELECT for CountWorkflowExecutions: `COUNT(*) AS "count"`, or with GROUP BY (ExecutionStatus
 * or TemporalNamespaceDivision) one row per value: `"group_value"`, `"count"`. ORDER BY is
 * ignored.
 */
export function buildCountQuery(query: ResolvedQuery, request: { namespaceId: string }, opts: VisibilitySqlOptions): CountQuery {
  const c = new Compiler(opts);
  const table = checkIdentifier(opts.table ?? 'visibility');
  const groupBy = query.groupBy[0];
  const groupExpr = groupBy ? c.fieldExpr(groupBy) : undefined;
  const where = c.filter(query, request.namespaceId).join(' AND ');
  const sql = groupExpr
    ? `SELECT ${groupExpr} AS "group_value", COUNT(*) AS "count" FROM ${table} WHERE ${where} GROUP BY ${groupExpr}`
    : `SELECT COUNT(*) AS "count" FROM ${table} WHERE ${where}`;
  return {
    sql,
    params: c.params.values,
    groupBy,
    readResult(rows) {
      if (!groupBy) return { count: Number(rows[0]?.count ?? 0) };
      const groups = rows.map((r) => ({ value: groupValue(groupBy, r.group_value), count: Number(r.count) }));
      return { count: groups.reduce((s, g) => s + g.count, 0), groups };
    },
  };
}

function groupValue(field: ResolvedField, raw: unknown): unknown {
  if (field.category === 'system' && field.name === 'ExecutionStatus' && raw !== null && raw !== undefined) {
    return EXECUTION_STATUS_NAMES[Number(raw)] ?? raw;
  }
  return raw ?? null;
}

export type { SearchAttributeType };
