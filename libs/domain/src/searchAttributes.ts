import { setting } from '@kairos/common/settings';
import type { VisibilityValue } from '@kairos/persistence/store';
import { Payload, SearchAttributes } from '@kairos/proto/temporal/api/common/v1/message';
import { IndexedValueType } from '@kairos/proto/temporal/api/enums/v1/common';
import { nanosToMillis, parseRfc3339Nanos, PREDEFINED_SEARCH_ATTRIBUTES, SYSTEM_SEARCH_ATTRIBUTES, type SearchAttributeType } from '@kairos/visibility';

export type { SearchAttributeType } from '@kairos/visibility';

/**
 * Search attributes as Temporal handles them (common/searchattribute: sadefs constants and
 * encode_value.go, validator.go; common/payload MergeMapOfPayload): names, types, the JSON
 * payloads the SDKs send and the typed values the visibility table stores.
 */


const BY_ENUM: ReadonlyMap<IndexedValueType, SearchAttributeType> = new Map([
  [IndexedValueType.INDEXED_VALUE_TYPE_TEXT, 'Text'],
  [IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, 'Keyword'],
  [IndexedValueType.INDEXED_VALUE_TYPE_INT, 'Int'],
  [IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE, 'Double'],
  [IndexedValueType.INDEXED_VALUE_TYPE_BOOL, 'Bool'],
  [IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, 'Datetime'],
  [IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST, 'KeywordList'],
]);
const BY_NAME: ReadonlyMap<SearchAttributeType, IndexedValueType> = new Map([...BY_ENUM].map(([e, n]) => [n, e]));

/** The shorthand (`Keyword`) of an IndexedValueType; undefined for UNSPECIFIED and unknown numbers. */
export function searchAttributeTypeOf(value: IndexedValueType): SearchAttributeType | undefined {
  return BY_ENUM.get(value);
}

export function indexedValueTypeOf(type: SearchAttributeType): IndexedValueType {
  return BY_NAME.get(type)!;
}

/** Field names that are not search attributes but cannot be used as one (sadefs `reserved`). */
const RESERVED_NAMES = new Set(['NamespaceId', 'MemoEncoding', 'Memo', 'VisibilityTaskKey']);
const RESERVED_PREFIX = 'Temporal';

/** sadefs.IsReserved: system, predefined and reserved names, and anything starting with `Temporal`. */
export function isReservedSearchAttributeName(name: string): boolean {
  return SYSTEM_SEARCH_ATTRIBUTES.has(name) || PREDEFINED_SEARCH_ATTRIBUTES.has(name) || RESERVED_NAMES.has(name) || name.startsWith(RESERVED_PREFIX);
}

/** System and predefined attributes together, as ListSearchAttributes' system_attributes. */
export function systemSearchAttributes(): Map<string, SearchAttributeType> {
  return new Map([...SYSTEM_SEARCH_ATTRIBUTES, ...PREDEFINED_SEARCH_ATTRIBUTES]);
}

/** The predefined attributes a user may set (sadefs predefinedWhiteList); the others are the server's. */
const PREDEFINED_USER_SETTABLE = new Set([
  'TemporalChangeVersion',
  'BinaryChecksums',
  'BuildIds',
  'BatcherNamespace',
  'BatcherUser',
  'TemporalScheduledStartTime',
  'TemporalScheduledById',
  'TemporalSchedulePaused',
  'TemporalNamespaceDivision',
  'TemporalPauseInfo',
  'TemporalReportedProblems',
]);

/** The type of a settable attribute: custom first, then predefined (system ones are not settable). */
export function searchAttributeType(name: string, custom: ReadonlyMap<string, SearchAttributeType>): SearchAttributeType | undefined {
  if (SYSTEM_SEARCH_ATTRIBUTES.has(name)) return undefined;
  return PREDEFINED_SEARCH_ATTRIBUTES.get(name) ?? custom.get(name);
}

// ---------------------------------------------------------------------------------------------
// Payloads

const utf8 = new TextDecoder('utf-8', { fatal: true });
const toBytes = (text: string) => new TextEncoder().encode(text);
const metadataText = (payload: Payload, key: string): string | undefined => {
  const raw = payload.metadata?.[key];
  return raw === undefined ? undefined : Buffer.from(raw).toString('utf8');
};

/**
 * common/payload isNilPayload: no payload, no data, JSON `null` or `[]`. In an upsert such a value
 * removes the attribute (or memo field).
 */
