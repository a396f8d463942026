/**
 * Tokenizer for Temporal's list-filter language.
 *
 * Temporal parses a filter by prefixing it with `select * from table1 where ` and handing it to
 * its fork of the Vitess MySQL parser (github.com/temporalio/sqlparser, token.go). This lexer
 * follows that tokenizer where it matters for filters:
 * - identifiers: an ASCII letter, `_` or `@`, then letters, digits, `_`, `@`; keywords are
 *   case-insensitive, other identifiers keep their case;
 * - backquoted names: anything up to the closing backquote, a doubled backquote standing for
 *   one (Temporal then strips every backquote from the name, and so do we), empty is an error;
 * - strings: single or double quotes; the delimiter doubled stands for itself; backslash
 *   escapes as MySQL: \0 \' \" \b \n \r \t \Z \\, and a backslash before any other character
 *   stands for that character (`\%` is `%`);
 * - numbers: integers, decimals (`1.5`, `.5`, `1.`) and exponents (`1e3`); a letter right after
 *   a number is an error; hexadecimal literals are refused (Temporal cannot use them either);
 * - operators: = != <> < > <= >= <=> , ( ) + - and `&&`/`||` as AND/OR;
 * - comments: `/* ... *\/`, `-- ...` and `# ...` to the end of the line are skipped.
 */
import { QueryParseError } from './errors';

export type TokenKind = 'ident' | 'keyword' | 'string' | 'int' | 'float' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /**
   * ident: the name (backquotes removed); keyword: upper case; string: the decoded value;
   * int/float: the literal text; op/punct: the operator (`<>` is normalised to `!=`).
   */
  value: string;
  /** The source text of the token. */
  text: string;
  /** 1-based column of the token's first character. */
  column: number;
  /** For identifiers: whether it was written in backquotes (so never a keyword). */
  quoted?: boolean;
}

/** Words with a meaning in the grammar; any other word is a search attribute name. */
export const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'IS',
  'NULL',
  'TRUE',
  'FALSE',
  'BETWEEN',
  'STARTS_WITH',
  'LIKE',
  'REGEXP',
  'ORDER',
  'GROUP',
  'BY',
  'ASC',
  'DESC',
  'LIMIT',
  'HAVING',
]);

const ESCAPES: Record<string, string> = {
  '0': '\0',
  "'": "'",
  '"': '"',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  '\\': '\\',
};

const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '@';
const isDigit = (c: string) => c >= '0' && c <= '9';

function lexError(detail: string, column: number): QueryParseError {
  return new QueryParseError('malformed', `${detail} at column ${column}`, column);
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const n = input.length;
  let i = 0;
  const push = (kind: TokenKind, value: string, start: number, extra?: Partial<Token>) =>
    tokens.push({ kind, value, text: input.slice(start, i), column: start + 1, ...extra });

  while (i < n) {
    const c = input[i]!;
    const next = input[i + 1] ?? '';
    const start = i;

    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    // Comments.
    if ((c === '-' && next === '-') || c === '#') {
      while (i < n && input[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const close = input.indexOf('*/', i + 2);
      if (close < 0) throw lexError('unterminated comment', start + 1);
      i = close + 2;
      continue;
    }

    if (isLetter(c)) {
      while (i < n && (isLetter(input[i]!) || isDigit(input[i]!))) i++;
      const word = input.slice(start, i);
      const upper = word.toUpperCase();
      if (KEYWORDS.has(upper)) push('keyword', upper, start);
      else push('ident', word, start);
      continue;
    }

    if (c === '`') {
      let name = '';
      i++;
      for (;;) {
        if (i >= n) throw lexError('unterminated quoted name', start + 1);
        const ch = input[i]!;
        if (ch === '`') {
          if (input[i + 1] === '`') {
            name += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += ch;
        i++;
      }
      if (name === '') throw lexError('empty quoted name', start + 1);
      // Temporal removes every backquote from a column name before looking it up.
      push('ident', name.replace(/`/g, ''), start, { quoted: true });
      continue;
    }

    if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw lexError('unterminated string', start + 1);
        const ch = input[i]!;
        if (ch === '\\') {
          if (i + 1 >= n) throw lexError('unterminated string', start + 1);
          const e = input[i + 1]!;
          value += ESCAPES[e] ?? e;
          i += 2;
          continue;
        }
        if (ch === c) {
          if (input[i + 1] === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      push('string', value, start);
      continue;
    }

    if (isDigit(c) || (c === '.' && isDigit(next))) {
      let kind: 'int' | 'float' = 'int';
      if (c === '0' && (next === 'x' || next === 'X')) {
        i += 2;
        while (i < n && /[0-9a-zA-Z]/.test(input[i]!)) i++;
        throw lexError(`unsupported hexadecimal number '${input.slice(start, i)}'`, start + 1);
      }
      while (i < n && isDigit(input[i]!)) i++;
      if (input[i] === '.') {
        kind = 'float';
        i++;
        while (i < n && isDigit(input[i]!)) i++;
      }
      if (input[i] === 'e' || input[i] === 'E') {
        kind = 'float';
        i++;
        if (input[i] === '+' || input[i] === '-') i++;
        const digitsFrom = i;
        while (i < n && isDigit(input[i]!)) i++;
        if (i === digitsFrom) {
          while (i < n && (isLetter(input[i]!) || isDigit(input[i]!))) i++;
          throw lexError(`invalid number '${input.slice(start, i)}'`, start + 1);
        }
      }
      if (i < n && isLetter(input[i]!)) {
        while (i < n && (isLetter(input[i]!) || isDigit(input[i]!))) i++;
        throw lexError(`invalid number '${input.slice(start, i)}'`, start + 1);
      }
      const text = input.slice(start, i);
      push(kind, text, start);
      continue;
    }

    // Operators and punctuation.
    const two = c + next;
    if (two === '<=' && input[i + 2] === '>') {
      i += 3;
      push('op', '<=>', start);
      continue;
    }
    if (two === '<=' || two === '>=' || two === '!=' || two === '<>') {
      i += 2;
      push('op', two === '<>' ? '!=' : two, start);
      continue;
    }
    if (two === '&&' || two === '||') {
      i += 2;
      push('keyword', two === '&&' ? 'AND' : 'OR', start);
      continue;
    }
    if (c === '=' || c === '<' || c === '>' || c === '-' || c === '+') {
      i++;
      push('op', c, start);
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      i++;
      push('punct', c, start);
      continue;
    }
    throw lexError(`unexpected character '${c}'`, start + 1);
  }
  tokens.push({ kind: 'eof', value: '', text: '', column: n + 1 });
  return tokens;
}
