import { Route } from '@kairos/proto/kairos/routing/v1/routing';

/** routing.proto: `extend google.protobuf.MethodOptions { Route route = 50301; }`. */
const ROUTE_FIELD = 50301;
// ts-proto emits the options it has no type for as `_unknownFields`, keyed by the field's wire tag
// (field number << 3 | 2 for a length-delimited message), each value the length-prefixed payload.
const ROUTE_TAG = (ROUTE_FIELD << 3) | 2;

/** A method of a ts-proto generic service definition, as far as its options go. */
export interface MethodWithOptions {
  options?: { _unknownFields?: Record<number, readonly Uint8Array[]> };
}

/** The `(kairos.routing.v1.route)` option declared on an RPC, or undefined when it has none. */
export function declaredRoute(method: MethodWithOptions): Route | undefined {
  const values = method.options?._unknownFields?.[ROUTE_TAG];
  if (!values || values.length === 0) return undefined;
  // buf writes an option set in several statements as one occurrence; ts-proto's decoder would
  // not merge several (it keeps the last), so they are refused rather than half read.
  if (values.length > 1) throw new Error('the (kairos.routing.v1.route) option occurs more than once in a generated service definition');
  return Route.decode(payloadOf(values[0]!));
}

/** The bytes after a length prefix (a base-128 varint). */
function payloadOf(value: Uint8Array): Uint8Array {
  let length = 0;
  for (let i = 0, shift = 0; i < value.length && i < 5; i++, shift += 7) {
    length += (value[i]! & 0x7f) * 2 ** shift;
    if (value[i]! < 0x80) {
      if (i + 1 + length > value.length) break;
      return value.subarray(i + 1, i + 1 + length);
    }
  }
  throw new Error('malformed (kairos.routing.v1.route) option in a generated service definition');
}
