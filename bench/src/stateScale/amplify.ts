import { execFileSync } from 'node:child_process';
import { benchKeyOf, ROWS_PER_KEY, SEED_PREFIX } from './seed';

/*
 * Amplification: the seeded visibility rows (real closed workflows) are copied inside the server's
 * own database, with the server stopped, until the table holds the target number of rows. Each copy
 * gets a new workflow id (`<seed id>-a<copy>`), a new run id and its own BenchKey value; every other
 * column is the seed's. Only the visibility table is amplified: List and Count read nothing else.
 * The SQL is written here against the table found at run time (its columns read from the database),
 * for Kairos's `visibility` table and the Temporal dev server's visibility table alike.
 */

export interface AmplifyReport {
  table: string;
  /** The key of the search-attribute JSON holding BenchKey (Temporal stores an alias). */
  benchKeyField: string;
  rowsBefore: number;
  rowsAfter: number;
  seconds: number;
}

/** Rows per INSERT … SELECT statement (each its own transaction). */
const ROWS_PER_STATEMENT = 50_000;

const seedIndexSql = (column: string, cast: string) => `${cast.replace('$', `substr(${column}, ${SEED_PREFIX.length + 1})`)}`;

/** The search-attribute key whose value in seed 7's row is its BenchKey (seed 7 exists in any seeding of 8 or more). */
function benchKeyField(json: string): string {
  const attributes = JSON.parse(json) as Record<string, unknown>;
  const found = Object.entries(attributes).find(([, v]) => v === benchKeyOf(7) || (Array.isArray(v) && v[0] === benchKeyOf(7)));
  if (!found) throw new Error(`no search attribute of seed 7 holds ${benchKeyOf(7)}: ${json}`);
  return found[0];
}

function copyBatches(seeds: number, targetRows: number): Array<[number, number]> {
  if (targetRows % seeds !== 0) throw new Error(`the target (${targetRows}) must be a multiple of the seeds (${seeds})`);
  const copies = targetRows / seeds - 1;
  const perStatement = Math.max(1, Math.floor(ROWS_PER_STATEMENT / seeds));
  const batches: Array<[number, number]> = [];
  for (let first = 1; first <= copies; first += perStatement) batches.push([first, Math.min(copies, first + perStatement - 1)]);
  return batches;
}

// ---------------------------------------------------------------------------------------------
// SQLite (the sqlite3 command-line shell)

