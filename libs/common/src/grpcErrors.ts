import { ClientError, Metadata, ServerError, Status } from 'nice-grpc-common';
import type { ClientMiddleware, ServerMiddleware } from 'nice-grpc-common';
import { Any } from '@kairos/proto/dist/generated/google/protobuf/any';
import { Status as RpcStatus } from '@kairos/proto/dist/generated/google/rpc/status';
import { ApiError } from './errors';
import type { Logger } from './logger';

/** The trailer gRPC uses for rich error details (a serialized google.rpc.Status). */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';
const TYPE_URL_PREFIX = 'type.googleapis.com/';

export function encodeStatusDetails(err: ApiError): Uint8Array {
  return RpcStatus.encode({
    code: err.code,
    message: err.message,
    details: err.detail ? [Any.fromPartial({ typeUrl: TYPE_URL_PREFIX + err.detail.typeName, value: err.detail.value })] : [],
  }).finish();
}

/**
 * Server side: an ApiError becomes its gRPC status with Temporal's error detail in the
 * `grpc-status-details-bin` trailer (the SDKs unpack it, e.g. WorkflowExecutionAlreadyStarted);
 * anything unexpected becomes INTERNAL and is logged with its stack.
 */
export function createServerErrorMiddleware(logger: Logger): ServerMiddleware {
  return async function* errorMiddleware(call, context) {
    try {
      return yield* call.next(call.request, context);
    } catch (err) {
      if (err instanceof ApiError) {
        context.trailer.set(STATUS_DETAILS_TRAILER, encodeStatusDetails(err));
        throw new ServerError(err.code, err.message);
      }
      if (err instanceof ServerError) throw err;
      if (err instanceof Error && err.name === 'AbortError') throw new ServerError(Status.CANCELLED, 'request cancelled');
      logger.error('unexpected error', { method: call.method.path, error: err instanceof Error ? err.stack : String(err) });
      throw new ServerError(Status.INTERNAL, err instanceof Error ? err.message : String(err));
    }
  };
}

/**
 * Client side, for calls between Kairos services: a failed call whose trailer carries details
 * turns back into the same ApiError, so codes and details survive the extra hop.
 */
export function createClientErrorMiddleware(): ClientMiddleware {
  return async function* errorMiddleware(call, options) {
    let trailer: Metadata | undefined;
    const onTrailer = options.onTrailer;
    try {
      return yield* call.next(call.request, {
        ...options,
        onTrailer(t: Metadata) {
          trailer = t;
          onTrailer?.(t);
        },
      });
    } catch (err) {
      if (!(err instanceof ClientError)) throw err;
      const raw = trailer?.get(STATUS_DETAILS_TRAILER);
      const bytes = raw instanceof Uint8Array ? raw : undefined;
      if (bytes) {
        const status = RpcStatus.decode(bytes);
        const any = status.details[0];
        throw new ApiError(
          err.code,
          err.details,
          any ? { typeName: any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1), value: any.value } : undefined,
        );
      }
      throw new ApiError(err.code, err.details);
    }
  };
}
