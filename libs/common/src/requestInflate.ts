import { status } from '@grpc/grpc-js';
import { BaseServerInterceptingCall } from '@grpc/grpc-js/build/src/server-interceptors';
import { gunzipSync, inflateSync } from 'node:zlib';

/**
 * Why this file exists: the Temporal SDKs' core (Rust, tonic) gzips every request message it
 * sends. grpc-js inflates each one through a zlib *stream*: a stream object with its listeners,
 * a round trip through libuv's thread pool and a chain of events per message. Under workload A
 * that was about 14 % of the server's busy CPU, for messages of a few hundred bytes. Inflating a
 * small message in one synchronous call costs a small fraction of that and yields the same bytes.
 *
 * grpc-js has no option for this, so `useSynchronousRequestInflate` replaces the one method of
 * its server call that inflates (`decompressMessage`) for gzip/deflate messages up to
 * `SYNCHRONOUS_INFLATE_LIMIT` compressed bytes; other encodings and larger messages go to the
 * original method. Errors keep grpc-js's codes and texts. If a grpc-js upgrade renames the
 * method, nothing is replaced and grpc-js's own path serves (returns false).
 */
export const SYNCHRONOUS_INFLATE_LIMIT = 64 * 1024;

type Inflate = (this: { maxReceiveMessageSize: number }, message: Buffer, encoding: string) => Buffer | Promise<Buffer>;
type CallPrototype = { decompressMessage?: Inflate; [REPLACED]?: true };
const REPLACED = Symbol.for('kairos.synchronousRequestInflate');

/** grpc-js's rejection shape for a message that cannot be read (a status code and details). */
function rejection(code: status, details: string): Promise<never> {
  return Promise.reject({ code, details });
}

/** The inflating method that replaces grpc-js's (exported for its unit test). */
export function synchronousInflate(original: Inflate): Inflate {
  return function decompressMessage(message, encoding) {
    const compressed = encoding === 'gzip' || encoding === 'deflate';
    if (!compressed || message.length - 5 > SYNCHRONOUS_INFLATE_LIMIT) return original.call(this, message, encoding);
    const limit = this.maxReceiveMessageSize;
    const inflate = encoding === 'gzip' ? gunzipSync : inflateSync;
    try {
      // The 5-byte gRPC frame header (compressed flag, length) precedes the message.
      return inflate(message.subarray(5), limit >= 0 ? { maxOutputLength: Math.max(1, limit) } : {});
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        return rejection(status.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${limit}`);
      }
      return rejection(status.INTERNAL, 'Failed to decompress message');
    }
  };
}

/** Replaces grpc-js's streaming inflate of small request messages, once per process. */
export function useSynchronousRequestInflate(): boolean {
  const prototype = BaseServerInterceptingCall.prototype as unknown as CallPrototype;
  if (prototype[REPLACED]) return true;
  const original = prototype.decompressMessage;
  if (typeof original !== 'function') return false;
  prototype.decompressMessage = synchronousInflate(original);
  prototype[REPLACED] = true;
  return true;
}
