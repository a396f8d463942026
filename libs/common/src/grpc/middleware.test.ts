import { describe, expect, it } from 'vitest';
import type { CallContext, ServerMiddleware } from 'nice-grpc-common';
import { composeMiddleware, fromServerMiddleware, toServerMiddleware, type Middleware, type ServerCall } from './middleware';

const unaryCall = (request: unknown): ServerCall => ({ method: { path: '/test.Service/Call', requestStream: false, responseStream: false, options: {} }, requestStream: false, responseStream: false, request });
const context = {} as CallContext;

/** A middleware that records its name around the rest of the chain. */
const named = (name: string, log: string[]): Middleware => async (call, ctx, next) => {
  log.push(`${name} in`);
  try {
    return await next(call.request, ctx);
  } finally {
    log.push(`${name} out`);
  }
};

describe('composeMiddleware', () => {
  it('runs the chain outermost first around the handler, and hands on a changed request and context', async () => {
    const log: string[] = [];
    const changing: Middleware<CallContext & { tag?: string }> = async (call, ctx, next) => next({ ...(call.request as object), changed: true }, { ...ctx, tag: 'inner sees this' });
    const reading: Middleware<CallContext & { tag?: string }> = async (call, ctx, next) => {
      log.push(`tag: ${ctx.tag}; request: ${JSON.stringify(call.request)}`);
      return next(call.request, ctx);
    };
    const chain = composeMiddleware([named('outer', log), changing as Middleware, reading as Middleware, named('inner', log)])!;
    const response = await chain(unaryCall({ n: 1 }), context, async (request) => ({ answered: request }));
    expect(response).toEqual({ answered: { n: 1, changed: true } });
    expect(log).toEqual(['outer in', 'tag: inner sees this; request: {"n":1,"changed":true}', 'inner in', 'inner out', 'outer out']);
    expect(composeMiddleware([])).toBeUndefined();
  });

  it('a failure of the handler passes out through every middleware, which may change it', async () => {
    const log: string[] = [];
    const mapping: Middleware = async (call, ctx, next) => {
      try {
        return await next(call.request, ctx);
      } catch (err) {
        throw new Error(`mapped: ${(err as Error).message}`);
      }
    };
    const chain = composeMiddleware([named('outer', log), mapping])!;
    await expect(chain(unaryCall({}), context, async () => {
      throw new Error('handler failed');
    })).rejects.toThrow('mapped: handler failed');
    expect(log).toEqual(['outer in', 'outer out']);
  });
});

describe('nice-grpc middlewares', () => {
  it('fromServerMiddleware runs a nice-grpc middleware around the rest of the chain', async () => {
    const log: string[] = [];
    const nice: ServerMiddleware = async function* (call, ctx) {
      log.push('nice in');
      const response = yield* call.next(call.request, ctx);
      log.push('nice out');
      return response;
    };
    const chain = composeMiddleware([fromServerMiddleware(nice), named('ours', log)])!;
    expect(await chain(unaryCall('req'), context, async (request) => `answer to ${String(request)}`)).toBe('answer to req');
    expect(log).toEqual(['nice in', 'ours in', 'ours out', 'nice out']);
  });

  it('toServerMiddleware serves unary calls and streams the way nice-grpc calls its middlewares', async () => {
    const log: string[] = [];
    const nice = toServerMiddleware(named('ours', log));
    const unary = nice({ ...unaryCall('x'), next: async function* (request: unknown) { return `unary ${String(request)}`; } } as never, context);
    let step = await unary.next();
    expect(step).toEqual({ done: true, value: 'unary x' });
    expect(log).toEqual(['ours in', 'ours out']);

    log.length = 0;
    const streamCall = {
      ...unaryCall('s'),
      method: { path: '/test.Service/Stream', requestStream: false, responseStream: true, options: {} },
      responseStream: true,
      next: async function* () {
        yield 1;
        yield 2;
        throw new Error('stream broke');
      },
    };
    const received: unknown[] = [];
    const stream = nice(streamCall as never, context);
    await expect((async () => {
      for (step = await stream.next(); !step.done; step = await stream.next()) received.push(step.value);
    })()).rejects.toThrow('stream broke');
    expect(received).toEqual([1, 2]);
    // The middleware saw the whole stream: it ended (with the failure) only after both messages.
    expect(log).toEqual(['ours in', 'ours out']);
  });
});
