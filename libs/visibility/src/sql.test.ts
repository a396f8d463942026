import { describe, expect, it } from 'vitest';
import { InvalidPageTokenError, QueryParseError } from './errors';
import { parseAndResolve, type SearchAttributeType } from './fields';
import { buildCountQuery, buildListQuery, compileFilter, escapeGlobPrefix, escapeLikePrefix, MAX_CLOSE_TIME_MS, type Dialect } from './sql';

const custom = new Map<string, SearchAttributeType>([
  ['Kw', 'Keyword'],
  ['Txt', 'Text'],
  ['Num', 'Int'],
  ['Dbl', 'Double'],
  ['Flag', 'Bool'],
  ['Due', 'Datetime'],
  ['Tags', 'KeywordList'],
  ["It's", 'Keyword'],
  ['Say "hi"', 'Keyword'],
]);

const filter = (q: string, dialect: Dialect) => compileFilter(parseAndResolve(q, custom), { dialect });
const sqlite = (q: string) => filter(q, 'sqlite');
const pg = (q: string) => filter(q, 'postgres');

const JAN1_MS = Date.UTC(2024, 0, 1);

describe('compileFilter: system attributes', () => {
  it.each<[string, string, string, unknown[]]>([
    ["WorkflowId = 'a'", 'workflow_id = ?', 'workflow_id = $1::text', ['a']],
    ["WorkflowId != 'a'", 'workflow_id <> ?', 'workflow_id <> $1::text', ['a']],
    ["WorkflowId < 'a'", 'workflow_id < ?', '(workflow_id COLLATE "C") < $1::text', ['a']],
    ["WorkflowType >= 'a'", 'workflow_type >= ?', '(workflow_type COLLATE "C") >= $1::text', ['a']],
    ["RunId IN ('a', 'b')", 'run_id IN (?, ?)', 'run_id IN ($1::text, $2::text)', ['a', 'b']],
    ["TaskQueue NOT IN ('q')", 'task_queue NOT IN (?)', 'task_queue NOT IN ($1::text)', ['q']],
    ["ExecutionStatus = 'Running'", 'status = ?', 'status = $1::bigint', [1]],
    ["ExecutionStatus IN ('Completed', 'TimedOut')", 'status IN (?, ?)', 'status IN ($1::bigint, $2::bigint)', [2, 7]],
    ["ExecutionStatus > 'Running'", 'status > ?', 'status > $1::bigint', [1]],
    ['HistoryLength > 10', 'history_length > ?', 'history_length > $1::bigint', [10]],
    ['HistoryLength > 10.5', 'history_length > ?', 'history_length > $1::double precision', [10.5]],
    ['HistoryLength BETWEEN 1 AND 2', 'history_length BETWEEN ? AND ?', 'history_length BETWEEN $1::bigint AND $2::bigint', [1, 2]],
    ['HistoryLength NOT BETWEEN 1 AND 2', 'history_length NOT BETWEEN ? AND ?', 'history_length NOT BETWEEN $1::bigint AND $2::bigint', [1, 2]],
    ["StartTime > '2024-01-01T00:00:00Z'", 'start_time > ?', 'start_time > $1::bigint', [JAN1_MS]],
    ["StartTime > '2024-01-01T00:00:00.0019999Z'", 'start_time > ?', 'start_time > $1::bigint', [JAN1_MS + 1]],
    [`CloseTime < ${BigInt(JAN1_MS) * 1_000_000n + 5n}`, 'close_time < ?', 'close_time < $1::bigint', [JAN1_MS]],
    ['CloseTime IS NULL', 'close_time IS NULL', 'close_time IS NULL', []],
    ['ParentWorkflowId IS NOT NULL', 'parent_workflow_id IS NOT NULL', 'parent_workflow_id IS NOT NULL', []],
    ["ExecutionDuration > '1s'", '(close_time - execution_time) > ?', '(close_time - execution_time) > $1::bigint', [1000]],
    ['ExecutionDuration <= 2500000', '(close_time - execution_time) <= ?', '(close_time - execution_time) <= $1::bigint', [2]],
    ["RootRunId = 'r'", 'root_run_id = ?', 'root_run_id = $1::text', ['r']],
  ])('%s', (q, lite, post, params) => {
    expect(sqlite(q)).toEqual({ sql: lite, params });
    expect(pg(q)).toEqual({ sql: post, params });
  });

  it('compiles STARTS_WITH to a case-sensitive prefix test with wildcards escaped', () => {
    expect(sqlite("WorkflowId STARTS_WITH 'a_b%c*d?e[f'")).toEqual({ sql: 'workflow_id GLOB ?', params: ['a_b%c[*]d[?]e[[]f*'] });
    expect(pg("WorkflowId STARTS_WITH 'a_b%c\\\\d'")).toEqual({ sql: "workflow_id LIKE $1::text ESCAPE '\\'", params: ['a\\_b\\%c\\\\d%'] });
    expect(sqlite("WorkflowId NOT STARTS_WITH 'x'")).toEqual({ sql: 'workflow_id NOT GLOB ?', params: ['x*'] });
    expect(pg("WorkflowId NOT STARTS_WITH 'x'")).toEqual({ sql: "workflow_id NOT LIKE $1::text ESCAPE '\\'", params: ['x%'] });
    expect(escapeGlobPrefix('')).toBe('*');
    expect(escapeLikePrefix('')).toBe('%');
  });

  it('keeps the structure of AND, OR and NOT', () => {
    expect(sqlite("NOT (WorkflowId = 'a' OR RunId = 'b') AND HistoryLength > 1").sql).toBe('(NOT ((workflow_id = ? OR run_id = ?)) AND history_length > ?)');
    expect(pg("WorkflowId = 'a' OR RunId = 'b' AND HistoryLength > 1").sql).toBe('(workflow_id = $1::text OR (run_id = $2::text AND history_length > $3::bigint))');
    expect(sqlite('').sql).toBe('TRUE');
  });
});

