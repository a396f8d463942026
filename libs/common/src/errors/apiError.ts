import type { Status } from 'nice-grpc-common';

/** Temporal's error detail message carried in `grpc-status-details-bin`, already encoded. */
export interface ErrorDetail {
  /** Full proto name, e.g. `temporal.api.errordetails.v1.NotFoundFailure`. */
  typeName: string;
  value: Uint8Array;
}

/**
 * An error with the gRPC status code (and optional detail) Temporal's server answers with for the
 * same situation. Handlers throw it; the gRPC layer turns it into a status with details, and the
 * internal gRPC clients turn such a status back into an ApiError so it crosses services intact.
 * Build it with the catalogue's builders (`./index`), never by hand, so each situation has one
 * code, text and detail.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: Status,
    message: string,
    readonly detail?: ErrorDetail,
  ) {
    super(message);
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** Package of Temporal's error detail messages (`temporal/api/errordetails/v1/message.proto`). */
export const ERROR_DETAILS_PACKAGE = 'temporal.api.errordetails.v1';

/** The proto full names of the error details the catalogue attaches. */
export const ErrorDetailType = {
  NotFound: `${ERROR_DETAILS_PACKAGE}.NotFoundFailure`,
  NamespaceNotFound: `${ERROR_DETAILS_PACKAGE}.NamespaceNotFoundFailure`,
  NamespaceAlreadyExists: `${ERROR_DETAILS_PACKAGE}.NamespaceAlreadyExistsFailure`,
  NamespaceInvalidState: `${ERROR_DETAILS_PACKAGE}.NamespaceInvalidStateFailure`,
  WorkflowExecutionAlreadyStarted: `${ERROR_DETAILS_PACKAGE}.WorkflowExecutionAlreadyStartedFailure`,
  ResourceExhausted: `${ERROR_DETAILS_PACKAGE}.ResourceExhaustedFailure`,
  WorkflowNotReady: `${ERROR_DETAILS_PACKAGE}.WorkflowNotReadyFailure`,
  QueryFailed: `${ERROR_DETAILS_PACKAGE}.QueryFailedFailure`,
  PermissionDenied: `${ERROR_DETAILS_PACKAGE}.PermissionDeniedFailure`,
  MultiOperationExecution: `${ERROR_DETAILS_PACKAGE}.MultiOperationExecutionFailure`,
  MultiOperationExecutionAborted: 'temporal.api.failure.v1.MultiOperationExecutionAborted',
} as const;

interface Encoder<T> {
  encode(message: T): { finish(): Uint8Array };
}

interface Decoder<T> {
  decode(input: Uint8Array): T;
}

/** An ErrorDetail holding `message` encoded with its generated codec. */
export function encodeDetail<T>(typeName: string, codec: Encoder<T>, message: T): ErrorDetail {
  return { typeName, value: codec.encode(message).finish() };
}

/**
 * The decoded detail of `err` when it is an ApiError whose detail has `typeName`, e.g.
 * `decodeErrorDetail(err, ErrorDetailType.NotFound, NotFoundFailure)`; otherwise undefined.
 */
export function decodeErrorDetail<T>(err: unknown, typeName: string, codec: Decoder<T>): T | undefined {
  if (!(err instanceof ApiError) || err.detail?.typeName !== typeName) return undefined;
  return codec.decode(err.detail.value);
}
