import { describe, expect, it } from 'vitest';
import { QueryParseError } from './errors';
import {
  executionStatusFromString,
  parseAndResolve,
  type ResolvedExpr,
  type SearchAttributeType,
} from './fields';
import { nanosToMillis, parseExecutionDuration, parseGoDuration, parseRfc3339Nanos, tokenizeText } from './values';

const custom = new Map<string, SearchAttributeType>([
  ['CustomKeyword', 'Keyword'],
  ['CustomText', 'Text'],
  ['CustomInt', 'Int'],
  ['CustomDouble', 'Double'],
  ['CustomBool', 'Bool'],
  ['CustomDatetime', 'Datetime'],
  ['CustomKeywordList', 'KeywordList'],
  ['My Attr', 'Keyword'],
  // Cannot shadow the system attribute.
  ['WorkflowId', 'Int'],
]);

const resolve = (q: string, attrs = custom) => parseAndResolve(q, attrs);
const where = (q: string) => resolve(q).where as ResolvedExpr;

function failure(q: string, attrs = custom): QueryParseError {
  try {
    resolve(q, attrs);
  } catch (e) {
    expect(e).toBeInstanceOf(QueryParseError);
    return e as QueryParseError;
  }
  throw new Error(`expected ${q} to fail`);
}

describe('name resolution', () => {
  it.each([
    ['WorkflowId', 'WorkflowId', 'Keyword', 'system'],
    ['ExecutionStatus', 'ExecutionStatus', 'Keyword', 'system'],
    ['StartTime', 'StartTime', 'Datetime', 'system'],
    ['ExecutionDuration', 'ExecutionDuration', 'Int', 'system'],
    ['HistoryLength', 'HistoryLength', 'Int', 'system'],
    ['BuildIds', 'BuildIds', 'KeywordList', 'predefined'],
    ['TemporalChangeVersion', 'TemporalChangeVersion', 'KeywordList', 'predefined'],
    ['CustomKeyword', 'CustomKeyword', 'Keyword', 'custom'],
    ['`My Attr`', 'My Attr', 'Keyword', 'custom'],
    // The reserved prefix may be added or dropped; ScheduleId means WorkflowId.
    ['TemporalWorkflowId', 'WorkflowId', 'Keyword', 'system'],
    ['ChangeVersion', 'TemporalChangeVersion', 'KeywordList', 'predefined'],
    ['SchedulePaused', 'TemporalSchedulePaused', 'Bool', 'predefined'],
    ['ScheduleId', 'WorkflowId', 'Keyword', 'system'],
    ['TemporalScheduleId', 'WorkflowId', 'Keyword', 'system'],
  ])('%s is %s (%s, %s)', (written, name, type, category) => {
    const e = where(`${written} IS NULL`);
    expect(e.kind === 'isNull' && [e.field.name, e.field.type, e.field.category, e.field.alias]).toEqual([
      name,
      type,
      category,
      written.replace(/`/g, ''),
    ]);
  });

  it('uses a custom ScheduleId when the namespace defines one', () => {
    const e = resolve('ScheduleId IS NULL', new Map([['ScheduleId', 'Keyword']])).where!;
    expect(e.kind === 'isNull' && e.field.category).toBe('custom');
  });

  it('rejects unknown names with Temporal message and the column', () => {
    const e = failure("WorkflowId = 'a' AND Foo = 'b'");
    expect(e.message).toBe("invalid query: invalid expression: column name 'Foo' is not a valid search attribute");
    expect(e.column).toBe(22);
    expect(failure('`my attr` IS NULL').message).toBe("invalid query: invalid expression: column name 'my attr' is not a valid search attribute");
    expect(failure('NamespaceId IS NULL').message).toContain("column name 'NamespaceId' is not a valid search attribute");
    expect(failure('order by Nope').message).toContain("column name 'Nope'");
  });
});

describe('values', () => {
  const value = (q: string) => {
    const e = where(q);
    if (e.kind === 'compare') return e.value;
    if (e.kind === 'in') return e.values;
    if (e.kind === 'between') return [e.from, e.to];
    throw new Error(e.kind);
  };

  it('converts ExecutionStatus names and numbers to the enum number', () => {
    expect(value("ExecutionStatus = 'Running'")).toBe(1);
    expect(value("ExecutionStatus = 'ContinuedAsNew'")).toBe(6);
    expect(value("ExecutionStatus = 'WORKFLOW_EXECUTION_STATUS_TIMED_OUT'")).toBe(7);
    expect(value('ExecutionStatus = 3')).toBe(3);
    expect(value("ExecutionStatus IN ('Completed', 'Canceled', 5)")).toEqual([2, 4, 5]);
    expect(executionStatusFromString('Terminated')).toBe(5);
    expect(executionStatusFromString('terminated')).toBeUndefined();
  });

  it.each([
    ["ExecutionStatus = 'running'", "invalid query: invalid expression: invalid ExecutionStatus value 'running'"],
    ['ExecutionStatus = 9', 'invalid query: invalid expression: invalid ExecutionStatus value 9'],
    ['ExecutionStatus = -1', 'invalid query: invalid expression: invalid ExecutionStatus value -1'],
    ['ExecutionStatus = 1.5', 'invalid query: invalid expression: unexpected value type float64 for search attribute ExecutionStatus'],
    ['ExecutionStatus = true', 'invalid query: invalid expression: unexpected value type bool for search attribute ExecutionStatus'],
  ])('rejects %s', (q, message) => {
    expect(failure(q).message).toBe(message);
  });

  it('parses datetimes as RFC 3339 with nanoseconds, or integer nanoseconds', () => {
    expect(value("StartTime > '2024-01-02T03:04:05Z'")).toBe(BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1_000_000n);
    expect(value("StartTime > '2024-01-02T03:04:05.123456789Z'")).toBe(BigInt(Date.UTC(2024, 0, 2, 3, 4, 5)) * 1_000_000n + 123_456_789n);
    expect(value("StartTime > '2024-01-02T05:04:05.5+02:00'")).toBe(BigInt(Date.UTC(2024, 0, 2, 3, 4, 5, 500)) * 1_000_000n);
    expect(value("CustomDatetime < '2024-01-01T23:00:00-01:00'")).toBe(BigInt(Date.UTC(2024, 0, 2)) * 1_000_000n);
    expect(value('CloseTime <= 1700000000000000000')).toBe(1_700_000_000_000_000_000n);
    expect(value("StartTime BETWEEN '2024-01-01T00:00:00Z' AND '2024-02-01T00:00:00Z'")).toEqual([
      BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n,
      BigInt(Date.UTC(2024, 1, 1)) * 1_000_000n,
    ]);
  });

  it.each([
    ["StartTime > '2024-13-01T00:00:00Z'", "invalid query: invalid expression: unable to parse datetime '2024-13-01T00:00:00Z'"],
    ["StartTime > '2023-02-29T00:00:00Z'", "invalid query: invalid expression: unable to parse datetime '2023-02-29T00:00:00Z'"],
    ["StartTime > '2024-01-01'", "invalid query: invalid expression: unable to parse datetime '2024-01-01'"],
    ["StartTime > '2024-01-01 00:00:00Z'", "invalid query: invalid expression: unable to parse datetime '2024-01-01 00:00:00Z'"],
    ["StartTime > '2024-01-01T00:00:00'", "invalid query: invalid expression: unable to parse datetime '2024-01-01T00:00:00'"],
    ['StartTime > 1.5', 'invalid query: invalid expression: invalid value type for search attribute StartTime of type Datetime: 1.5 (type: float64)'],
    ['StartTime > true', 'invalid query: invalid expression: invalid value type for search attribute StartTime of type Datetime: true (type: bool)'],
  ])('rejects %s', (q, message) => {
    expect(failure(q).message).toBe(message);
  });

  it('parses ExecutionDuration as nanoseconds, Go durations (with d) or hh:mm:ss', () => {
    expect(value('ExecutionDuration > 1000')).toBe(1000n);
    expect(value("ExecutionDuration > '1000'")).toBe(1000n);
    expect(value("ExecutionDuration > '1.5s'")).toBe(1_500_000_000n);
    expect(value("ExecutionDuration > '2h45m'")).toBe((2n * 3600n + 45n * 60n) * 1_000_000_000n);
    expect(value("ExecutionDuration > '1d'")).toBe(86_400n * 1_000_000_000n);
    expect(value("ExecutionDuration > '300ms'")).toBe(300_000_000n);
    expect(value("ExecutionDuration > '01:02:03'")).toBe(3723n * 1_000_000_000n);
    expect(failure("ExecutionDuration > 'soon'").message).toBe(
      'invalid query: invalid expression: invalid duration value for search attribute ExecutionDuration: soon',
    );
    expect(failure("ExecutionDuration > '01:60:00'").message).toContain('invalid duration value');
    expect(failure('ExecutionDuration > 1.5').message).toBe(
      'invalid query: invalid expression: unexpected value type float64 for search attribute ExecutionDuration',
    );
  });

  it('types Int, Double, Bool, Keyword and Text values', () => {
    expect(value('HistoryLength > 5')).toBe(5);
    expect(value('HistoryLength > 5.5')).toBe(5.5);
    expect(value('CustomInt = -9007199254740993')).toBe(-9007199254740993n);
    // Beyond int64 an integer literal becomes a float, as Go's ParseInt/ParseFloat fallback.
    expect(value('CustomInt = 9223372036854775808')).toBe(9223372036854775808);
    expect(value('CustomDouble = 2')).toBe(2);
    expect(value('CustomDouble = 1e-3')).toBe(0.001);
    expect(value('CustomBool = true')).toBe(true);
    expect(value('CustomBool = FALSE')).toBe(false);
    expect(value("CustomKeyword = 'x'")).toBe('x');
    expect(value('CustomKeyword = "x"')).toBe('x');
    const text = where("CustomText = 'hello, big-world'");
    expect(text.kind === 'compare' && text.tokens).toEqual(['hello', 'big', 'world']);
  });

  it.each([
    ["HistoryLength = '5'", 'invalid value type for search attribute HistoryLength of type Int: "5" (type: string)'],
    ['WorkflowId = 5', 'invalid value type for search attribute WorkflowId of type Keyword: 5 (type: int64)'],
    ['WorkflowId = true', 'invalid value type for search attribute WorkflowId of type Keyword: true (type: bool)'],
    ["CustomBool = 'true'", 'invalid value type for search attribute CustomBool of type Bool: "true" (type: string)'],
    ['CustomBool = 1', 'invalid value type for search attribute CustomBool of type Bool: 1 (type: int64)'],
    ['CustomDouble = false', 'invalid value type for search attribute CustomDouble of type Double: false (type: bool)'],
    ['CustomKeywordList = 1.5', 'invalid value type for search attribute CustomKeywordList of type KeywordList: 1.5 (type: float64)'],
    ["CustomKeyword IN ('a', 2)", 'invalid value type for search attribute CustomKeyword of type Keyword: 2 (type: int64)'],
    ['WorkflowId = NULL', 'unexpected value type NULL (use IS NULL or IS NOT NULL)'],
    ["CustomText = ' -- '", 'unexpected value for Text type search attribute (no tokens found)'],
  ])('rejects %s', (q, detail) => {
    expect(failure(q).message).toBe(`invalid query: invalid expression: ${detail}`);
  });
});

describe('operators', () => {
  it.each([
    ['HistoryLength STARTS_WITH 1', "operator 'STARTS_WITH' not supported for Int type search attribute 'HistoryLength'"],
    ["CustomKeywordList STARTS_WITH 'a'", "operator 'STARTS_WITH' not supported for KeywordList type search attribute 'CustomKeywordList'"],
    ["CustomKeywordList NOT STARTS_WITH 'a'", "operator 'NOT STARTS_WITH' not supported for KeywordList type search attribute 'CustomKeywordList'"],
    ["CustomKeywordList < 'a'", "operator '<' not supported for KeywordList type search attribute 'CustomKeywordList'"],
    ["CustomText IN ('a')", "operator 'IN' not supported for Text type search attribute 'CustomText'"],
    ["CustomText NOT IN ('a')", "operator 'NOT IN' not supported for Text type search attribute 'CustomText'"],
    ["CustomText > 'a'", "operator '>' not supported for Text type search attribute 'CustomText'"],
    ["CustomText STARTS_WITH 'a'", "operator 'STARTS_WITH' not supported for Text type search attribute 'CustomText'"],
    ["WorkflowId LIKE 'a%'", "operator 'LIKE' not supported for Keyword type search attribute 'WorkflowId'"],
    ["WorkflowId NOT LIKE 'a%'", "operator 'NOT LIKE' not supported for Keyword type search attribute 'WorkflowId'"],
    ["WorkflowId REGEXP 'a'", "operator 'REGEXP' not supported for Keyword type search attribute 'WorkflowId'"],
    ["WorkflowId <=> 'a'", "operator '<=>' not supported for Keyword type search attribute 'WorkflowId'"],
    ["StartTime STARTS_WITH '2024-01-01T00:00:00Z'", "operator 'STARTS_WITH' not supported for Datetime type search attribute 'StartTime'"],
  ])('%s is refused', (q, detail) => {
    expect(failure(q).message).toBe(`invalid query: operation is not supported: ${detail}`);
  });

  it('parses the value before checking the operator, as Temporal', () => {
    expect(failure("HistoryLength STARTS_WITH '1'").reason).toBe(
      'invalid expression: invalid value type for search attribute HistoryLength of type Int: "1" (type: string)',
    );
    expect(failure("StartTime STARTS_WITH '2024'").reason).toBe("invalid expression: unable to parse datetime '2024'");
  });

  it('accepts each type its operators', () => {
    for (const q of [
      "WorkflowId STARTS_WITH 'a'",
      "WorkflowId NOT STARTS_WITH 'a'",
      "WorkflowId < 'a'",
      "WorkflowId BETWEEN 'a' AND 'b'",
      "CustomKeywordList = 'a'",
      "CustomKeywordList != 'a'",
      "CustomKeywordList IN ('a', 'b')",
      "CustomKeywordList NOT IN ('a')",
      "CustomText = 'a'",
      "CustomText != 'a'",
      'CustomBool != true',
      'CustomDouble BETWEEN 1 AND 2.5',
      "ExecutionStatus BETWEEN 'Running' AND 'Failed'",
      'CustomKeywordList IS NOT NULL',
    ]) {
      expect(() => resolve(q), q).not.toThrow();
    }
  });

  it.each([
    ["CustomText BETWEEN 'a' AND 'b'", "invalid expression: cannot do range condition on search attribute 'CustomText' of type Text"],
    ['CustomBool BETWEEN false AND true', "invalid expression: cannot do range condition on search attribute 'CustomBool' of type Bool"],
    ["CustomKeywordList NOT BETWEEN 'a' AND 'b'", "invalid expression: cannot do range condition on search attribute 'CustomKeywordList' of type KeywordList"],
    ['CustomBool IS TRUE', "invalid expression: 'IS' operator can only be used as 'IS NULL' or 'IS NOT NULL'"],
    ['CustomBool IS NOT FALSE', "invalid expression: 'IS' operator can only be used as 'IS NULL' or 'IS NOT NULL'"],
    ["WorkflowId = 'a' AND RunId", 'invalid expression: incomplete expression'],
    ['true', 'operation is not supported: expression of type literal true'],
    ["'a' = WorkflowId", 'invalid expression: must be a column name but was string literal "a"'],
    ['WorkflowId = RunId', 'operation is not supported: column name on the right side of comparison expression (did you forget to quote "RunId"?)'],
    ['WorkflowId IN (RunId)', 'operation is not supported: column name on the right side of comparison expression (did you forget to quote "RunId"?)'],
    ["ExecutionStatus STARTS_WITH 'Running'", 'invalid expression: right-hand side of "starts_with" operator must be a literal string (got: Running)'],
  ])('%s', (q, reason) => {
    expect(failure(q).reason).toBe(reason);
  });

  it('reports the column of the operator for operator errors', () => {
    expect(failure("WorkflowId = 'a' OR CustomText > 'x'").column).toBe(32);
    expect(failure("WorkflowId = 'a' OR CustomText > 5").column).toBe(34);
  });
});

describe('GROUP BY and ORDER BY', () => {
  it('allows a single GROUP BY on ExecutionStatus or TemporalNamespaceDivision', () => {
    const q = resolve("WorkflowType = 'x' GROUP BY ExecutionStatus");
    expect(q.groupBy.map((f) => f.name)).toEqual(['ExecutionStatus']);
    expect(q.mentionsNamespaceDivision).toBe(false);
    const d = resolve('GROUP BY TemporalNamespaceDivision');
    expect(d.groupBy.map((f) => f.name)).toEqual(['TemporalNamespaceDivision']);
    expect(d.mentionsNamespaceDivision).toBe(true);
  });

  it.each([
    ['GROUP BY ExecutionStatus, WorkflowType', "operation is not supported: 'GROUP BY' clause supports only a single field"],
    ['GROUP BY RunId', "operation is not supported: 'GROUP BY' clause is not supported for search attribute RunId"],
    ['GROUP BY CustomKeyword', "operation is not supported: 'GROUP BY' clause is not supported for search attribute CustomKeyword"],
    ['GROUP BY Nope', "invalid expression: column name 'Nope' is not a valid search attribute"],
    ['ORDER BY CustomText', 'operation is not supported: unable to sort by search attribute type Text'],
    ['ORDER BY CustomKeywordList DESC', 'operation is not supported: unable to sort by search attribute type KeywordList'],
  ])('%s is refused', (q, reason) => {
    expect(failure(q).reason).toBe(reason);
  });

  it('resolves ORDER BY terms', () => {
    const q = resolve('ORDER BY CloseTime DESC, `My Attr`, CustomInt asc');
    expect(q.orderBy.map((t) => [t.field.name, t.field.type, t.direction])).toEqual([
      ['CloseTime', 'Datetime', 'desc'],
      ['My Attr', 'Keyword', 'asc'],
      ['CustomInt', 'Int', 'asc'],
    ]);
  });

  it('notices TemporalNamespaceDivision anywhere in the query', () => {
    expect(resolve("TemporalNamespaceDivision = 'x'").mentionsNamespaceDivision).toBe(true);
    expect(resolve('NOT NamespaceDivision IS NULL').mentionsNamespaceDivision).toBe(true);
    expect(resolve("WorkflowId = 'x'").mentionsNamespaceDivision).toBe(false);
  });
});

describe('value helpers', () => {
  it('parseRfc3339Nanos', () => {
    expect(parseRfc3339Nanos('1970-01-01T00:00:00Z')).toBe(0n);
    expect(parseRfc3339Nanos('1969-12-31T23:59:59.999999999Z')).toBe(-1n);
    expect(parseRfc3339Nanos('2024-02-29T12:00:00Z')).toBeDefined();
    expect(parseRfc3339Nanos('0001-01-01T00:00:00Z')).toBe(-62_135_596_800n * 1_000_000_000n);
    expect(parseRfc3339Nanos('2024-01-01T24:00:00Z')).toBeUndefined();
    expect(parseRfc3339Nanos('2024-01-01T00:00:00.1234567891Z')).toBeUndefined();
    expect(parseRfc3339Nanos('2024-01-01T00:00:00+24:00')).toBeUndefined();
  });

  it('nanosToMillis floors', () => {
    expect(nanosToMillis(1_999_999n)).toBe(1);
    expect(nanosToMillis(-1n)).toBe(-1);
    expect(nanosToMillis(-1_000_000n)).toBe(-1);
  });

  it('parseGoDuration and parseExecutionDuration', () => {
    expect(parseGoDuration('0')).toBe(0n);
    expect(parseGoDuration('-1.5h')).toBe(-5_400_000_000_000n);
    expect(parseGoDuration('1h2m3s4ms5us6ns')).toBe(3_723_004_005_006n);
    expect(parseGoDuration('2µs')).toBe(2000n);
    expect(parseGoDuration('.5s')).toBe(500_000_000n);
    expect(parseGoDuration('5')).toBeUndefined();
    expect(parseGoDuration('1x')).toBeUndefined();
    expect(parseGoDuration('')).toBeUndefined();
    expect(parseGoDuration('.s')).toBeUndefined();
    expect(parseExecutionDuration('12')).toBe(12n);
    expect(parseExecutionDuration('100:00:00')).toBe(360_000n * 1_000_000_000n);
    expect(parseExecutionDuration('1.5')).toBeUndefined();
  });

  it('tokenizeText splits on white space and ASCII punctuation', () => {
    expect(tokenizeText('my-business-id_foobar, café!')).toEqual(['my', 'business', 'id', 'foobar', 'café']);
    expect(tokenizeText('  ')).toEqual([]);
  });
});
