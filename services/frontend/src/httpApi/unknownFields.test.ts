import { describe, expect, it } from 'vitest';
import { publicApiRegistry } from '../publicApiRegistry';
import { firstUnknownField, keyPosition } from './unknownFields';

const registry = publicApiRegistry();
const start = registry.getMessage('temporal.api.workflowservice.v1.StartWorkflowExecutionRequest')!;

describe('unknown fields of a request body', () => {
  it('finds the first unknown key in document order, through lists and maps, past payloads', () => {
    expect(firstUnknownField(start, { workflowType: { name: 'x' }, task_queue: { name: 'q' } }, registry)).toBeUndefined();
    expect(firstUnknownField(start, { input: [{ anything: 1 }], memo: { fields: { k: { free: true } } } }, registry)).toBeUndefined();
    expect(firstUnknownField(start, { workflowType: { nam: 'x' }, bogus: 1 }, registry)).toEqual(['workflowType', 'nam']);
    expect(firstUnknownField(start, { links: [{}, { wat: 1 }] }, registry)).toEqual(['links', 1, 'wat']);
  });

  it('gives the line and column where a key starts', () => {
    expect(keyPosition('{"bogus":1}', ['bogus'])).toBe('1:2');
    expect(keyPosition('{"a": [1, {"b": {"c": 2}}],\n  "d": {"e": 1}}', ['d', 'e'])).toBe('2:9');
    expect(keyPosition('{"a": [1, {"b": {"c": 2}}]}', ['a', 1, 'b', 'c'])).toBe('1:18');
    expect(keyPosition('{"a": "x\\"y", "b": 1}', ['b'])).toBe('1:15');
    expect(keyPosition('{"a": 1}', ['z'])).toBeUndefined();
  });
});
