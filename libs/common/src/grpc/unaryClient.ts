import type { Client, CompatServiceDefinition } from 'nice-grpc';
import { ClientError, type CallOptions, type ClientMiddleware, type MethodDescriptor } from 'nice-grpc-common';
import { apiErrorFromStatus } from '../grpcErrors';
import type { CallCancellation } from './callCancellation';
import { UnaryCallFailure, type Http2Connection } from './http2Connection';
import { decodeKeepingRelayed, isRelayWrapper } from './relay';
import { headersToMetadata, metadataToHeaders, type TsProtoMethod, type TsProtoServiceDefinition } from './wire';

/**
 * A nice-grpc-shaped client for a service of Kairos's own, whose methods are all unary, over one
 * Http2Connection. A failed call rejects with the ApiError the other side threw (code, message
 * and detail from `grpc-status-details-bin`), so codes and details survive the hop; an abort
 * rejects with an AbortError. `middleware` (tracing) runs around each call and sees the failure as
 * nice-grpc's ClientError, as it would with nice-grpc's client.
 */
export function createUnaryClient<D extends CompatServiceDefinition & TsProtoServiceDefinition>(
  definition: D,
  connection: Http2Connection,
  middleware?: ClientMiddleware,
  /**
   * Methods (keys of the definition) whose answer's `response` is only passed on: it stays
   * encoded, a RelayedMessage (see relay.ts), for a server to send as it is.
   */
  relayed: ReadonlySet<string> = new Set(),
): Client<D> {
  const client: Record<string, (request: unknown, options?: CallOptions) => Promise<unknown>> = {};
  for (const [key, raw] of Object.entries(definition.methods)) {
    const method = raw as TsProtoMethod;
    if (method.requestStream || method.responseStream) continue; // Kairos's internal services have none
    const path = `/${definition.fullName}/${method.name}`;
    const descriptor: MethodDescriptor = { path, requestStream: false, responseStream: false, options: method.options };
    const { requestType, responseType } = method;
    const relays = relayed.has(key);
    if (relays && !isRelayWrapper(responseType)) throw new Error(`${path}: its answer has no field 1 "response" to relay`);
    const decode = relays ? (bytes: Uint8Array) => decodeKeepingRelayed(responseType, bytes) : (bytes: Uint8Array) => responseType.decode(bytes);

    /** The call on the wire; a failure is a ClientError carrying its status details. */
    async function call(request: unknown, options: CallOptions): Promise<unknown> {
      // Callers may pass partial messages (nice-grpc's request type): fromPartial fills the defaults encode needs.
      const bytes = requestType.encode(requestType.fromPartial(request)).finish();
      try {
        const answer = await connection.unary(path, bytes, {
          headers: options.metadata ? metadataToHeaders(options.metadata) : undefined,
          signal: options.signal,
          cancellation: (options as InternalCallOptions).cancellation,
          onHeaders: options.onHeader && ((headers) => options.onHeader!(headersToMetadata(headers))),
          onTrailers: options.onTrailer && ((trailers) => options.onTrailer!(headersToMetadata(trailers))),
        });
        return decode(answer);
      } catch (err) {
        if (err instanceof UnaryCallFailure) throw new FailedCall(path, err);
        throw err;
      }
    }
    // A middleware's `next`.
    async function* send(request: unknown, options: CallOptions): AsyncGenerator<never, unknown, undefined> {
      return await call(request, options);
    }

    client[key] = async (request: unknown, options: CallOptions = {}) => {
      try {
        if (!middleware) return await call(request, options); // the common case: no tracing
        const iterator = middleware({ method: descriptor, requestStream: false, request, responseStream: false, next: send as never }, options);
        const result = await iterator.next();
        if (!result.done || result.value == null) throw new Error(`a client middleware of ${path} did not return a response`);
        return result.value;
      } catch (err) {
        if (err instanceof FailedCall) throw apiErrorFromStatus(err.code, err.details, err.failure.statusDetails);
        if (err instanceof ClientError) throw apiErrorFromStatus(err.code, err.details);
        throw err;
      }
    };
  }
  return client as unknown as Client<D>;
}

/** nice-grpc's call options, plus what the routed client cancels an attempt with. */
export type InternalCallOptions = CallOptions & { cancellation?: CallCancellation };

/** nice-grpc's ClientError for middlewares, keeping the status details for the caller's ApiError. */
class FailedCall extends ClientError {
  constructor(
    path: string,
    readonly failure: UnaryCallFailure,
  ) {
    super(path, failure.code, failure.message);
  }
}
