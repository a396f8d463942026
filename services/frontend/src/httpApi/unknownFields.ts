import type { DescMessage, Registry } from '@bufbuild/protobuf';
import type { Json } from './payloadShorthand';

const PAYLOAD_TYPES = new Set(['temporal.api.common.v1.Payload', 'temporal.api.common.v1.Payloads']);

/**
 * The path (object keys and array indexes) to the first key of a request body, in document order,
 * that names no field of its message; undefined when every key is known. Payloads are skipped
 * (shorthand takes any JSON), as are well-known types (their own JSON forms).
 */
export function firstUnknownField(desc: DescMessage, json: Json, registry: Registry): Array<string | number> | undefined {
  if (PAYLOAD_TYPES.has(desc.typeName) || typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  if (desc.typeName === 'google.protobuf.Any') {
    const typeUrl = json['@type'];
    const packed = typeof typeUrl === 'string' ? registry.getMessage(typeUrl.slice(typeUrl.lastIndexOf('/') + 1)) : undefined;
    if (!packed || packed.typeName.startsWith('google.protobuf.')) return undefined;
    const { '@type': _type, ...fields } = json;
    return firstUnknownField(packed, fields, registry);
  }
  if (desc.typeName.startsWith('google.protobuf.')) return undefined;
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (!field) return [key];
    if (value === null || !field.message) continue;
    const inner = (v: Json, at: Array<string | number>) => {
      const found = firstUnknownField(field.message!, v, registry);
      return found && [key, ...at, ...found];
    };
    if (field.fieldKind === 'list' && Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = inner(value[i]!, [i]);
        if (found) return found;
      }
    } else if (field.fieldKind === 'map' && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) {
        const found = inner(v, [k]);
        if (found) return found;
      }
    } else if (field.fieldKind === 'message') {
      const found = inner(value, []);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Where in `text` (valid JSON) the object key at `path` starts, as `line:column` (1-based), the
 * position Go's JSON decoder names in its errors; undefined when it is not there.
 */
export function keyPosition(text: string, path: ReadonlyArray<string | number>): string | undefined {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const readString = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const skipValue = (): void => {
    skipSpace();
    const ch = text[i];
    if (ch === '"') readString();
    else if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      i++;
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          skipSpace();
          readString();
          skipSpace();
          i++; // ':'
        }
        skipValue();
        skipSpace();
        if (text[i++] === close) return;
      }
    } else while (i < text.length && !',}] \t\r\n'.includes(text[i]!)) i++;
  };
  /** Descends into the value at `i` along path[depth]; returns the key's start when found. */
  const find = (depth: number): number | undefined => {
    skipSpace();
    const step = path[depth]!;
    const ch = text[i];
    if (ch === '{' && typeof step === 'string') {
      i++;
      skipSpace();
      if (text[i] === '}') return undefined;
      for (;;) {
        skipSpace();
        const keyStart = i;
        const key = readString();
        skipSpace();
        i++; // ':'
        if (key === step) return depth === path.length - 1 ? keyStart : find(depth + 1);
        skipValue();
        skipSpace();
        if (text[i++] === '}') return undefined;
      }
    }
    if (ch === '[' && typeof step === 'number') {
      i++;
      for (let index = 0; ; index++) {
        skipSpace();
        if (text[i] === ']') return undefined;
        if (index === step) return find(depth + 1);
        skipValue();
        skipSpace();
        if (text[i++] === ']') return undefined;
      }
    }
    return undefined;
  };
  const at = find(0);
  if (at === undefined) return undefined;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - (before.lastIndexOf('\n') + 1) + 1;
  return `${line}:${column}`;
}
