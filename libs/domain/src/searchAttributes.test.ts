import { describe, expect, it } from 'vitest';
import type { Payload } from '@kairos/proto/temporal/api/common/v1/message';
import {
  decodeSearchAttributeValue,
  encodeSearchAttributes,
  encodeSearchAttributeValue,
  formatDatetime,
  isReservedSearchAttributeName,
  mergePayloadMap,
  searchAttributesProblem,
  typedSearchAttributes,
  withTypeMetadata,
  type SearchAttributeType,
} from './searchAttributes';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);
/** A payload as the SDKs send it: JSON, with the type metadata when typed. */
function json(value: unknown, type?: string): Payload {
  return { metadata: { encoding: bytes('json/plain'), ...(type ? { type: bytes(type) } : {}) }, data: bytes(JSON.stringify(value)), externalPayloads: [] };
}
const nullPayload: Payload = { metadata: { encoding: bytes('binary/null') }, data: new Uint8Array(), externalPayloads: [] };

const CUSTOM = new Map<string, SearchAttributeType>([
  ['Customer', 'Keyword'],
  ['Amount', 'Int'],
  ['Score', 'Double'],
  ['Vip', 'Bool'],
  ['Due', 'Datetime'],
  ['Tags', 'KeywordList'],
  ['Notes', 'Text'],
]);

describe('search attribute payloads', () => {
  it('decode to the stored value of each type, a one-element list to its element', () => {
    expect(decodeSearchAttributeValue(json('a'), 'Keyword')).toBe('a');
    expect(decodeSearchAttributeValue(json(['a']), 'Keyword')).toBe('a');
    expect(decodeSearchAttributeValue(json('some words'), 'Text')).toBe('some words');
    expect(decodeSearchAttributeValue(json(7), 'Int')).toBe(7);
    expect(decodeSearchAttributeValue(json([7]), 'Int')).toBe(7);
    expect(decodeSearchAttributeValue(json(1.5), 'Double')).toBe(1.5);
    expect(decodeSearchAttributeValue(json(true), 'Bool')).toBe(true);
    expect(decodeSearchAttributeValue(json('2024-01-02T03:04:05.678Z'), 'Datetime')).toBe(Date.parse('2024-01-02T03:04:05.678Z'));
    expect(decodeSearchAttributeValue(json('2024-01-02T05:04:05.123456789+02:00'), 'Datetime')).toBe(Date.parse('2024-01-02T03:04:05.123Z'));
    expect(decodeSearchAttributeValue(json(['x', 'y']), 'KeywordList')).toEqual(['x', 'y']);
  });

  it('decode null, an empty list and binary/null to "no value"', () => {
    for (const type of ['Keyword', 'Int', 'KeywordList'] as const) {
      expect(decodeSearchAttributeValue(json(null), type)).toBeNull();
      expect(decodeSearchAttributeValue(json([]), type)).toBeNull();
      expect(decodeSearchAttributeValue(nullPayload, type)).toBeNull();
    }
  });

  it('refuse values of another type, printing them as Temporal does', () => {
    expect(decodeSearchAttributeValue(json(['x']), 'Int')).toEqual({ invalid: '[x]' });
    expect(decodeSearchAttributeValue(json(['one', 'two']), 'Keyword')).toEqual({ invalid: '[one two]' });
    expect(decodeSearchAttributeValue(json(1.5), 'Int')).toEqual({ invalid: '1.5' });
    expect(decodeSearchAttributeValue(json('yes'), 'Bool')).toEqual({ invalid: 'yes' });
    expect(decodeSearchAttributeValue(json('yesterday'), 'Datetime')).toEqual({ invalid: 'yesterday' });
    expect(decodeSearchAttributeValue(json('x'), 'KeywordList')).toEqual({ invalid: 'x' });
    expect(decodeSearchAttributeValue(json({ a: 1 }), 'Keyword')).toEqual({ invalid: 'map[a:1]' });
  });

  it('encode with the type metadata; Datetime as RFC 3339 without trailing zeros', () => {
    const p = encodeSearchAttributeValue(Date.parse('2024-01-02T03:04:05.120Z'), 'Datetime');
    expect(text(p.metadata.type)).toBe('Datetime');
    expect(text(p.metadata.encoding)).toBe('json/plain');
    expect(text(p.data)).toBe('"2024-01-02T03:04:05.12Z"');
    expect(formatDatetime(Date.parse('2024-01-02T03:04:05Z'))).toBe('2024-01-02T03:04:05Z');
    expect(text(encodeSearchAttributeValue(['a'], 'KeywordList').data)).toBe('["a"]');
  });

  it('round-trip through the typed form of a visibility row; unregistered names are left out', () => {
    const fields = {
      Customer: json('c-1', 'Keyword'),
      Amount: json(3),
      Tags: json(['t']),
      Due: json('2024-01-02T03:04:05Z'),
      Unregistered: json('x'),
      BuildIds: json(['unversioned']),
      Vip: json(null),
    };
    const typed = typedSearchAttributes(fields, CUSTOM);
    expect(typed).toEqual({ Customer: 'c-1', Amount: 3, Tags: ['t'], Due: Date.parse('2024-01-02T03:04:05Z'), BuildIds: ['unversioned'] });
    const encoded = encodeSearchAttributes({ ...typed, Removed: 'x' }, CUSTOM)!;
    expect(Object.keys(encoded.indexedFields).sort()).toEqual(['Amount', 'BuildIds', 'Customer', 'Due', 'Tags']);
    expect(text(encoded.indexedFields.Amount!.metadata.type)).toBe('Int');
    expect(text(encoded.indexedFields.Due!.data)).toBe('"2024-01-02T03:04:05Z"');
  });

  it('get the missing type metadata added (ApplyTypeMap), keeping what is there', () => {
    const sa = withTypeMetadata({ indexedFields: { Amount: json(3), Customer: json('c', 'Text'), Unknown: json(1) } }, CUSTOM)!;
    expect(text(sa.indexedFields.Amount!.metadata.type)).toBe('Int');
    expect(text(sa.indexedFields.Customer!.metadata.type)).toBe('Text');
    expect(sa.indexedFields.Unknown!.metadata.type).toBeUndefined();
  });

  it('merge as Temporal upserts: null and [] remove', () => {
    const merged = mergePayloadMap({ a: json(1), b: json(2), c: json(3) }, { a: json(null), b: json([]), d: json(4) });
    expect(Object.keys(merged).sort()).toEqual(['c', 'd']);
  });
});