function sqlite(db: string, sql: string): string {
  return execFileSync('sqlite3', ['-batch', '-bail', db], { input: sql, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

const sqliteQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function amplifySqlite(db: string, seeds: number, targetRows: number): AmplifyReport {
  const started = performance.now();
  const tables = sqlite(db, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;`).split('\n');
  const table = tables.find((t) => {
    const cols = sqlite(db, `SELECT name FROM pragma_table_xinfo(${sqliteQuote(t)});`).split('\n');
    return ['workflow_id', 'run_id', 'search_attributes', 'close_time'].every((c) => cols.includes(c));
  });
  if (!table) throw new Error(`no visibility table in ${db} (tables: ${tables.join(', ')})`);
  // Generated columns (hidden 2 and 3) are computed from the others; only stored columns are copied.
  const columns = sqlite(db, `SELECT name || '|' || hidden FROM pragma_table_xinfo(${sqliteQuote(table)});`)
    .split('\n')
    .map((l) => l.split('|'))
    .filter(([, hidden]) => hidden === '0')
    .map(([name]) => name!);
  const seed7 = `${SEED_PREFIX}7`;
  const [attributesType, runIdType] = sqlite(db, `SELECT typeof(search_attributes) || '|' || typeof(run_id) FROM ${table} WHERE workflow_id = '${seed7}';`).split('|');
  const field = benchKeyField(sqlite(db, `SELECT CAST(search_attributes AS TEXT) FROM ${table} WHERE workflow_id = '${seed7}';`));
  const rowsBefore = Number(sqlite(db, `SELECT count(*) FROM ${table};`));
  const seed = seedIndexSql('t.workflow_id', 'CAST($ AS INTEGER)');
  const row = `(copies.c * ${seeds} + ${seed})`;
  const expr = (c: string): string => {
    if (c === 'workflow_id') return `t.workflow_id || '-a' || copies.c`;
    if (c === 'run_id') return runIdType === 'blob' ? 'randomblob(16)' : `substr(t.run_id, 1, 24) || printf('%012x', ${row})`;
    if (c === 'search_attributes') {
      const set = `json_set(CAST(t.search_attributes AS TEXT), ${sqliteQuote(`$."${field}"`)}, 'k-' || (${row} / ${ROWS_PER_KEY}))`;
      return attributesType === 'blob' ? `CAST(${set} AS BLOB)` : set;
    }
    return `t.${c}`;
  };
  const statements = copyBatches(seeds, targetRows).map(
    ([first, last]) => `WITH RECURSIVE copies(c) AS (SELECT ${first} UNION ALL SELECT c + 1 FROM copies WHERE c < ${last})
INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.map(expr).join(', ')} FROM copies, ${table} t
WHERE t.workflow_id GLOB '${SEED_PREFIX}*' AND t.workflow_id NOT GLOB '*-a*';`,
  );
  sqlite(db, `PRAGMA busy_timeout = 10000;\nPRAGMA synchronous = OFF;\nPRAGMA cache_size = -262144;\n${statements.join('\n')}\nPRAGMA wal_checkpoint(TRUNCATE);\n`);
  const rowsAfter = Number(sqlite(db, `SELECT count(*) FROM ${table};`));
  return { table, benchKeyField: field, rowsBefore, rowsAfter, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (psql)

function psql(url: string, sql: string): string {
  return execFileSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-At'], { input: sql, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

export function amplifyPostgres(url: string, seeds: number, targetRows: number, table = 'visibility'): AmplifyReport {
  const started = performance.now();
  const columns = psql(url, `SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' AND table_schema = current_schema() AND is_generated = 'NEVER' ORDER BY ordinal_position;`).split('\n');
  if (!columns.includes('search_attributes')) throw new Error(`table ${table} has no search_attributes column`);
  const field = benchKeyField(psql(url, `SELECT search_attributes::text FROM ${table} WHERE workflow_id = '${SEED_PREFIX}7';`));
  const rowsBefore = Number(psql(url, `SELECT count(*) FROM ${table};`));
  const seed = seedIndexSql('t.workflow_id', '$::integer');
  const row = `(copies.c * ${seeds} + ${seed})`;
  const expr = (c: string): string => {
    if (c === 'workflow_id') return `t.workflow_id || '-a' || copies.c`;
    if (c === 'run_id') return `substr(t.run_id, 1, 24) || lpad(to_hex(${row}), 12, '0')`;
    if (c === 'search_attributes') return `jsonb_set(t.search_attributes, '{${field}}', to_jsonb('k-' || (${row} / ${ROWS_PER_KEY})))`;
    return `t.${c}`;
  };
  for (const [first, last] of copyBatches(seeds, targetRows)) {
    psql(
      url,
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.map(expr).join(', ')} FROM generate_series(${first}, ${last}) AS copies(c), ${table} t
       WHERE t.workflow_id LIKE '${SEED_PREFIX}%' AND t.workflow_id NOT LIKE '%-a%';`,
    );
  }
  // What autovacuum would do after a bulk load anyway; done now so the measurement does not race it.
  psql(url, `VACUUM ANALYZE ${table};`);
  foldKairosCountDeltas(url);
  const rowsAfter = Number(psql(url, `SELECT count(*) FROM ${table};`));
  return { table, benchKeyField: field, rowsBefore, rowsAfter, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

/**
 * Kairos on PostgreSQL (schema 8 on) keeps Count's per-status totals as +1/-1 rows its triggers
 * insert, which the server folds into sums every 1,000 writes of a namespace. The INSERTs above
 * bypass the server, leaving a row per copy: folded here as the server would have folded them
 * along the way (then vacuumed, as autovacuum would have), so Count meets the table a server that
 * wrote these runs itself would hold. Without this, the first Count after the restart sums every
 * row and starts that fold itself, and Counts read past the rows it left dead until they are vacuumed.
 */
function foldKairosCountDeltas(url: string): void {
  if (psql(url, "SELECT to_regclass('visibility_count_deltas') IS NOT NULL;") !== 't') return;
  psql(
    url,
    `WITH folded AS (DELETE FROM visibility_count_deltas RETURNING namespace_id, status, divided, runs)
     INSERT INTO visibility_count_deltas (namespace_id, status, divided, runs)
       SELECT namespace_id, status, divided, SUM(runs) FROM folded GROUP BY 1, 2, 3 HAVING SUM(runs) <> 0;`,
  );
  psql(url, 'VACUUM ANALYZE visibility_count_deltas;');
}