describe('compileFilter: attributes in search_attributes', () => {
  it.each<[string, string, string, unknown[]]>([
    // Keyword equality on PostgreSQL is containment, which the GIN index serves.
    ["Kw = 'a'", `json_extract(search_attributes, '$."Kw"') = ?`, `search_attributes @> jsonb_build_object('Kw', $1::text)`, ['a']],
    ["Kw != 'a'", `json_extract(search_attributes, '$."Kw"') <> ?`, `(search_attributes->>'Kw') <> $1::text`, ['a']],
    ["Kw > 'a'", `json_extract(search_attributes, '$."Kw"') > ?`, `((search_attributes->>'Kw') COLLATE "C") > $1::text`, ['a']],
    ['Num >= 3', `json_extract(search_attributes, '$."Num"') >= ?`, `((search_attributes->>'Num')::bigint) >= $1::bigint`, [3]],
    ['Num = 9007199254740993', `json_extract(search_attributes, '$."Num"') = ?`, `((search_attributes->>'Num')::bigint) = $1::bigint`, [9007199254740993n]],
    ['Dbl < 2', `json_extract(search_attributes, '$."Dbl"') < ?`, `((search_attributes->>'Dbl')::double precision) < $1::double precision`, [2]],
    ['Flag = true', `json_extract(search_attributes, '$."Flag"') = ?`, `((search_attributes->>'Flag')::boolean) = $1::boolean`, [true]],
    ["Due BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-02T00:00:00Z'", `json_extract(search_attributes, '$."Due"') BETWEEN ? AND ?`, `((search_attributes->>'Due')::bigint) BETWEEN $1::bigint AND $2::bigint`, [JAN1_MS, JAN1_MS + 86_400_000]],
    ['Kw IS NULL', `json_extract(search_attributes, '$."Kw"') IS NULL`, `(search_attributes->>'Kw') IS NULL`, []],
    ['Tags IS NOT NULL', `json_extract(search_attributes, '$."Tags"') IS NOT NULL`, `(search_attributes->>'Tags') IS NOT NULL`, []],
    ["`It's` = 'x'", `json_extract(search_attributes, '$."It''s"') = ?`, `search_attributes @> jsonb_build_object('It''s', $1::text)`, ['x']],
    ['BuildIds IS NULL', `json_extract(search_attributes, '$."BuildIds"') IS NULL`, `(search_attributes->>'BuildIds') IS NULL`, []],
  ])('%s', (q, lite, post, params) => {
    const l = sqlite(q);
    const p = pg(q);
    expect(l.sql).toBe(lite);
    expect(p.sql).toBe(post);
    // better-sqlite3 binds booleans as 1/0; pg gets bigints as strings.
    expect(l.params).toEqual(params.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)));
    expect(p.params).toEqual(params.map((v) => (typeof v === 'bigint' ? v.toString() : v)));
  });

  it('keeps ->> for Keyword = under a NOT, where a row without the attribute must stay unknown', () => {
    expect(pg("NOT Kw = 'a'").sql).toBe(`NOT ((search_attributes->>'Kw') = $1::text)`);
    expect(pg("Kw = 'a' AND NOT (Kw = 'b')").sql).toBe(
      `(search_attributes @> jsonb_build_object('Kw', $1::text) AND NOT ((search_attributes->>'Kw') = $2::text))`,
    );
  });

  it('tests KeywordList membership, guarding absent lists where a NOT applies', () => {
    expect(sqlite("Tags = 'a'")).toEqual({
      sql: `EXISTS (SELECT 1 FROM json_each(visibility.search_attributes, '$."Tags"') WHERE json_each.value IN (?))`,
      params: ['a'],
    });
    expect(sqlite("Tags IN ('a', 'b')").sql).toBe(`EXISTS (SELECT 1 FROM json_each(visibility.search_attributes, '$."Tags"') WHERE json_each.value IN (?, ?))`);
    expect(sqlite("Tags != 'a'").sql).toBe(
      `NOT (CASE WHEN json_extract(search_attributes, '$."Tags"') IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM json_each(visibility.search_attributes, '$."Tags"') WHERE json_each.value IN (?)) END)`,
    );
    expect(pg("Tags = 'a'")).toEqual({ sql: `search_attributes @> jsonb_build_object('Tags', jsonb_build_array($1::text))`, params: ['a'] });
    expect(pg("Tags NOT IN ('a', 'b')").sql).toBe(
      `NOT (CASE WHEN (search_attributes->>'Tags') IS NULL THEN NULL ELSE (search_attributes @> jsonb_build_object('Tags', jsonb_build_array($1::text)) OR search_attributes @> jsonb_build_object('Tags', jsonb_build_array($2::text))) END)`,
    );
    // Double negation needs no guard; a single NOT around = does.
    expect(pg("NOT Tags != 'a'").sql).toBe(`NOT (NOT (search_attributes @> jsonb_build_object('Tags', jsonb_build_array($1::text))))`);
    expect(pg("NOT Tags = 'a'").sql).toContain('CASE WHEN');
  });

  it('matches Text words case-insensitively', () => {
    const l = sqlite("Txt = 'Hello, world'");
    expect(l.params).toEqual(['Hello', 'world']);
    expect(l.sql).toMatch(/^\(\(' ' \|\| lower\(json_extract\(search_attributes, '\$\."Txt"'\)\) \|\| ' '\) GLOB \('\*' \|\| '\[\][\s\S]*-\]' \|\| lower\(\?\) \|\| '\[\][\s\S]*-\]' \|\| '\*'\) OR /);
    const p = pg("Txt != 'hello'");
    expect(p.params).toEqual(['hello']);
    expect(p.sql).toMatch(/^NOT \(\(' ' \|\| lower\(translate\(\(search_attributes->>'Txt'\), ' \t\n\r!"#\$%&''\(\)\*\+,-\.\/:;<=>\?@\[\\\]\^_`\{\|\}~', ' +'\)\) \|\| ' '\) LIKE \('% ' \|\| lower\(\$1::text\) \|\| ' %'\)\)$/);
  });

  it('refuses names SQLite JSON paths cannot express', () => {
    expect(() => sqlite("`Say \"hi\"` = 'x'")).toThrow(QueryParseError);
    expect(pg("`Say \"hi\"` = 'x'").sql).toBe(`search_attributes @> jsonb_build_object('Say "hi"', $1::text)`);
  });

  it('refuses system attributes the schema lacks unless a column is given', () => {
    const q = parseAndResolve('HistorySizeBytes > 10');
    expect(() => compileFilter(q, { dialect: 'sqlite' })).toThrow(
      'invalid query: operation is not supported: search attribute HistorySizeBytes is not stored in this visibility store',
    );
    expect(compileFilter(q, { dialect: 'postgres', extraColumns: { HistorySizeBytes: 'history_size_bytes' } }).sql).toBe('history_size_bytes > $1::bigint');
  });
});

