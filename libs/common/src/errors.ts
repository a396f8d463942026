import { Status } from 'nice-grpc-common';

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
