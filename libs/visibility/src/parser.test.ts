import { describe, expect, it } from 'vitest';
import type { Expr, Operand } from './ast';
import { QueryParseError } from './errors';
import { tokenize } from './lexer';
import { MAX_AST_DEPTH, MAX_NESTING, parseQuery } from './parser';

/** Compact rendering of a condition tree, to assert structure and precedence. */
function show(e: Expr | undefined): string {
  if (!e) return '';
  const op = (o: Operand): string => {
    switch (o.kind) {
      case 'field':
        return o.name;
      case 'string':
        return `'${o.value}'`;
      case 'null':
        return 'NULL';
      case 'bool':
        return String(o.value);
      default:
        return o.value;
    }
  };
  switch (e.kind) {
    case 'and':
    case 'or':
      return `(${show(e.left)} ${e.kind.toUpperCase()} ${show(e.right)})`;
    case 'not':
      return `NOT ${show(e.expr)}`;
    case 'compare':
      return `[${op(e.left)} ${e.op} ${op(e.right)}]`;
    case 'in':
      return `[${op(e.left)} ${e.negated ? 'not in' : 'in'} (${e.values.map(op).join(',')})]`;
    case 'between':
      return `[${op(e.left)} ${e.negated ? 'not between' : 'between'} ${op(e.from)} ${op(e.to)}]`;
    case 'is':
      return `[${op(e.left)} is ${e.test}]`;
    case 'operand':
      return `[${op(e.operand)}]`;
  }
}

function parseError(q: string): QueryParseError {
  try {
    parseQuery(q);
  } catch (e) {
    expect(e).toBeInstanceOf(QueryParseError);
    return e as QueryParseError;
  }
  throw new Error(`expected ${q} to fail`);
}

describe('tokenize', () => {
  it('reads names, keywords (any case), operators and literals with 1-based columns', () => {
    const toks = tokenize("WorkflowId = 'a' and x<>3 OR y>=-1.5e2");
    expect(toks.map((t) => [t.kind, t.value, t.column])).toEqual([
      ['ident', 'WorkflowId', 1],
      ['op', '=', 12],
      ['string', 'a', 14],
      ['keyword', 'AND', 18],
      ['ident', 'x', 22],
      ['op', '!=', 23],
      ['int', '3', 25],
      ['keyword', 'OR', 27],
      ['ident', 'y', 30],
      ['op', '>=', 31],
      ['op', '-', 33],
      ['float', '1.5e2', 34],
      ['eof', '', 39],
    ]);
  });

  it('decodes strings in single or double quotes: doubled delimiters and MySQL backslash escapes', () => {
    const str = (q: string) => tokenize(q)[0]!.value;
    expect(str("'it''s'")).toBe("it's");
    expect(str('"say ""hi"""')).toBe('say "hi"');
    expect(str("'a\\'b'")).toBe("a'b");
    expect(str("'tab\\there'")).toBe('tab\there');
    expect(str("'nl\\n cr\\r nul\\0 z\\Z bs\\\\ b\\b'")).toBe('nl\n cr\r nul\0 z\x1a bs\\ b\b');
    expect(str("'100\\% \\_x'")).toBe('100% _x');
    expect(str('"it\'s"')).toBe("it's");
    expect(str("''")).toBe('');
  });

  it('reads backquoted names, keeping case and spaces, dropping backquotes', () => {
    const t = tokenize('`My Attr` `order` `a``b`');
    expect(t.slice(0, 3).map((x) => [x.kind, x.value, x.quoted])).toEqual([
      ['ident', 'My Attr', true],
      ['ident', 'order', true],
      ['ident', 'ab', true],
    ]);
  });

  it('treats && and || as AND and OR, and skips comments', () => {
    expect(tokenize('a=1 && b=2 || c=3').filter((t) => t.kind === 'keyword').map((t) => t.value)).toEqual(['AND', 'OR']);
    expect(tokenize("a = 1 /* x */ -- rest\n # more").map((t) => t.kind)).toEqual(['ident', 'op', 'int', 'eof']);
  });

  it('reads numbers: integers, decimals and exponents', () => {
    expect(tokenize('1 1.5 .5 1. 2e3 2E-3').slice(0, 6).map((t) => [t.kind, t.value])).toEqual([
      ['int', '1'],
      ['float', '1.5'],
      ['float', '.5'],
      ['float', '1.'],
      ['float', '2e3'],
      ['float', '2E-3'],
    ]);
  });

  it.each([
    ["a = 'abc", 'invalid query: malformed SQL query: unterminated string at column 5', 5],
    ['a = "abc', 'invalid query: malformed SQL query: unterminated string at column 5', 5],
    ["a = 'abc\\", 'invalid query: malformed SQL query: unterminated string at column 5', 5],
    ['`abc = 1', 'invalid query: malformed SQL query: unterminated quoted name at column 1', 1],
    ['`` = 1', 'invalid query: malformed SQL query: empty quoted name at column 1', 1],
    ['a = 12abc', "invalid query: malformed SQL query: invalid number '12abc' at column 5", 5],
    ['a = 1e', "invalid query: malformed SQL query: invalid number '1e' at column 5", 5],
    ['a = 0x1F', "invalid query: malformed SQL query: unsupported hexadecimal number '0x1F' at column 5", 5],
    ['a = $1', "invalid query: malformed SQL query: unexpected character '$' at column 5", 5],
    ['a = ?', "invalid query: malformed SQL query: unexpected character '?' at column 5", 5],
    ['a.b = 1', "invalid query: malformed SQL query: unexpected character '.' at column 2", 2],
    ['a = 1 /* open', 'invalid query: malformed SQL query: unterminated comment at column 7', 7],
    ["Wörkflow = 'x'", "invalid query: malformed SQL query: unexpected character 'ö' at column 2", 2],
  ])('rejects %s', (q, message, column) => {
    const e = parseError(q);
    expect(e.message).toBe(message);
    expect(e.column).toBe(column);
    expect(e.kind).toBe('malformed');
    expect(e.code).toBe('INVALID_ARGUMENT');
  });
});

