import { Metadata, ServerError, Status, type CallContext } from 'nice-grpc-common';
import { STATUS_DETAILS_TRAILER } from '@kairos/common/grpcErrors';
import { encodeAnswer, type MessageType, type Middleware } from '@kairos/common/grpc';

/** A service as ts-proto's generic definitions describe it, with the implementation the gRPC server runs. */
export interface ServiceBinding {
  definition: {
    fullName: string;
    methods: Record<string, { name: string; requestType: unknown; responseType: unknown; requestStream: boolean; responseStream: boolean }>;
  };
  implementation: object;
}

export type CallOutcome =
  | { ok: true; response: Uint8Array }
  /** `statusDetails`: the serialized google.rpc.Status the gRPC server would send as its trailer. */
  | { ok: false; code: Status; message: string; statusDetails?: Uint8Array };

/** One unary call of a public RPC, from the request's bytes to the response's. */
export type UnaryInvoker = (service: string, rpc: string, request: Uint8Array, call: { metadata: Metadata; peer: string; signal: AbortSignal }) => Promise<CallOutcome>;

interface UnaryMethod {
  path: string;
  requestType: MessageType;
  responseType: MessageType;
  handler: (request: unknown, context: CallContext) => Promise<unknown>;
}

/**
 * Calls the handlers the gRPC server serves, in this process, through the same middleware chain
 * (metrics, error mapping, namespace state, rate limits), so an HTTP request is validated,
 * limited, counted and refused exactly as the same gRPC call. The request is decoded by the RPC's
 * own message type, as if it had come over gRPC.
 */
export function inProcessInvoker(services: readonly ServiceBinding[], middleware: Middleware | undefined): UnaryInvoker {
  const methods = new Map<string, UnaryMethod>();
  for (const { definition, implementation } of services) {
    for (const [key, method] of Object.entries(definition.methods)) {
      if (method.requestStream || method.responseStream) continue;
      const fn = (implementation as Record<string, unknown>)[key];
      if (typeof fn !== 'function') continue;
      methods.set(`${definition.fullName}/${method.name}`, {
        path: `/${definition.fullName}/${method.name}`,
        requestType: method.requestType as MessageType,
        responseType: method.responseType as MessageType,
        handler: (request, context) => (fn as (r: unknown, c: CallContext) => Promise<unknown>).call(implementation, request, context),
      });
    }
  }
  return async (service, rpc, requestBytes, call) => {
    const method = methods.get(`${service}/${rpc}`);
    if (!method) return { ok: false, code: Status.UNIMPLEMENTED, message: `unknown method ${rpc} for service ${service}` };
    const context: CallContext = {
      metadata: call.metadata,
      peer: call.peer,
      header: Metadata(),
      sendHeader: () => {},
      trailer: Metadata(),
      signal: call.signal,
    };
    try {
      // Decoded as grpc-js decodes a request, so handlers see the same message either way.
      const request = method.requestType.decode(requestBytes);
      const call = { method: { path: method.path, requestStream: false, responseStream: false, options: {} }, requestStream: false, responseStream: false, request };
      const response = middleware ? await middleware(call, context, method.handler) : await method.handler(request, context);
      return { ok: true, response: encodeAnswer(method.responseType, response) };
    } catch (err) {
      const details = context.trailer.get(STATUS_DETAILS_TRAILER);
      if (err instanceof ServerError) {
        return { ok: false, code: err.code, message: err.details, ...(details instanceof Uint8Array && { statusDetails: details }) };
      }
      if (err instanceof Error && err.name === 'AbortError') return { ok: false, code: Status.CANCELLED, message: 'context canceled' };
      return { ok: false, code: Status.UNKNOWN, message: err instanceof Error ? err.message : String(err) };
    }
  };
}
