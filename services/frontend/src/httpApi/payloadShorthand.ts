/**
 * Temporal's payload "shorthand" in its HTTP API's JSON (api-go's Payload/Payloads JSON
 * marshalers, on unless the request says `noPayloadShorthand`):
 * - out: a `json/plain` payload (no other metadata) is its JSON value, a `json/protobuf` one its
 *   object with `_protoMessageType`, a `binary/null` one the standard form without data; a
 *   Payloads whose every payload has a shorthand is the array of them, else the standard
 *   `{"payloads": [...]}` with each payload in shorthand where it has one.
 * - in: any JSON value is a payload (`null`: binary/null; `{"_protoMessageType": …}`: json/protobuf;
 *   else json/plain with the value as data, written as Go's encoding/json writes it) unless it is
 *   the standard form; an array is a Payloads.
 * These functions work on one Payload's or Payloads' proto3 JSON; `jsonWalk.ts` finds them.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const BINARY_NULL = 'binary/null';
const JSON_PLAIN = 'json/plain';
const JSON_PROTOBUF = 'json/protobuf';
const MESSAGE_TYPE_KEY = '_protoMessageType';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const BINARY_NULL_BASE64 = base64(BINARY_NULL);

/** The standard proto3 JSON of a binary/null payload, which is also its "shorthand" out. */
function binaryNullPayload(): JsonObject {
  return { metadata: { encoding: BINARY_NULL_BASE64 } };
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Base64 as protojson reads it (standard or URL alphabet, padding optional), or undefined. */
function decodeBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  return Buffer.from(unpadded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** The shorthand of one payload given as proto3 JSON, or undefined when it has none. */
function payloadShorthand(payload: Json): { value: Json } | undefined {
  if (!isObject(payload)) return undefined;
  const metadata = isObject(payload.metadata) ? payload.metadata : {};
  const keys = Object.keys(metadata);
  const text = (key: string) => {
    const raw = metadata[key];
    return typeof raw === 'string' ? decodeBase64(raw)?.toString('utf8') : undefined;
  };
  const data = typeof payload.data === 'string' ? (decodeBase64(payload.data) ?? Buffer.alloc(0)) : Buffer.alloc(0);
  const parsed = (): { value: Json } | undefined => {
    try {
      return { value: JSON.parse(data.toString('utf8')) as Json };
    } catch {
      return undefined;
    }
  };
  switch (text('encoding')) {
    case BINARY_NULL:
      return { value: binaryNullPayload() };
    case JSON_PLAIN: {
      if (keys.length !== 1) return undefined;
      const value = parsed();
      // JSON null has no value of its own in Go's marshaler: it is written as a binary/null payload.
      return value && { value: value.value === null ? binaryNullPayload() : sortedKeys(value.value) };
    }
    case JSON_PROTOBUF: {
      const messageType = text('messageType');
      if (!messageType || keys.length !== 2) return undefined;
      const value = parsed();
      // Go decodes the data into a map: anything but an object keeps the standard form.
      if (!value || !isObject(value.value)) return undefined;
      return { value: sortedKeys({ ...value.value, [MESSAGE_TYPE_KEY]: messageType }) };
    }
    default:
      return undefined;
  }
}

/** A Payload's JSON out: its shorthand when it has one, else as given. */
export function renderPayload(payload: Json): Json {
  return payloadShorthand(payload)?.value ?? payload;
}

/** A Payloads' JSON out: the array of shorthands when every payload has one, else the standard form with each payload rendered. */
export function renderPayloads(payloads: Json): Json {
  if (!isObject(payloads)) return payloads;
  const list = Array.isArray(payloads.payloads) ? payloads.payloads : [];
  const shorthands = list.map(payloadShorthand);
  if (shorthands.every((s) => s !== undefined)) return shorthands.map((s) => s!.value);
  return { ...payloads, payloads: list.map(renderPayload) };
}

/** Thrown for a shorthand payload the request cannot mean (INVALID_ARGUMENT). */
export class ShorthandError extends Error {}

/** A Payload's JSON in, as standard proto3 JSON. */
export function readPayload(value: Json): Json {
  if (value === null) return binaryNullPayload();
  if (isObject(value)) {
    const standard = standardPayload(value);
    if (standard) return standard;
    if (MESSAGE_TYPE_KEY in value) {
      const messageType = value[MESSAGE_TYPE_KEY];
      if (typeof messageType !== 'string') {
        throw new ShorthandError(`unable to unmarshal payload: internal key "${MESSAGE_TYPE_KEY}" should have type string`);
      }
      const rest = { ...value };
      delete rest[MESSAGE_TYPE_KEY];
      return { metadata: { encoding: base64(JSON_PROTOBUF), messageType: base64(messageType) }, data: base64(goJson(rest)) };
    }
  }
  return { metadata: { encoding: base64(JSON_PLAIN) }, data: base64(goJson(value)) };
}

/** A Payloads' JSON in: an array (or null, no payloads) is shorthand, else the standard form with each payload read. */
export function readPayloads(value: Json): Json {
  if (value === null) return {};
  if (Array.isArray(value)) return { payloads: value.map(readPayload) };
  if (isObject(value) && Array.isArray(value.payloads)) return { ...value, payloads: value.payloads.map(readPayload) };
  return value;
}

/**
 * An object that is a payload in the standard form: `metadata` with an `encoding`, and `data`, all
 * base64 and nothing else; or a binary/null payload's metadata alone.
 */
function standardPayload(value: JsonObject): JsonObject | undefined {
  const { metadata, data } = value;
  if (!isObject(metadata) || !('encoding' in metadata)) return undefined;
  if (data === undefined && metadata.encoding === BINARY_NULL_BASE64) return { metadata: { encoding: BINARY_NULL_BASE64 } };
  if (data === undefined || Object.keys(value).length !== 2 || typeof data !== 'string' || !decodeBase64(data)) return undefined;
  if (!Object.values(metadata).every((v) => typeof v === 'string' && decodeBase64(v))) return undefined;
  return value;
}

/** A JSON value with every object's keys in order, as Go writes a map. */
function sortedKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortedKeys(value[k]!)]),
  );
}

/**
 * JSON text as Go's encoding/json writes a decoded value (what api-go stores as a shorthand
 * payload's data): object keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped.
 */
export function goJson(value: Json): string {
  return JSON.stringify(sortedKeys(value)).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
