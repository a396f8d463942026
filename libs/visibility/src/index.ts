export * from './ast';
export * from './errors';
export { KEYWORDS, tokenize, type Token, type TokenKind } from './lexer';
export { MAX_AST_DEPTH, MAX_NESTING, parseQuery } from './parser';
export * from './fields';
export { nanosToMillis, parseExecutionDuration, parseGoDuration, parseRfc3339Nanos, tokenizeText, TEXT_SEPARATORS } from './values';
export {
  buildCountQuery,
  buildListQuery,
  compileFilter,
  escapeGlobPrefix,
  escapeLikePrefix,
  MAX_CLOSE_TIME_MS,
  sortKeyColumn,
  sqliteSearchAttributeExpr,
  type CountGroup,
  type CountQuery,
  type CountResult,
  type Dialect,
  type ListQuery,
  type ListQueryRequest,
  type SqlStatement,
  type VisibilitySqlOptions,
} from './sql';
export { visibilitySchema } from './schema';
export {
  VISIBILITY_TABLE,
  visibilityTableDdl,
  type ColumnDefinition,
  type IndexDefinition,
  type TableDefinition,
  type VisibilityDdlOptions,
} from './table';
