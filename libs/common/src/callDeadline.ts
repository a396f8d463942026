import { ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import type { CallContext, ServerMiddleware } from 'nice-grpc-common';

/**
 * Why this file exists: grpc-js parses the caller's `grpc-timeout` header into the call's
 * deadline and then REMOVES the header from the request metadata; nice-grpc's CallContext has no
 * deadline either. The only public place the deadline lives is the grpc-js call
 * (`getDeadline()`), which grpc-js server interceptors see. So `deadlineInterceptor` copies it
 * into this request metadata key (dropping any value the client sent), and `callDeadline` reads
 * it back from a nice-grpc CallContext.
 */
export const DEADLINE_METADATA_KEY = 'kairos-deadline-ms';

/** grpc-js server interceptor recording each call's deadline (epoch ms) in its metadata. */
export const deadlineInterceptor: ServerInterceptor = (_method, call) =>
  new ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMetadata(metadata, nextMetadata) {
          metadata.remove(DEADLINE_METADATA_KEY);
          const deadline = call.getDeadline();
          const ms = deadline instanceof Date ? deadline.getTime() : deadline;
          if (Number.isFinite(ms)) metadata.set(DEADLINE_METADATA_KEY, String(ms));
          nextMetadata(metadata);
        },
      });
    },
  });

/**
 * The calls that may wait (long polls, history and update waits, queries): only these can need
 * the caller's deadline, so only these pay for the interceptor (another layer of grpc-js's call).
 */
export const mayWait = (path: string): boolean => /\/(Poll\w*|GetWorkflowExecutionHistory|UpdateWorkflowExecution|ExecuteMultiOperation|QueryWorkflow)$/.test(path);

/**
 * Server options with `deadlineInterceptor` added for the calls `forCall` names (all by default),
 * for nice-grpc's `createServer(options)` (which passes them to the grpc-js Server;
 * `interceptors` needs grpc-js >= 1.10). Other calls' metadata keep no deadline key, so their
 * handlers must not read one.
 */
export function withCallDeadline<T extends object>(
  options: T & { interceptors?: ServerInterceptor[] },
  forCall: (path: string) => boolean = () => true,
): T & { interceptors: ServerInterceptor[] } {
  // grpc-js chains interceptors by what each returns: handing back the call it was given adds no layer.
  const interceptor: ServerInterceptor = (method, call) => (forCall(method.path) ? deadlineInterceptor(method, call) : (call as ServerInterceptingCall));
  return { ...options, interceptors: [...(options.interceptors ?? []), interceptor] };
}

const GRPC_TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };

/** Milliseconds in a `grpc-timeout` value (`<digits><H|M|S|m|u|n>`), or undefined if malformed. */
export function parseGrpcTimeout(value: string): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * GRPC_TIMEOUT_UNIT_MS[match[2]!]!;
}

type DeadlineSource = Pick<CallContext, 'metadata'> & { deadline?: unknown };

/**
 * The caller's deadline for a server call, or undefined when it set none. Looks, in order, at:
 * `context.deadline` (a Date set by `createDeadlineMiddleware`, by an in-process caller, or by
 * any other wiring), the metadata key `deadlineInterceptor` sets, and a raw `grpc-timeout` header
 * (present only when metadata was forwarded in-process; measured from now).
 */
export function callDeadline(context: DeadlineSource): Date | undefined {
  const own = context.deadline;
  if (own instanceof Date && Number.isFinite(own.getTime())) return own;
  if (typeof own === 'number' && Number.isFinite(own)) return new Date(own);
  const recorded = context.metadata.get(DEADLINE_METADATA_KEY);
  if (typeof recorded === 'string' && /^\d+$/.test(recorded)) return new Date(Number(recorded));
  const timeout = context.metadata.get('grpc-timeout');
  if (typeof timeout === 'string') {
    const ms = parseGrpcTimeout(timeout);
    if (ms !== undefined) return new Date(Date.now() + ms);
  }
  return undefined;
}

/**
 * nice-grpc server middleware giving every handler `context.deadline: Date | undefined` (read by
 * `callDeadline`, so install `deadlineInterceptor` on the server too).
 */
export function createDeadlineMiddleware(): ServerMiddleware<{ deadline: Date | undefined }> {
  return async function* deadlineMiddleware(call, context) {
    return yield* call.next(call.request, { ...context, deadline: callDeadline(context) });
  };
}