describe('buildListQuery', () => {
  it('builds the default order with namespace and division filters', () => {
    const q = buildListQuery(parseAndResolve("WorkflowId = 'w'"), { namespaceId: 'ns', pageSize: 10 }, { dialect: 'sqlite' });
    expect(q.sql).toBe(
      `SELECT *, COALESCE(close_time, ${MAX_CLOSE_TIME_MS}) AS "__sk0", start_time AS "__sk1", run_id AS "__sk2" FROM visibility ` +
        `WHERE namespace_id = ? AND json_extract(search_attributes, '$."TemporalNamespaceDivision"') IS NULL AND workflow_id = ? ` +
        `ORDER BY COALESCE(close_time, ${MAX_CLOSE_TIME_MS}) DESC, start_time DESC, run_id ASC LIMIT ?`,
    );
    expect(q.params).toEqual(['ns', 'w', 10]);
  });

  it('adds Temporal-shaped keyset conditions from a page token', () => {
    const first = buildListQuery(parseAndResolve(''), { namespaceId: 'ns', pageSize: 2 }, { dialect: 'postgres', hideNamespaceDivisions: false, table: 'vis' });
    const token = first.nextPageToken([
      { __sk0: '200', __sk1: '100', __sk2: 'a' },
      { __sk0: '150', __sk1: '90', __sk2: 'b' },
    ]);
    expect(JSON.parse(token!.toString())).toEqual({ o: 'default', k: [150, 90, 'b'] });
    const next = buildListQuery(parseAndResolve(''), { namespaceId: 'ns', pageSize: 2, pageToken: token, columns: ['run_id', 'workflow_id'] }, { dialect: 'postgres', hideNamespaceDivisions: false, table: 'vis' });
    const c = `COALESCE(close_time, ${MAX_CLOSE_TIME_MS})`;
    expect(next.sql).toBe(
      `SELECT run_id, workflow_id, ${c} AS "__sk0", start_time AS "__sk1", run_id AS "__sk2" FROM vis WHERE namespace_id = $1::text AND ` +
        `(${c} < $2::bigint OR (${c} = $3::bigint AND start_time < $4::bigint) OR (${c} = $5::bigint AND start_time = $6::bigint AND run_id > $7::text)) ` +
        `ORDER BY ${c} DESC, start_time DESC, run_id ASC LIMIT $8::bigint`,
    );
    expect(next.params).toEqual(['ns', 150, 150, 90, 150, 90, 'b', 2]);
    expect(first.nextPageToken([{ __sk0: 1, __sk1: 1, __sk2: 'x' }])).toBeUndefined();
  });

  it('orders custom ORDER BY with missing values last and RunId descending, paging by keyset', () => {
    const resolved = parseAndResolve('ORDER BY Kw DESC, Flag', custom);
    const first = buildListQuery(resolved, { namespaceId: 'ns', pageSize: 1 }, { dialect: 'sqlite', hideNamespaceDivisions: false });
    expect(first.sql).toContain(
      `ORDER BY json_extract(search_attributes, '$."Kw"') DESC NULLS LAST, json_extract(search_attributes, '$."Flag"') ASC NULLS LAST, run_id DESC LIMIT ?`,
    );
    const token = first.nextPageToken([{ __sk0: null, __sk1: 1, __sk2: 'r9' }]);
    expect(JSON.parse(token!.toString())).toEqual({ o: 'Kw:desc,Flag:asc', k: [null, true, 'r9'] });
    const next = buildListQuery(resolved, { namespaceId: 'ns', pageSize: 1, pageToken: token }, { dialect: 'sqlite', hideNamespaceDivisions: false });
    const kw = `json_extract(search_attributes, '$."Kw"')`;
    const flag = `json_extract(search_attributes, '$."Flag"')`;
    expect(next.sql).toContain(`AND ((${kw} IS NULL AND (${flag} > ? OR ${flag} IS NULL)) OR (${kw} IS NULL AND ${flag} = ? AND run_id < ?)) ORDER BY`);
    expect(next.params).toEqual(['ns', 1, 1, 'r9', 1]);

    const pgq = buildListQuery(parseAndResolve('ORDER BY WorkflowId', custom), { namespaceId: 'ns', pageSize: 1 }, { dialect: 'postgres' });
    expect(pgq.sql).toContain('(workflow_id COLLATE "C") AS "__sk0"');
    expect(pgq.sql).toContain('ORDER BY (workflow_id COLLATE "C") ASC NULLS LAST, run_id DESC');
  });

  it('keeps big integers exact in tokens', () => {
    const resolved = parseAndResolve('ORDER BY Num', custom);
    const q = buildListQuery(resolved, { namespaceId: 'ns', pageSize: 1 }, { dialect: 'postgres' });
    const token = q.nextPageToken([{ __sk0: '9007199254740993', __sk1: 'r' }]);
    expect(JSON.parse(token!.toString()).k).toEqual([{ $i: '9007199254740993' }, 'r']);
    const next = buildListQuery(resolved, { namespaceId: 'ns', pageSize: 1, pageToken: token }, { dialect: 'sqlite' });
    expect(next.params).toContain(9007199254740993n);
  });

  it.each([
    [Buffer.from('garbage'), 'invalid page token: not a visibility page token'],
    [Buffer.from('{"o":1}'), 'invalid page token: not a visibility page token'],
    [Buffer.from('{"o":"Kw:asc","k":[1]}'), 'invalid page token: the token was issued for a different ORDER BY'],
    [Buffer.from('{"o":"default","k":[1,2]}'), 'invalid page token: expected 3 sort fields, got 2'],
    [Buffer.from('{"o":"default","k":[1,2,3]}'), 'invalid page token: sort key of the wrong type'],
    [Buffer.from('{"o":"default","k":[null,2,"r"]}'), 'invalid page token: sort key of the wrong type'],
    [Buffer.from('{"o":"default","k":[{"$i":"x"},2,"r"]}'), 'invalid page token: sort key of the wrong type'],
  ])('rejects the page token %s', (token, message) => {
    const build = () => buildListQuery(parseAndResolve(''), { namespaceId: 'ns', pageSize: 1, pageToken: token }, { dialect: 'sqlite' });
    expect(build).toThrow(InvalidPageTokenError);
    expect(build).toThrow(message);
  });

  it('treats an empty token as the first page', () => {
    const q = buildListQuery(parseAndResolve(''), { namespaceId: 'ns', pageSize: 1, pageToken: new Uint8Array() }, { dialect: 'sqlite' });
    expect(q.params).toEqual(['ns', 1]);
  });

  it('refuses GROUP BY in a list query and a bad page size', () => {
    expect(() => buildListQuery(parseAndResolve('GROUP BY ExecutionStatus'), { namespaceId: 'ns', pageSize: 1 }, { dialect: 'sqlite' })).toThrow(
      "invalid query: operation is not supported: 'GROUP BY' clause",
    );
    expect(() => buildListQuery(parseAndResolve(''), { namespaceId: 'ns', pageSize: 0 }, { dialect: 'sqlite' })).toThrow('invalid page size 0');
  });

  it('does not add the division filter when the query names TemporalNamespaceDivision', () => {
    const q = buildListQuery(parseAndResolve("TemporalNamespaceDivision = 'd'"), { namespaceId: 'ns', pageSize: 1 }, { dialect: 'postgres' });
    expect(q.sql).toContain(`WHERE namespace_id = $1::text AND search_attributes @> jsonb_build_object('TemporalNamespaceDivision', $2::text) ORDER BY`);
  });
});

