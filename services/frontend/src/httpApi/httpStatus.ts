import { Status } from 'nice-grpc-common';

/** The HTTP status grpc-gateway answers for a gRPC status code (runtime.HTTPStatusFromCode). */
export function httpStatusFromCode(code: Status): number {
  switch (code) {
    case Status.OK:
      return 200;
    case Status.CANCELLED:
      return 499;
    case Status.UNKNOWN:
      return 500;
    case Status.INVALID_ARGUMENT:
      return 400;
    case Status.DEADLINE_EXCEEDED:
      return 504;
    case Status.NOT_FOUND:
      return 404;
    case Status.ALREADY_EXISTS:
      return 409;
    case Status.PERMISSION_DENIED:
      return 403;
    case Status.UNAUTHENTICATED:
      return 401;
    case Status.RESOURCE_EXHAUSTED:
      return 429;
    case Status.FAILED_PRECONDITION:
      // Temporal's gateway keeps grpc-gateway's choice: 400, not 412.
      return 400;
    case Status.ABORTED:
      return 409;
    case Status.OUT_OF_RANGE:
      return 400;
    case Status.UNIMPLEMENTED:
      return 501;
    case Status.INTERNAL:
      return 500;
    case Status.UNAVAILABLE:
      return 503;
    case Status.DATA_LOSS:
      return 500;
    default:
      return 500;
  }
}