describe('search attribute checks', () => {
  const check = (fields: Record<string, Payload>) => searchAttributesProblem({ indexedFields: fields }, CUSTOM, 'default');

  it('accept registered and settable predefined attributes, and removals', () => {
    expect(check({ Customer: json('x'), Amount: json([1]), TemporalChangeVersion: json(['v1']), Vip: json(null) })).toBeUndefined();
    expect(searchAttributesProblem(undefined, CUSTOM, 'default')).toBeUndefined();
  });

  it('name what is wrong in Temporal\'s words', () => {
    expect(check({ Nope: json('x') })).toBe('Namespace default has no mapping defined for search attribute Nope');
    expect(check({ WorkflowId: json('x') })).toBe("WorkflowId attribute can't be set in SearchAttributes");
    expect(check({ TemporalWorkerDeployment: json('x') })).toBe("TemporalWorkerDeployment attribute can't be set in SearchAttributes");
    expect(check({ Amount: json('many') })).toBe('invalid value for search attribute Amount of type Int: many');
    expect(check({ Customer: json('x'.repeat(3000)) })).toBe('search attribute Customer value size 3002 exceeds size limit 2048');
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`Customer${i}`, json('y'.repeat(2000))]));
    const custom = new Map([...CUSTOM, ...Object.keys(many).map((k) => [k, 'Keyword'] as const)]);
    expect(searchAttributesProblem({ indexedFields: many }, custom, 'default')).toMatch(/^total size of search attributes \d+ exceeds size limit 40960$/);
  });

  it('know the reserved names', () => {
    for (const name of ['WorkflowId', 'BuildIds', 'TemporalAnything', 'Memo', 'NamespaceId']) expect(isReservedSearchAttributeName(name)).toBe(true);
    for (const name of ['Customer', 'temporalLower', 'Scheduled']) expect(isReservedSearchAttributeName(name)).toBe(false);
  });
});