describe('buildCountQuery', () => {
  it('counts, or counts per ExecutionStatus', () => {
    const plain = buildCountQuery(parseAndResolve("WorkflowType = 't' ORDER BY StartTime"), { namespaceId: 'ns' }, { dialect: 'sqlite' });
    expect(plain.sql).toBe(
      `SELECT COUNT(*) AS "count" FROM visibility WHERE namespace_id = ? AND json_extract(search_attributes, '$."TemporalNamespaceDivision"') IS NULL AND workflow_type = ?`,
    );
    expect(plain.readResult([{ count: 3 }])).toEqual({ count: 3 });

    const grouped = buildCountQuery(parseAndResolve('GROUP BY ExecutionStatus'), { namespaceId: 'ns' }, { dialect: 'postgres', hideNamespaceDivisions: false });
    expect(grouped.sql).toBe('SELECT status AS "group_value", COUNT(*) AS "count" FROM visibility WHERE namespace_id = $1::text GROUP BY status');
    expect(grouped.groupBy?.name).toBe('ExecutionStatus');
    expect(
      grouped.readResult([
        { group_value: 1, count: '4' },
        { group_value: 2, count: '6' },
      ]),
    ).toEqual({
      count: 10,
      groups: [
        { value: 'Running', count: 4 },
        { value: 'Completed', count: 6 },
      ],
    });

    const division = buildCountQuery(parseAndResolve('GROUP BY TemporalNamespaceDivision'), { namespaceId: 'ns' }, { dialect: 'postgres' });
    expect(division.sql).toBe(
      `SELECT (search_attributes->>'TemporalNamespaceDivision') AS "group_value", COUNT(*) AS "count" FROM visibility WHERE namespace_id = $1::text GROUP BY (search_attributes->>'TemporalNamespaceDivision')`,
    );
  });
});
