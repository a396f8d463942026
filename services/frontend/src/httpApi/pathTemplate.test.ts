import { describe, expect, it } from 'vitest';
import { matchPathTemplate, parsePathTemplate, pathComponents } from './pathTemplate';

const match = (template: string, path: string) => matchPathTemplate(parsePathTemplate(template), pathComponents(path)!);

describe('path templates', () => {
  it('binds single-segment variables, nested field paths included', () => {
    expect(match('/api/v1/namespaces/{namespace}/workflows/{execution.workflow_id}', '/api/v1/namespaces/default/workflows/wf-1')).toEqual([
      { fieldPath: ['namespace'], value: 'default' },
      { fieldPath: ['execution', 'workflow_id'], value: 'wf-1' },
    ]);
  });

  it('needs every literal and the same number of segments', () => {
    const template = '/api/v1/namespaces/{namespace}/workflows/{workflow_id}';
    expect(match(template, '/api/v1/namespaces/default/workflows')).toBeUndefined();
    expect(match(template, '/api/v1/namespaces/default/workflows/a/b')).toBeUndefined();
    expect(match(template, '/api/v1/namespaces/default/activities/a')).toBeUndefined();
    // An empty segment is a value (grpc-gateway binds it; the handler refuses the empty field).
    expect(match(template, '/api/v1/namespaces/default/workflows/')).toEqual([
      { fieldPath: ['namespace'], value: 'default' },
      { fieldPath: ['workflow_id'], value: '' },
    ]);
  });

  it('decodes the path before splitting it, as grpc-gateway does by default', () => {
    expect(match('/api/v1/namespaces/{namespace}/workflows/{workflow_id}', '/api/v1/namespaces/default/workflows/my%20wf')).toEqual([
      { fieldPath: ['namespace'], value: 'default' },
      { fieldPath: ['workflow_id'], value: 'my wf' },
    ]);
    // An encoded slash splits like a plain one: such an id does not fit one segment.
    expect(match('/api/v1/namespaces/{namespace}/workflows/{workflow_id}', '/api/v1/namespaces/default/workflows/a%2Fb')).toBeUndefined();
    expect(pathComponents('/bad%zz')).toBeUndefined();
  });

  it('takes the rest of the path for ** and a verb only when the template has one', () => {
    expect(match('/v1/{name=operations/**}', '/v1/operations/a/b/c')).toEqual([{ fieldPath: ['name'], value: 'operations/a/b/c' }]);
    expect(match('/v1/{name=operations/*}:cancel', '/v1/operations/x:cancel')).toEqual([{ fieldPath: ['name'], value: 'operations/x' }]);
    expect(match('/v1/{name=operations/*}:cancel', '/v1/operations/x')).toBeUndefined();
    // Without a verb in the template, a colon is part of the value.
    expect(match('/api/v1/namespaces/{namespace}', '/api/v1/namespaces/a:b')).toEqual([{ fieldPath: ['namespace'], value: 'a:b' }]);
  });

  it('refuses malformed templates', () => {
    expect(() => parsePathTemplate('api/v1')).toThrow(/must start with/);
    expect(() => parsePathTemplate('/a/{b')).toThrow(/unclosed/);
    expect(() => parsePathTemplate('/a/**/b')).toThrow(/\*\* must be last/);
  });
});
