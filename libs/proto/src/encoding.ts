import { BinaryWriter } from '@bufbuild/protobuf/wire';

/** What ts-proto generates for every message type. */
interface Encodes<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
}

/** A writer whose buffer grew past this is replaced rather than kept for the process. */
const KEEP_BUFFER_BYTES = 1 << 20;

let shared = new BinaryWriter();

/** The shared writer, empty: a fresh one if the last grew too large. */
function sharedWriter(): BinaryWriter {
  if (((shared as unknown as { buffer?: Uint8Array }).buffer?.length ?? 0) > KEEP_BUFFER_BYTES) shared = new BinaryWriter();
  return shared;
}

/**
 * `type.encode(message).finish()` through one writer kept for the process. Why: a fresh writer
 * starts from an empty buffer and grows it by doubling for every message, and the hot path encodes
 * several messages per request (mutable state, events, tasks, task tokens, the response); reusing
 * the grown buffer saves those allocations and copies. Encoding is synchronous, so calls never
 * interleave. The returned bytes are a copy, owned by the caller.
 */
export function encodeMessage<T>(type: Encodes<T>, message: T): Uint8Array {
  return encodeShared(type, message).finish();
}

/** `type.encode(message, sharedWriter)`; the caller calls `finish()` at once. */
function encodeShared<T>(type: Encodes<T>, message: T): BinaryWriter {
  try {
    return type.encode(message, sharedWriter());
  } catch (err) {
    // A half-written message must not prefix the next one.
    shared = new BinaryWriter();
    throw err;
  }
}

/** Messages known to have every field set (see `completeMessage`). */
const complete = new WeakSet<object>();

/**
 * Marks a message that was built complete (by the type's `fromPartial`, by `decode`, or as a
 * literal the compiler checked) and is not changed afterwards: the server then encodes it as it
 * is, where otherwise it would first normalise a deep copy with `fromPartial` (a history-carrying
 * response copied event by event). Unmarked responses keep that normalisation.
 */
export function completeMessage<T extends object>(message: T): T {
  complete.add(message);
  return message;
}

/**
 * The ts-proto service definition as nice-grpc's server codec uses it
 * (`encode(fromPartial(response)).finish()`), with every response type encoding through the shared
 * writer and `completeMessage` responses (and the complete `response` of an internal wrapper) not
 * copied first. Everything else is the definition as generated.
 */
export function withSharedResponseWriter<D extends { methods: Record<string, { responseType: Encodes<never> & { fromPartial(value: never): unknown } }> }>(definition: D): D {
  const methods: Record<string, unknown> = {};
  for (const [key, method] of Object.entries(definition.methods)) {
    const type = method.responseType as Encodes<unknown> & { fromPartial(value: unknown): unknown };
    const encode = (message: unknown, writer?: BinaryWriter) => (writer ? type.encode(message, writer) : encodeShared(type, message));
    const fromPartial = (value: unknown) => {
      if (typeof value !== 'object' || value === null) return type.fromPartial(value);
      if (complete.has(value)) return value;
      // An internal service's wrapper of a complete answer (`{ response }`): the wrapper is
      // normalised, the answer kept as it is (a copy would also lose its events' stored bytes).
      const answer = (value as { response?: unknown }).response;
      if (typeof answer !== 'object' || answer === null || !complete.has(answer)) return type.fromPartial(value);
      const wrapper = type.fromPartial({ ...value, response: undefined }) as { response?: unknown };
      wrapper.response = answer;
      return wrapper;
    };
    methods[key] = { ...method, responseType: { ...type, encode, fromPartial } };
  }
  return { ...definition, methods } as D;
}
