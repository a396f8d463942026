import type { MessageType } from './wire';

/**
 * A message received already encoded from another Kairos service and passed on as it is. The
 * internal answers that carry a public one (history's and matching's `{ response = 1 }` wrappers
 * of a poll, a history page, a start) are read without decoding their `response`, and the
 * frontend (or matching) answers with those bytes: the history events in them are encoded once,
 * by history, instead of decoded and encoded again at every hop.
 */
export class RelayedMessage {
  constructor(readonly bytes: Uint8Array) {}
}

/** Field 1, length-delimited: the tag byte of a wrapper's `response`. */
const RESPONSE_TAG = 0x0a;

/** The field name every relaying wrapper gives its field 1. */
export const RELAYED_FIELD = 'response';

/**
 * Whether `type` is a wrapper whose field 1 is a message named `response` (so its bytes can be
 * relayed): an empty `response` must encode as exactly that field, empty.
 */
export function isRelayWrapper(type: MessageType): boolean {
  let known = wrappers.get(type);
  if (known === undefined) {
    const probe = type.encode(type.fromPartial({ [RELAYED_FIELD]: {} })).finish();
    known = probe.length === 2 && probe[0] === RESPONSE_TAG && probe[1] === 0;
    wrappers.set(type, known);
  }
  return known;
}

const wrappers = new WeakMap<MessageType, boolean>();

function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (let i = at; i < bytes.length; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i + 1];
    shift += 7;
    if (shift > 63) break;
  }
  throw new RangeError('malformed varint in a relayed message');
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return out;
}

/**
 * Splits an encoded wrapper into its field 1 (as found: occurrences concatenated, which is how
 * protobuf merges a repeated message field) and the other fields (for a normal decode).
 */
export function splitRelayedField(bytes: Uint8Array): { field: Uint8Array | undefined; rest: Uint8Array } {
  const fieldParts: Uint8Array[] = [];
  const restParts: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const start = at;
    const [tag, afterTag] = readVarint(bytes, at);
    const wireType = tag & 7;
    let end: number;
    switch (wireType) {
      case 0:
        end = readVarint(bytes, afterTag)[1];
        break;
      case 1:
        end = afterTag + 8;
        break;
      case 2: {
        const [length, afterLength] = readVarint(bytes, afterTag);
        end = afterLength + length;
        if (tag === RESPONSE_TAG) fieldParts.push(bytes.subarray(afterLength, end));
        break;
      }
      case 5:
        end = afterTag + 4;
        break;
      default:
        throw new RangeError(`wire type ${wireType} in a relayed message`);
    }
    if (end > bytes.length) throw new RangeError('truncated relayed message');
    if (tag !== RESPONSE_TAG) restParts.push(bytes.subarray(start, end));
    at = end;
  }
  const join = (parts: Uint8Array[]) => (parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  return { field: fieldParts.length > 0 ? join(fieldParts) : undefined, rest: restParts.length > 0 ? join(restParts) : new Uint8Array() };
}

/** Decodes a wrapper keeping its `response` encoded (a RelayedMessage; undefined when absent). */
export function decodeKeepingRelayed(type: MessageType, bytes: Uint8Array): unknown {
  const { field, rest } = splitRelayedField(bytes);
  const message = type.decode(rest) as Record<string, unknown>;
  message[RELAYED_FIELD] = field === undefined ? undefined : new RelayedMessage(field);
  return message;
}

/**
 * Encodes an answer of `type`: a RelayedMessage as its bytes; a wrapper whose `response` is one,
 * as the other fields followed by those bytes as field 1; anything else (a partial message, as
 * nice-grpc allows) through fromPartial.
 */
export function encodeAnswer(type: MessageType, answer: unknown): Uint8Array {
  if (answer instanceof RelayedMessage) return answer.bytes;
  const relayed = (answer as Record<string, unknown> | null | undefined)?.[RELAYED_FIELD];
  if (relayed instanceof RelayedMessage) {
    if (!isRelayWrapper(type)) throw new TypeError('a relayed message in a field that is not a wrapper\'s field 1');
    const others = type.encode(type.fromPartial({ ...(answer as object), [RELAYED_FIELD]: undefined })).finish();
    return Buffer.concat([others, Uint8Array.from([RESPONSE_TAG, ...varint(relayed.bytes.length)]), relayed.bytes]);
  }
  return type.encode(type.fromPartial(answer)).finish();
}
