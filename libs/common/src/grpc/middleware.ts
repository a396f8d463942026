import type { CallContext, MethodDescriptor, ServerMiddleware } from 'nice-grpc-common';

/** A call as a middleware sees it. With a request stream, `request` is that stream (an AsyncIterable). */
export interface ServerCall {
  method: MethodDescriptor;
  requestStream: boolean;
  responseStream: boolean;
  request: unknown;
}

/**
 * The rest of the chain, the handler last. For a unary response it resolves with the response; for
 * a response stream it resolves once the stream has ended, its messages having gone to the caller
 * as they came.
 */
export type NextStep<Context extends object = CallContext> = (request: unknown, context: Context) => Promise<unknown>;

/**
 * A server middleware as Kairos writes them: one async function around the rest of the chain.
 * nice-grpc's middlewares are async generators, which cost a generator and several promise turns
 * per layer and call; a plain function costs one await. A middleware that adds to the context
 * hands the rest of the chain a context with more in it.
 */
export type Middleware<Context extends object = CallContext> = (call: ServerCall, context: Context, next: NextStep<Context>) => Promise<unknown>;

/** One middleware of `chain`, outermost first (as nice-grpc's `use` stacks them); undefined for none. */
export function composeMiddleware<Context extends object>(chain: ReadonlyArray<Middleware<Context>>): Middleware<Context> | undefined {
  if (chain.length === 0) return undefined;
  return chain.reduceRight((inner, outer) => (call, context, next) =>
    outer(call, context, (request, innerContext) => inner(request === call.request ? call : { ...call, request }, innerContext, next)),
  );
}

/**
 * A nice-grpc middleware (e.g. OpenTelemetry's) in the chain. Messages of a response stream go to
 * the caller from the innermost step, so what the nice-grpc middleware iterates yields nothing;
 * its iteration still spans the whole stream, and a failure passes through it.
 */
export function fromServerMiddleware(middleware: ServerMiddleware): Middleware {
  return async (call, context, next) => {
    const run = middleware(
      {
        ...call,
        next: async function* (request: unknown, innerContext: CallContext) {
          return await next(request, innerContext);
        },
      } as Parameters<ServerMiddleware>[0],
      context,
    );
    let result = await run.next();
    while (!result.done) result = await run.next();
    return result.value;
  };
}

/**
 * `middleware` as a nice-grpc middleware, for a server made with nice-grpc (the tests' reference
 * servers). A response stream is handed on message by message as the inner iterator yields them.
 */
export function toServerMiddleware(around: Middleware): ServerMiddleware {
  return async function* (call, context) {
    if (!call.responseStream) {
      return (await around(call, context, async (request, innerContext) => {
        const inner = call.next(request as never, innerContext);
        let result = await inner.next();
        while (!result.done) result = await inner.next();
        return result.value;
      })) as never;
    }
    const queued: unknown[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    let failure: { error: unknown } | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    void around(call, context, async (request, innerContext) => {
      for await (const message of call.next(request as never, innerContext)) {
        queued.push(message);
        notify();
      }
      return undefined;
    }).then(
      () => {
        ended = true;
        notify();
      },
      (error: unknown) => {
        failure = { error };
        ended = true;
        notify();
      },
    );
    for (;;) {
      while (queued.length > 0) yield queued.shift() as never;
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure.error;
  };
}
