import type { CallContext, Client, CompatServiceDefinition, ServiceImplementation } from 'nice-grpc';
import { Metadata } from 'nice-grpc-common';

const neverAborted = new AbortController().signal;

/**
 * The context of an in-process call. Its metadata objects are made when first touched: most
 * handlers never look at them, and this runs for every call between the services. (They are
 * getters: a handler that needs a changed context builds one, it does not spread this.)
 */
class InProcessCallContext implements CallContext {
  readonly peer = 'in-process';
  private metadataOf: { metadata?: Metadata; header?: Metadata; trailer?: Metadata } = {};

  constructor(readonly signal: AbortSignal) {}

  get metadata(): Metadata {
    return (this.metadataOf.metadata ??= Metadata());
  }

  get header(): Metadata {
    return (this.metadataOf.header ??= Metadata());
  }

  get trailer(): Metadata {
    return (this.metadataOf.trailer ??= Metadata());
  }

  sendHeader(): void {}
}

/**
 * A nice-grpc client that calls a service implementation in the same process: the embedded
 * server uses it so services talk through the same typed interface without a loopback gRPC hop.
 * Requests are normalised with `fromPartial` exactly as decoding would; responses are passed as is.
 */
export function inProcessClient<D extends CompatServiceDefinition & { methods: Record<string, unknown> }>(
  definition: D,
  impl: ServiceImplementation<D>,
  /** Wraps each call (tracing: the span a gRPC client would make), given its method path. */
  around?: <T>(methodPath: string, call: () => Promise<T>) => Promise<T>,
): Client<D> {
  const client: Record<string, unknown> = {};
  const fullName = (definition as { fullName?: string }).fullName ?? '';
  for (const [name, method] of Object.entries(definition.methods as Record<string, { name: string; requestType: { fromPartial(value: unknown): unknown } }>)) {
    const path = `/${fullName}/${method.name}`;
    client[name] = async (request: unknown, options?: { signal?: AbortSignal }) => {
      const context = new InProcessCallContext(options?.signal ?? neverAborted);
      const fullRequest = method.requestType.fromPartial(request ?? {});
      const call = () => (impl as unknown as Record<string, (request: unknown, context: CallContext) => Promise<unknown>>)[name]!(fullRequest, context);
      return around ? around(path, call) : call();
    };
  }
  return client as Client<D>;
}
