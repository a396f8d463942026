/**
 * Errors of the list-filter language.
 *
 * Temporal reports every problem with a query as INVALID_ARGUMENT whose message is
 * `invalid query: <converter message>` (common/persistence/visibility/store/query/errors.go,
 * ConverterError.ToInvalidArgument). The converter message starts with one of three prefixes:
 * `malformed SQL query` (the SQL parser rejected it), `operation is not supported` and
 * `invalid expression`. QueryParseError keeps that shape so the frontend can return `message`
 * as is; `reason` is the message without the `invalid query: ` prefix, `column` the 1-based
 * position in the query string of the offending token (Temporal has no positions outside
 * syntax errors: we add them as a property and, for syntax errors only, in the text).
 */

export const MALFORMED_SQL_QUERY = 'malformed SQL query';
export const NOT_SUPPORTED = 'operation is not supported';
export const INVALID_EXPRESSION = 'invalid expression';

export type QueryErrorKind = 'malformed' | 'not-supported' | 'invalid';

const PREFIX: Record<QueryErrorKind, string> = {
  malformed: MALFORMED_SQL_QUERY,
  'not-supported': NOT_SUPPORTED,
  invalid: INVALID_EXPRESSION,
};

export class QueryParseError extends Error {
  /** gRPC status the frontend should answer with. */
  readonly code = 'INVALID_ARGUMENT' as const;
  /** The message without the leading `invalid query: `. */
  readonly reason: string;

  constructor(
    readonly kind: QueryErrorKind,
    /** The text after the kind's prefix, e.g. `'LIMIT' clause`. */
    readonly detail: string,
    /** 1-based column of the offending token in the query string, when known. */
    readonly column?: number,
  ) {
    const reason = `${PREFIX[kind]}: ${detail}`;
    super(`invalid query: ${reason}`);
    this.name = 'QueryParseError';
    this.reason = reason;
  }
}

/** A next-page token that is not one this package produced for the same query order. */
export class InvalidPageTokenError extends Error {
  readonly code = 'INVALID_ARGUMENT' as const;
  constructor(detail: string) {
    super(`invalid page token: ${detail}`);
    this.name = 'InvalidPageTokenError';
  }
}

export function syntaxError(column: number, near: string | undefined, expected?: string): QueryParseError {
  const where = near === undefined ? `syntax error at column ${column}: unexpected end of query` : `syntax error at column ${column} near '${near}'`;
  return new QueryParseError('malformed', expected ? `${where}, expected ${expected}` : where, column);
}
