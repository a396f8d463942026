/** Syntax tree of a list filter, as written (names not yet resolved, literals not yet typed). */

export interface FieldRef {
  kind: 'field';
  /** The name as written, backquotes removed. */
  name: string;
  column: number;
  quoted: boolean;
}

export type Literal =
  | { kind: 'string'; value: string; text: string; column: number }
  /** `value` is the literal's digits with its sign, e.g. `-12`. */
  | { kind: 'int'; value: string; text: string; column: number }
  | { kind: 'float'; value: string; text: string; column: number }
  | { kind: 'bool'; value: boolean; text: string; column: number }
  | { kind: 'null'; text: string; column: number };

export type Operand = FieldRef | Literal;

/** Operators of a `left OP right` comparison. LIKE, REGEXP and `<=>` parse but are refused later, as in Temporal. */
export type ComparisonOperator =
  | '='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | '<=>'
  | 'starts_with'
  | 'not starts_with'
  | 'like'
  | 'not like'
  | 'regexp'
  | 'not regexp';

export type IsTest = 'null' | 'not null' | 'true' | 'not true' | 'false' | 'not false';

export type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr; column: number }
  | { kind: 'not'; expr: Expr; column: number }
  | { kind: 'compare'; op: ComparisonOperator; left: Operand; right: Operand; column: number }
  | { kind: 'in'; negated: boolean; left: Operand; values: Operand[]; column: number }
  | { kind: 'between'; negated: boolean; left: Operand; from: Operand; to: Operand; column: number }
  | { kind: 'is'; left: Operand; test: IsTest; column: number }
  /** A lone name or literal where a condition is expected (`WHERE WorkflowId`); refused later. */
  | { kind: 'operand'; operand: Operand; column: number };

export interface OrderTerm {
  field: FieldRef;
  direction: 'asc' | 'desc';
}

export interface Query {
  where?: Expr;
  groupBy: FieldRef[];
  orderBy: OrderTerm[];
}
