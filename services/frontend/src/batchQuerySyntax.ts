import { parseQuery, QueryParseError, tokenize, type Token } from '@kairos/visibility';

/**
 * Temporal's frontend checks a batch's visibility query only for syntax, with its SQL parser, as
 * `select * from dummy where <query>`, and reports `syntax error at position P[ near 'T']`: P is
 * one past the byte offset just after the offending token, T the token when it is a word, a string
 * or a number (keywords lower-cased), nothing for punctuation or the end of the query. The query's
 * meaning (unknown attributes, wrong types) is checked only when the batch lists its targets.
 * This reads our own parser's syntax errors in those terms; where the two grammars differ (a bare
 * attribute name, which MySQL takes as a condition) Kairos refuses at once what Temporal refuses
 * when the batch runs.
 */
const PREFIX_BYTES = Buffer.byteLength('select * from dummy where ');

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

function nearOf(token: Token): string | undefined {
  switch (token.kind) {
    case 'keyword':
      return token.text.toLowerCase();
    case 'ident':
    case 'string':
      return token.value;
    case 'int':
    case 'float':
      return token.text;
    default:
      return undefined;
  }
}

function at(endByte: number, near?: string): string {
  const position = PREFIX_BYTES + endByte + 1;
  return near === undefined ? `syntax error at position ${position}` : `syntax error at position ${position} near '${near}'`;
}

/** The syntax error Temporal's frontend reports for this query, or undefined when its syntax is fine. */
export function batchQuerySyntaxError(query: string): string | undefined {
  let tokens: Token[];
  try {
    tokens = tokenize(query);
  } catch (err) {
    if (!(err instanceof QueryParseError)) throw err;
    // An unterminated string runs to the end of the query, which MySQL's tokenizer names.
    const column = err.column ?? 1;
    return err.detail.startsWith('unterminated string') ? at(bytes(query), query.slice(column)) : at(bytes(query.slice(0, column)));
  }
  try {
    const parsed = parseQuery(query);
    // ORDER BY or GROUP BY with no condition: MySQL's WHERE needs one.
    const first = tokens[0];
    if (!parsed.where && first && first.kind !== 'eof') return at(bytes(query.slice(0, first.column - 1 + first.text.length)), nearOf(first));
    return undefined;
  } catch (err) {
    if (!(err instanceof QueryParseError) || err.kind !== 'malformed' || err.column === undefined) return undefined;
    const token = tokens.find((t) => t.column === err.column);
    if (!token || token.kind === 'eof') return at(bytes(query));
    return at(bytes(query.slice(0, token.column - 1 + token.text.length)), nearOf(token));
  }
}