describe('parseQuery', () => {
  it('accepts an empty or blank query', () => {
    expect(parseQuery('')).toEqual({ groupBy: [], orderBy: [] });
    expect(parseQuery('  \n ')).toEqual({ groupBy: [], orderBy: [] });
  });

  it.each([
    ["WorkflowId = 'a'", "[WorkflowId = 'a']"],
    ["WorkflowId != 'a'", "[WorkflowId != 'a']"],
    ["WorkflowId <> 'a'", "[WorkflowId != 'a']"],
    ['HistoryLength < 5', '[HistoryLength < 5]'],
    ['HistoryLength > 5', '[HistoryLength > 5]'],
    ['HistoryLength <= 5', '[HistoryLength <= 5]'],
    ['HistoryLength >= -5', '[HistoryLength >= -5]'],
    ['HistoryLength = - 5', '[HistoryLength = -5]'],
    ['HistoryLength = +5', '[HistoryLength = 5]'],
    ['HistoryLength = - -5', '[HistoryLength = 5]'],
    ['Score = -1.25', '[Score = -1.25]'],
    ["ExecutionStatus IN ('Running', 'Failed')", "[ExecutionStatus in ('Running','Failed')]"],
    ["ExecutionStatus in ('Running')", "[ExecutionStatus in ('Running')]"],
    ['ExecutionStatus NOT IN (1, 2)', '[ExecutionStatus not in (1,2)]'],
    ["StartTime BETWEEN '2024-01-01T00:00:00Z' AND '2024-02-01T00:00:00Z'", "[StartTime between '2024-01-01T00:00:00Z' '2024-02-01T00:00:00Z']"],
    ['HistoryLength NOT BETWEEN 1 AND 5', '[HistoryLength not between 1 5]'],
    ["WorkflowType STARTS_WITH 'order'", "[WorkflowType starts_with 'order']"],
    ["WorkflowType not starts_with 'order'", "[WorkflowType not starts_with 'order']"],
    ["WorkflowType LIKE 'a%'", "[WorkflowType like 'a%']"],
    ['CloseTime IS NULL', '[CloseTime is null]'],
    ['CloseTime is not null', '[CloseTime is not null]'],
    ['Flag IS TRUE', '[Flag is true]'],
    ['Flag = true', '[Flag = true]'],
    ['Flag = FALSE', '[Flag = false]'],
    ['WorkflowId = NULL', '[WorkflowId = NULL]'],
    ["`My Attr` = 'x'", "[My Attr = 'x']"],
    ['WorkflowId', '[WorkflowId]'],
    ["'a' = WorkflowId", "['a' = WorkflowId]"],
    ['WorkflowId = RunId', '[WorkflowId = RunId]'],
  ])('parses %s', (q, expected) => {
    expect(show(parseQuery(q).where)).toBe(expected);
  });

  it('gives AND precedence over OR, and NOT precedence over AND', () => {
    expect(show(parseQuery('a = 1 OR b = 2 AND c = 3').where)).toBe('([a = 1] OR ([b = 2] AND [c = 3]))');
    expect(show(parseQuery('a = 1 AND b = 2 OR c = 3').where)).toBe('(([a = 1] AND [b = 2]) OR [c = 3])');
    expect(show(parseQuery('(a = 1 OR b = 2) AND c = 3').where)).toBe('(([a = 1] OR [b = 2]) AND [c = 3])');
    expect(show(parseQuery('NOT a = 1 AND b = 2').where)).toBe('(NOT [a = 1] AND [b = 2])');
    expect(show(parseQuery('NOT (a = 1 OR b = 2)').where)).toBe('NOT ([a = 1] OR [b = 2])');
    expect(show(parseQuery('not not a = 1').where)).toBe('NOT NOT [a = 1]');
    expect(show(parseQuery('a = 1 and b between 1 and 2 and c = 3').where)).toBe('(([a = 1] AND [b between 1 2]) AND [c = 3])');
    expect(show(parseQuery('a = 1 || b = 2 && c = 3').where)).toBe('([a = 1] OR ([b = 2] AND [c = 3]))');
  });

  it('parses ORDER BY and GROUP BY clauses, with or without a condition', () => {
    expect(parseQuery('ORDER BY StartTime').orderBy.map((t) => [t.field.name, t.direction])).toEqual([['StartTime', 'asc']]);
    const q = parseQuery("WorkflowType = 'x' order by StartTime desc, `My Attr` ASC, RunId");
    expect(show(q.where)).toBe("[WorkflowType = 'x']");
    expect(q.orderBy.map((t) => [t.field.name, t.direction])).toEqual([
      ['StartTime', 'desc'],
      ['My Attr', 'asc'],
      ['RunId', 'asc'],
    ]);
    expect(parseQuery('group by ExecutionStatus').groupBy.map((f) => f.name)).toEqual(['ExecutionStatus']);
    const g = parseQuery("WorkflowType = 'x' GROUP BY ExecutionStatus, RunId ORDER BY StartTime");
    expect(g.groupBy.map((f) => f.name)).toEqual(['ExecutionStatus', 'RunId']);
    expect(g.orderBy).toHaveLength(1);
  });

  it('refuses LIMIT and HAVING as not supported', () => {
    expect(parseError("WorkflowId = 'a' LIMIT 10").message).toBe("invalid query: operation is not supported: 'LIMIT' clause");
    expect(parseError('order by StartTime limit 1').column).toBe(20);
    expect(parseError('group by ExecutionStatus having x = 1').message).toBe("invalid query: operation is not supported: 'HAVING' clause");
  });

  it.each([
    ["WorkflowId = 'a' AND", 'syntax error at column 21: unexpected end of query, expected a search attribute name, NOT or (', 21],
    ["WorkflowId = 'a' AND AND b = 1", "syntax error at column 22 near 'AND', expected a search attribute name, NOT or (", 22],
    ['WorkflowId =', 'syntax error at column 13: unexpected end of query, expected a value', 13],
    ['WorkflowId = = 1', "syntax error at column 14 near '=', expected a value", 14],
    ["WorkflowId 'a'", "syntax error at column 12 near ''a'', expected AND, OR, GROUP BY, ORDER BY or end of query", 12],
    ["(WorkflowId = 'a'", 'syntax error at column 18: unexpected end of query, expected \')\'', 18],
    ["WorkflowId = 'a')", "syntax error at column 17 near ')', expected AND, OR, GROUP BY, ORDER BY or end of query", 17],
    ['WorkflowId IN ()', "syntax error at column 16 near ')', expected a value", 16],
    ["WorkflowId IN 'a'", "syntax error at column 15 near ''a'', expected '('", 15],
    ["WorkflowId IN ('a' 'b')", "syntax error at column 20 near ''b'', expected ')'", 20],
    ['HistoryLength BETWEEN 1 OR 2', "syntax error at column 25 near 'OR', expected AND", 25],
    ["WorkflowId NOT = 'a'", "syntax error at column 16 near '=', expected IN, BETWEEN, STARTS_WITH or LIKE after NOT", 16],
    ['CloseTime IS', 'syntax error at column 13: unexpected end of query, expected NULL or NOT NULL', 13],
    ["CloseTime IS 'x'", "syntax error at column 14 near ''x'', expected NULL or NOT NULL", 14],
    ['HistoryLength = -x', "syntax error at column 17 near '-', expected a number", 17],
    ['order by', 'syntax error at column 9: unexpected end of query, expected a search attribute name', 9],
    ['order StartTime', "syntax error at column 1 near 'order', expected a search attribute name, NOT or (", 1],
    ["order by 'x'", "syntax error at column 10 near ''x'', expected a search attribute name", 10],
    ['order by StartTime WorkflowId', "syntax error at column 20 near 'WorkflowId', expected ',' or end of query", 20],
    ['order by StartTime group by ExecutionStatus', "syntax error at column 20 near 'group', expected ',' or end of query", 20],
    ['group ExecutionStatus', "syntax error at column 1 near 'group', expected a search attribute name, NOT or (", 1],
    ['NOT', 'syntax error at column 4: unexpected end of query, expected a search attribute name, NOT or (', 4],
    ['()', "syntax error at column 2 near ')', expected a search attribute name, NOT or (", 2],
  ])('reports %s with its column', (q, detail, column) => {
    const e = parseError(q);
    expect(e.message).toBe(`invalid query: malformed SQL query: ${detail}`);
    expect(e.reason).toBe(`malformed SQL query: ${detail}`);
    expect(e.column).toBe(column);
  });

  it('limits nesting and tree depth as Temporal does', () => {
    const ok = `${'('.repeat(MAX_NESTING - 2)}a = 1${')'.repeat(MAX_NESTING - 2)}`;
    expect(() => parseQuery(ok)).not.toThrow();
    const deep = `${'('.repeat(MAX_NESTING)}a = 1${')'.repeat(MAX_NESTING)}`;
    expect(parseError(deep).message).toMatch(/^invalid query: malformed SQL query: max nesting level reached at column \d+$/);
    expect(parseError('NOT '.repeat(MAX_NESTING) + 'a = 1').message).toMatch(/max nesting level reached/);
    const long = Array.from({ length: MAX_AST_DEPTH + 5 }, (_, i) => `a = ${i}`).join(' OR ');
    expect(parseError(long).message).toBe('invalid query: malformed SQL query: max ast depth reached');
    // A long chain of ANDs below the limit is fine and parses without recursion problems.
    const fine = Array.from({ length: MAX_AST_DEPTH - 10 }, (_, i) => `a = ${i}`).join(' AND ');
    expect(parseQuery(fine).where?.kind).toBe('and');
  });
});
