/**
 * Recursive-descent parser for list filters.
 *
 *   query      := [expr] [GROUP BY name {, name}] [ORDER BY name [ASC|DESC] {, ...}]
 *   expr       := and {OR and}
 *   and        := not {AND not}
 *   not        := NOT not | predicate
 *   predicate  := '(' expr ')'
 *               | operand ( cmp operand
 *                         | [NOT] IN '(' operand {, operand} ')'
 *                         | [NOT] BETWEEN operand AND operand
 *                         | [NOT] STARTS_WITH operand | [NOT] LIKE operand | [NOT] REGEXP operand
 *                         | IS [NOT] (NULL | TRUE | FALSE)
 *                         | nothing )
 *   operand    := name | 'string' | {+|-} number | TRUE | FALSE | NULL
 *   cmp        := = | != | <> | < | > | <= | >= | <=>
 *
 * Precedence follows Temporal's grammar (temporalio/sqlparser sql.y): OR < AND < NOT <
 * comparisons, so `NOT a = 1 AND b = 2` is `(NOT a = 1) AND b = 2`, and NOT may precede a
 * parenthesised expression. LIMIT and HAVING are recognised only to be refused. Nesting
 * (parentheses and NOT) is limited to 200 levels and the tree to 1000 levels, as in Temporal.
 */
import type { ComparisonOperator, Expr, FieldRef, IsTest, Literal, Operand, OrderTerm, Query } from './ast';
import { QueryParseError, syntaxError } from './errors';
import { type Token, tokenize } from './lexer';

export const MAX_NESTING = 200;
export const MAX_AST_DEPTH = 1000;

const COMPARISON_OPS = new Set(['=', '!=', '<', '>', '<=', '>=', '<=>']);

