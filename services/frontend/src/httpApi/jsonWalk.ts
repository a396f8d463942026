import type { DescEnum, DescField, DescMessage, Registry } from '@bufbuild/protobuf';
import type { Json } from './payloadShorthand';

/** What a walk changes in a message's proto3 JSON. */
export interface JsonRewrite {
  payload(value: Json): Json;
  payloads(value: Json): Json;
  /** An enum field's value (a request may give Temporal's short names). */
  enumValue?(desc: DescEnum, value: Json): Json;
  /** Map entries in key order, as Go's protojson writes them. */
  sortMapKeys?: boolean;
}

const PAYLOAD = 'temporal.api.common.v1.Payload';
const PAYLOADS = 'temporal.api.common.v1.Payloads';
const ANY = 'google.protobuf.Any';

/**
 * The proto3 JSON of a `desc` message with every Payload, Payloads and enum value in it (nested
 * messages, lists, map values, and messages packed in an Any) passed through `rewrite`. Keys may
 * be JSON or proto names, as proto3 JSON parsers take both. Returns a new value; `json` is not changed.
 */
export function rewriteMessageJson(desc: DescMessage, json: Json, registry: Registry, rewrite: JsonRewrite): Json {
  if (desc.typeName === PAYLOAD) return rewrite.payload(json);
  if (desc.typeName === PAYLOADS) return rewrite.payloads(json);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  if (desc.typeName === ANY) return rewriteAny(json, registry, rewrite);
  // Well-known types have their own JSON forms (strings, plain values): nothing in them to rewrite.
  if (desc.typeName.startsWith('google.protobuf.')) return json;
  const out: { [key: string]: Json } = { ...json };
  for (const field of desc.fields) {
    for (const key of new Set([field.jsonName, field.name])) {
      if (key in out && out[key] !== null) out[key] = rewriteField(field, out[key]!, registry, rewrite);
    }
  }
  return out;
}

function rewriteField(field: DescField, value: Json, registry: Registry, rewrite: JsonRewrite): Json {
  const one = (v: Json): Json => {
    if (field.message) return rewriteMessageJson(field.message, v, registry, rewrite);
    if (field.enum && rewrite.enumValue) return rewrite.enumValue(field.enum, v);
    return v;
  };
  switch (field.fieldKind) {
    case 'list':
      return Array.isArray(value) ? value.map(one) : value;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      {
        const entries = Object.entries(value).map(([k, v]): [string, Json] => [k, v === null ? v : one(v)]);
        if (rewrite.sortMapKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return Object.fromEntries(entries);
      }
    default:
      return one(value);
  }
}

/** An Any's JSON holds its message's fields beside `@type` (or `value` for a well-known type). */
function rewriteAny(json: { [key: string]: Json }, registry: Registry, rewrite: JsonRewrite): Json {
  const typeUrl = json['@type'];
  if (typeof typeUrl !== 'string') return json;
  const packed = registry.getMessage(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  if (!packed || packed.typeName.startsWith('google.protobuf.')) return json;
  const { '@type': _type, ...fields } = json;
  const rewritten = rewriteMessageJson(packed, fields, registry, rewrite);
  return { '@type': typeUrl, ...(rewritten as { [key: string]: Json }) };
}

/**
 * An enum value as Temporal's JSON reader takes it: the full name, the number, or the short form
 * (the name without the enum's prefix, in PascalCase: `Normal` for TASK_QUEUE_KIND_NORMAL).
 */
export function fullEnumName(desc: DescEnum, value: Json): Json {
  if (typeof value !== 'string' || desc.values.some((v) => v.name === value)) return value;
  const prefix = enumPrefix(desc);
  const match = desc.values.find((v) => v.name.startsWith(prefix) && pascalCase(v.name.slice(prefix.length)) === value);
  return match ? match.name : value;
}

/** The prefix every value shares (`TASK_QUEUE_KIND_`), read off the zero value `…_UNSPECIFIED`. */
function enumPrefix(desc: DescEnum): string {
  const zero = desc.values.find((v) => v.number === 0)?.name ?? '';
  return zero.endsWith('UNSPECIFIED') ? zero.slice(0, -'UNSPECIFIED'.length) : '';
}

function pascalCase(screaming: string): string {
  return screaming
    .split('_')
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())
    .join('');
}
