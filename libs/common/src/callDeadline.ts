import type { CallContext } from 'nice-grpc-common';

const GRPC_TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };

/** Milliseconds in a `grpc-timeout` value (`<digits><H|M|S|m|u|n>`), or undefined if malformed. */
export function parseGrpcTimeout(value: string): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * GRPC_TIMEOUT_UNIT_MS[match[2]!]!;
}

type DeadlineSource = Pick<CallContext, 'metadata'> & { deadline?: unknown };

/**
 * The caller's deadline for a server call, or undefined when it set none: `context.deadline` (a
 * Date the gRPC server sets from the caller's `grpc-timeout`, or an in-process caller sets), else
 * a raw `grpc-timeout` in the metadata (an HTTP API request's `Grpc-Timeout`, forwarded
 * in-process; measured from now).
 */
export function callDeadline(context: DeadlineSource): Date | undefined {
  const own = context.deadline;
  if (own instanceof Date && Number.isFinite(own.getTime())) return own;
  if (typeof own === 'number' && Number.isFinite(own)) return new Date(own);
  const timeout = context.metadata.get('grpc-timeout');
  if (typeof timeout === 'string') {
    const ms = parseGrpcTimeout(timeout);
    if (ms !== undefined) return new Date(Date.now() + ms);
  }
  return undefined;
}