export function isNilPayload(payload: Payload | undefined): boolean {
  if (!payload || !payload.data || payload.data.length === 0) return true;
  const text = Buffer.from(payload.data).toString('utf8');
  return text === 'null' || text === '[]';
}

/** common/payload MergeMapOfPayload: `updates` over `current`, a nil value deleting the key. */
export function mergePayloadMap(current: Record<string, Payload> | undefined, updates: Record<string, Payload> | undefined): Record<string, Payload> {
  const merged: Record<string, Payload> = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(updates ?? {})) {
    if (isNilPayload(value)) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The JSON a search attribute payload carries; `undefined` when it is not JSON (nor binary/null). */
function payloadJson(payload: Payload): { value: Json } | undefined {
  const encoding = metadataText(payload, 'encoding');
  if (encoding === 'binary/null' || !payload.data || payload.data.length === 0) return { value: null };
  if (encoding !== undefined && encoding !== 'json/plain') return undefined;
  try {
    return { value: JSON.parse(utf8.decode(payload.data)) as Json };
  } catch {
    return undefined;
  }
}

/** Go's `%v` of a decoded JSON value (the invalid value in Temporal's messages). */
function goString(value: Json): string {
  if (value === null) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goString).join(' ')}]`;
  if (typeof value === 'object') {
    return `map[${Object.keys(value)
      .sort()
      .map((k) => `${k}:${goString(value[k]!)}`)
      .join(' ')}]`;
  }
  return String(value);
}

/** One element as `type`; undefined when it is not a value of that type. */
function scalarOf(value: Json, type: SearchAttributeType): VisibilityValue | undefined {
  switch (type) {
    case 'Keyword':
    case 'Text':
      return typeof value === 'string' ? value : undefined;
    case 'Int':
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    case 'Double':
      return typeof value === 'number' ? value : undefined;
    case 'Bool':
      return typeof value === 'boolean' ? value : undefined;
    case 'Datetime': {
      if (typeof value !== 'string') return undefined;
      const nanos = parseRfc3339Nanos(value);
      return nanos === undefined ? undefined : nanosToMillis(nanos);
    }
    case 'KeywordList':
      return undefined;
  }
}

/**
 * A search attribute payload decoded as `type` (sadefs.DecodeValue): the stored value, `null` for
 * "no value" (JSON null, an empty list: removal in an upsert), or `{ invalid }` with the value as
 * Temporal prints it. A one-element list is its element; longer lists only for KeywordList.
 */
export function decodeSearchAttributeValue(payload: Payload, type: SearchAttributeType): VisibilityValue | null | { invalid: string } {
  const json = payloadJson(payload);
  if (!json) return { invalid: `value from <${Buffer.from(payload.data ?? []).toString('utf8')}>` };
  const value = json.value;
  if (value === null) return null;
  const invalid = { invalid: goString(value) };
  if (type === 'KeywordList') {
    if (!Array.isArray(value)) return invalid;
    if (value.length === 0) return null;
    return value.every((v) => typeof v === 'string') ? (value as string[]) : invalid;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return null;
    if (value.length > 1) return invalid;
    return scalarOf(value[0]!, type) ?? invalid;
  }
  return scalarOf(value, type) ?? invalid;
}

/** Temporal's time.Time JSON: RFC 3339 with the fraction's trailing zeros dropped. */
export function formatDatetime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z').replace(/(\.\d*?)0+Z$/, '$1Z');
}

/** sadefs.EncodeValue: JSON with the `type` metadata (Datetime as RFC 3339). */
export function encodeSearchAttributeValue(value: VisibilityValue, type: SearchAttributeType): Payload {
  const json = type === 'Datetime' && typeof value === 'number' ? formatDatetime(value) : value;
  return Payload.fromPartial({
    metadata: { encoding: toBytes('json/plain'), type: toBytes(type) },
    data: toBytes(JSON.stringify(json)),
  });
}

/**
 * The typed values of a run's search attributes for its visibility row: each decoded with its
 * registered type; unregistered names and values that do not decode are left out.
 */
export function typedSearchAttributes(
  indexedFields: Record<string, Payload> | undefined,
  custom: ReadonlyMap<string, SearchAttributeType>,
): Record<string, VisibilityValue> {
  const typed: Record<string, VisibilityValue> = {};
  for (const [name, payload] of Object.entries(indexedFields ?? {})) {
    const type = searchAttributeType(name, custom);
    if (!type) continue;
    const value = decodeSearchAttributeValue(payload, type);
    if (value !== null && !(typeof value === 'object' && 'invalid' in value)) typed[name] = value;
  }
  return typed;
}

/**
 * A visibility row's values as the API returns them: payloads with the `type` metadata. Names no
 * longer registered are left out, as Temporal does.
 */
export function encodeSearchAttributes(
  values: Record<string, VisibilityValue> | undefined,
  custom: ReadonlyMap<string, SearchAttributeType>,
): SearchAttributes | undefined {
  const indexedFields: Record<string, Payload> = {};
  for (const [name, value] of Object.entries(values ?? {})) {
    const type = searchAttributeType(name, custom);
    if (type) indexedFields[name] = encodeSearchAttributeValue(value, type);
  }
  return Object.keys(indexedFields).length > 0 ? { indexedFields } : undefined;
}

/** searchattribute.ApplyTypeMap: the `type` metadata set on payloads that lack it (a copy). */
export function withTypeMetadata(sa: SearchAttributes | undefined, custom: ReadonlyMap<string, SearchAttributeType>): SearchAttributes | undefined {
  if (!sa) return sa;
  const indexedFields: Record<string, Payload> = {};
  for (const [name, payload] of Object.entries(sa.indexedFields)) {
    const type = searchAttributeType(name, custom);
    indexedFields[name] =
      type && payload.metadata?.type === undefined ? { ...payload, metadata: { ...payload.metadata, type: toBytes(type) } } : payload;
  }
  return { indexedFields };
}

/**
 * The alias mapper's refusal of a name the namespace does not know (system, predefined or
 * registered), as Temporal words it; undefined when every name is known.
 */
export function unmappedSearchAttribute(sa: SearchAttributes | undefined, custom: ReadonlyMap<string, SearchAttributeType>, namespaceName: string): string | undefined {
  for (const name of Object.keys(sa?.indexedFields ?? {})) {
    if (!SYSTEM_SEARCH_ATTRIBUTES.has(name) && !PREDEFINED_SEARCH_ATTRIBUTES.has(name) && !custom.has(name)) {
      return `Namespace ${namespaceName} has no mapping defined for search attribute ${name}`;
    }
  }
  return undefined;
}

/**
 * Temporal's checks of the search attributes a start, upsert or continue-as-new sets (the alias
 * mapper, then searchattribute.Validator Validate and ValidateSize), in its order and words;
 * undefined when they are fine. `namespaceName` appears in the message for unknown names.
 */
export function searchAttributesProblem(
  sa: SearchAttributes | undefined,
  custom: ReadonlyMap<string, SearchAttributeType>,
  namespaceName: string,
): string | undefined {
  const fields = Object.entries(sa?.indexedFields ?? {});
  if (fields.length === 0) return undefined;
  const keysLimit = setting('domain.searchAttributesNumberOfKeys');
  const valueSizeLimit = setting('domain.searchAttributeValueSize');
  const totalSizeLimit = setting('domain.searchAttributesTotalSize');
  const unmapped = unmappedSearchAttribute(sa, custom, namespaceName);
  if (unmapped) return unmapped;
  if (fields.length > keysLimit) {
    return `number of search attributes ${fields.length} exceeds limit ${keysLimit}`;
  }
  for (const [name, payload] of fields) {
    if (SYSTEM_SEARCH_ATTRIBUTES.has(name)) return `${name} attribute can't be set in SearchAttributes`;
    const type = searchAttributeType(name, custom)!;
    if (PREDEFINED_SEARCH_ATTRIBUTES.has(name) && !PREDEFINED_USER_SETTABLE.has(name)) return `${name} attribute can't be set in SearchAttributes`;
    const value = decodeSearchAttributeValue(payload, type);
    if (value !== null && typeof value === 'object' && 'invalid' in value) {
      return `invalid value for search attribute ${name} of type ${type}: ${value.invalid}`;
    }
  }
  for (const [name, payload] of fields) {
    const size = payload.data?.length ?? 0;
    if (size > valueSizeLimit) {
      return `search attribute ${name} value size ${size} exceeds size limit ${valueSizeLimit}`;
    }
  }
  const total = SearchAttributes.encode(sa!).finish().length;
  if (total > totalSizeLimit) return `total size of search attributes ${total} exceeds size limit ${totalSizeLimit}`;
  return undefined;
}
