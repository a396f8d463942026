import { describe, expect, it } from 'vitest';
import { batchQuerySyntaxError } from './batchQuerySyntax';

describe('batchQuerySyntaxError', () => {
  // Each answer as the Temporal dev server (1.32.0) gave it for StartBatchOperation.
  it.each([
    ['WorkflowId = ', 'syntax error at position 40'],
    ['()', 'syntax error at position 29'],
    ["WorkflowId = 'a' AND AND x", "syntax error at position 51 near 'and'"],
    ["WorkflowId = 'a' OR", 'syntax error at position 46'],
    ["WorkflowId = 'unterminated", "syntax error at position 53 near 'unterminated'"],
    ['a b c', "syntax error at position 30 near 'b'"],
    ["WorkflowId == 'x'", 'syntax error at position 40'],
    ['ORDER BY StartTime', "syntax error at position 32 near 'order'"],
    ["WorkflowId = 'a' )", 'syntax error at position 45'],
    ["WorkflowId = 'é' AND AND", "syntax error at position 52 near 'and'"],
  ])('%s', (query, expected) => {
    expect(batchQuerySyntaxError(query)).toBe(expected);
  });

  it('leaves meaning to the batch: unknown attributes and LIMIT are not syntax errors', () => {
    expect(batchQuerySyntaxError("WorkflowType = 'x'")).toBeUndefined();
    expect(batchQuerySyntaxError('NoSuchAttribute = 1')).toBeUndefined();
    expect(batchQuerySyntaxError("WorkflowType = 'x' limit 5")).toBeUndefined();
  });
});
