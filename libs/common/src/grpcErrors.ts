import { ClientError, Metadata, ServerError, Status } from 'nice-grpc-common';
import type { ClientMiddleware } from 'nice-grpc-common';
import type { Middleware } from './grpc/middleware';
import { Any } from '@kairos/proto/google/protobuf/any';
import { Status as RpcStatus } from '@kairos/proto/google/rpc/status';
import { ApiError, type ErrorDetail } from './errors';
import type { Logger } from './logger';
import { redactUrlCredentials } from './redact';
import { setting } from './settings';

/** The trailer gRPC uses for rich error details (a serialized google.rpc.Status). */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';
export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** `google.rpc.Status{code, message, details: [Any{type.googleapis.com/<detail type>, value}]}`. */
export function encodeStatusDetails(err: ApiError): Uint8Array {
  return RpcStatus.encode({
    code: err.code,
    message: err.message,
    details: err.detail ? [Any.fromPartial({ typeUrl: TYPE_URL_PREFIX + err.detail.typeName, value: err.detail.value })] : [],
  }).finish();
}

/**
 * The ApiError a failed call stands for: its code, and the message and first detail of the
 * `google.rpc.Status` in `statusDetails` when there is one (the trailer's message wins over the
 * percent-decoded `grpc-message`, they are the same text unless a proxy rewrote one).
 */
export function apiErrorFromStatus(code: Status, message: string, statusDetails?: Uint8Array): ApiError {
  if (!statusDetails || statusDetails.length === 0) return new ApiError(code, message);
  let status: RpcStatus;
  try {
    status = RpcStatus.decode(statusDetails);
  } catch {
    return new ApiError(code, message);
  }
  const any = status.details[0];
  const detail: ErrorDetail | undefined = any
    ? { typeName: any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1), value: any.value }
    : undefined;
  return new ApiError(code, status.message || message, detail);
}

const TRUNCATED_SUFFIX = '... <truncated>';

/**
 * An error message as Temporal's service error interceptor answers it: past the limit (in UTF-8
 * bytes) it is cut, on a character boundary, and ends in "... <truncated>".
 */
export function truncatedErrorMessage(message: string, maxBytes: number = setting('grpc.maxErrorMessageLength')): string {
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= maxBytes) return message;
  let end = Math.max(0, maxBytes - TRUNCATED_SUFFIX.length);
  // Back up to the start of a character (never split a multi-byte sequence).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + TRUNCATED_SUFFIX;
}

/**
 * Server side: an ApiError becomes its gRPC status with Temporal's error detail in the
 * `grpc-status-details-bin` trailer (the SDKs unpack it, e.g. WorkflowExecutionAlreadyStarted);
 * a ServerError or an abort passes through; anything else becomes INTERNAL, logged with its stack.
 * Every message a caller gets has URL credentials masked: an error's text can come from a store or
 * NATS client that names its URL, and callers are not trusted with the password.
 *
 * The gRPC server (grpc/server.ts) writes `context.trailer` with the error status, in the trailers
 * or the trailers-only response, so setting the trailer before rethrowing is enough.
 */
export function createServerErrorMiddleware(logger: Logger): Middleware {
  return async function errorMiddleware(call, context, next) {
    try {
      return await next(call.request, context);
    } catch (err) {
      if (err instanceof ApiError) {
        logger.debug('request failed', { method: call.method.path, code: Status[err.code], error: err.message });
        const answered = new ApiError(err.code, truncatedErrorMessage(redactUrlCredentials(err.message)), err.detail);
        context.trailer.set(STATUS_DETAILS_TRAILER, encodeStatusDetails(answered));
        throw new ServerError(answered.code, answered.message);
      }
      if (err instanceof ServerError) throw new ServerError(err.code, truncatedErrorMessage(redactUrlCredentials(err.details)));
      if (err instanceof Error && err.name === 'AbortError') throw err;
      logger.error('unexpected error', { method: call.method.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      throw new ServerError(Status.INTERNAL, truncatedErrorMessage(redactUrlCredentials(err instanceof Error ? err.message : String(err))));
    }
  };
}

/**
 * Client side, for calls between Kairos services: a failed call turns back into the ApiError the
 * other side threw (code, message and detail from the `grpc-status-details-bin` trailer), so
 * codes and details survive the extra hop. Other ClientErrors become an ApiError with their code.
 * Aborts (the caller's signal) pass through untouched.
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
      throw apiErrorFromStatus(err.code, err.details, raw instanceof Uint8Array ? raw : undefined);
    }
  };
}