class Parser {
  private pos = 0;
  private nesting = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private advance(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'keyword' && t.value === word;
  }

  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.value === p;
  }

  private fail(expected: string, token = this.peek()): never {
    throw syntaxError(token.column, token.kind === 'eof' ? undefined : token.text, expected);
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) this.fail(word);
    return this.advance();
  }

  private expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.fail(`'${p}'`);
    return this.advance();
  }

  private enter(token: Token): void {
    if (++this.nesting >= MAX_NESTING) {
      throw new QueryParseError('malformed', `max nesting level reached at column ${token.column}`, token.column);
    }
  }

  private leave(): void {
    this.nesting--;
  }

  parseQuery(): Query {
    const query: Query = { groupBy: [], orderBy: [] };
    if (!this.isClauseStart() && this.peek().kind !== 'eof') {
      query.where = this.parseExpr();
    }
    if (this.isKeyword('GROUP')) {
      this.advance();
      this.expectKeyword('BY');
      query.groupBy.push(this.parseFieldName());
      while (this.isPunct(',')) {
        this.advance();
        query.groupBy.push(this.parseFieldName());
      }
    }
    if (this.isKeyword('HAVING')) {
      const t = this.peek();
      throw new QueryParseError('not-supported', "'HAVING' clause", t.column);
    }
    if (this.isKeyword('ORDER')) {
      this.advance();
      this.expectKeyword('BY');
      query.orderBy.push(this.parseOrderTerm());
      while (this.isPunct(',')) {
        this.advance();
        query.orderBy.push(this.parseOrderTerm());
      }
    }
    if (this.isKeyword('LIMIT')) {
      const t = this.peek();
      throw new QueryParseError('not-supported', "'LIMIT' clause", t.column);
    }
    if (this.peek().kind !== 'eof') {
      this.fail(query.orderBy.length > 0 ? "',' or end of query" : 'AND, OR, GROUP BY, ORDER BY or end of query');
    }
    return query;
  }

  private isClauseStart(): boolean {
    return (
      ((this.isKeyword('ORDER') || this.isKeyword('GROUP')) && this.isKeyword('BY', 1)) ||
      this.isKeyword('LIMIT') ||
      this.isKeyword('HAVING')
    );
  }

  private parseFieldName(): FieldRef {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail('a search attribute name');
    this.advance();
    return { kind: 'field', name: t.value, column: t.column, quoted: !!t.quoted };
  }

  private parseOrderTerm(): OrderTerm {
    const field = this.parseFieldName();
    let direction: 'asc' | 'desc' = 'asc';
    if (this.isKeyword('ASC')) this.advance();
    else if (this.isKeyword('DESC')) {
      this.advance();
      direction = 'desc';
    }
    return { field, direction };
  }

  private parseExpr(): Expr {
    let left = this.parseAnd();
    while (this.isKeyword('OR')) {
      const op = this.advance();
      const right = this.parseAnd();
      left = { kind: 'or', left, right, column: op.column };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isKeyword('AND')) {
      const op = this.advance();
      const right = this.parseNot();
      left = { kind: 'and', left, right, column: op.column };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isKeyword('NOT')) {
      const t = this.advance();
      this.enter(t);
      const expr = this.parseNot();
      this.leave();
      return { kind: 'not', expr, column: t.column };
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Expr {
    if (this.isPunct('(')) {
      const open = this.advance();
      this.enter(open);
      const expr = this.parseExpr();
      this.expectPunct(')');
      this.leave();
      return expr;
    }
    const left = this.parseOperand('a search attribute name, NOT or (');
    const t = this.peek();

    if (t.kind === 'op' && COMPARISON_OPS.has(t.value)) {
      this.advance();
      const right = this.parseOperand('a value');
      return { kind: 'compare', op: t.value as ComparisonOperator, left, right, column: t.column };
    }

    let negated = false;
    if (this.isKeyword('NOT')) {
      const after = this.peek(1);
      if (after.kind === 'keyword' && ['IN', 'BETWEEN', 'STARTS_WITH', 'LIKE', 'REGEXP'].includes(after.value)) {
        this.advance();
        negated = true;
      } else {
        this.advance();
        this.fail('IN, BETWEEN, STARTS_WITH or LIKE after NOT');
      }
    }
    const opToken = this.peek();
    if (this.isKeyword('IN')) {
      this.advance();
      this.expectPunct('(');
      const values: Operand[] = [this.parseOperand('a value')];
      while (this.isPunct(',')) {
        this.advance();
        values.push(this.parseOperand('a value'));
      }
      this.expectPunct(')');
      return { kind: 'in', negated, left, values, column: opToken.column };
    }
    if (this.isKeyword('BETWEEN')) {
      this.advance();
      const from = this.parseOperand('a value');
      this.expectKeyword('AND');
      const to = this.parseOperand('a value');
      return { kind: 'between', negated, left, from, to, column: opToken.column };
    }
    for (const word of ['STARTS_WITH', 'LIKE', 'REGEXP']) {
      if (this.isKeyword(word)) {
        this.advance();
        const right = this.parseOperand('a value');
        const op = `${negated ? 'not ' : ''}${word.toLowerCase()}` as ComparisonOperator;
        return { kind: 'compare', op, left, right, column: opToken.column };
      }
    }
    if (this.isKeyword('IS')) {
      this.advance();
      let not = false;
      if (this.isKeyword('NOT')) {
        this.advance();
        not = true;
      }
      const what = this.peek();
      if (what.kind !== 'keyword' || !['NULL', 'TRUE', 'FALSE'].includes(what.value)) this.fail('NULL or NOT NULL');
      this.advance();
      const test = `${not ? 'not ' : ''}${what.value.toLowerCase()}` as IsTest;
      return { kind: 'is', left, test, column: opToken.column };
    }
    return { kind: 'operand', operand: left, column: left.column };
  }

  private parseOperand(expected: string): Operand {
    const t = this.peek();
    switch (t.kind) {
      case 'ident':
        this.advance();
        return { kind: 'field', name: t.value, column: t.column, quoted: !!t.quoted };
      case 'string':
        this.advance();
        return { kind: 'string', value: t.value, text: t.text, column: t.column };
      case 'int':
      case 'float':
        this.advance();
        return { kind: t.kind, value: t.value, text: t.text, column: t.column };
      case 'keyword':
        if (t.value === 'TRUE' || t.value === 'FALSE') {
          this.advance();
          return { kind: 'bool', value: t.value === 'TRUE', text: t.text, column: t.column };
        }
        if (t.value === 'NULL') {
          this.advance();
          return { kind: 'null', text: t.text, column: t.column };
        }
        break;
      case 'op':
        if (t.value === '-' || t.value === '+') {
          this.advance();
          this.enter(t);
          const inner = this.parseOperand('a number');
          this.leave();
          if (inner.kind !== 'int' && inner.kind !== 'float') this.fail('a number', t);
          return signed(inner, t.value === '-', t);
        }
        break;
      default:
        break;
    }
    return this.fail(expected);
  }
}

function signed(lit: Literal & { kind: 'int' | 'float' }, negate: boolean, sign: Token): Literal {
  let value = lit.value;
  if (negate) value = value.startsWith('-') ? value.slice(1) : `-${value}`;
  return { kind: lit.kind, value, text: `${sign.text}${lit.text}`, column: sign.column };
}

/** Depth of the condition tree, computed without recursion so that any input is safe. */
function exprDepth(root: Expr): number {
  let max = 0;
  const stack: Array<[Expr, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [e, d] = stack.pop()!;
    if (d > max) max = d;
    if (e.kind === 'and' || e.kind === 'or') stack.push([e.left, d + 1], [e.right, d + 1]);
    else if (e.kind === 'not') stack.push([e.expr, d + 1]);
  }
  return max;
}

/**
 * Parses a list filter. An empty (or blank) string is a query without conditions. Throws
 * QueryParseError (kind `malformed` for syntax errors, with the 1-based column in the message).
 */
export function parseQuery(input: string): Query {
  const query = new Parser(tokenize(input)).parseQuery();
  if (query.where && exprDepth(query.where) >= MAX_AST_DEPTH) {
    throw new QueryParseError('malformed', 'max ast depth reached', query.where.column);
  }
  return query;
}
