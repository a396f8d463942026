import {
  constants,
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { Metadata, ServerError, Status, type CallContext, type MethodDescriptor, type ServerMiddleware } from 'nice-grpc-common';
import { parseGrpcTimeout } from '@kairos/common/callDeadline';

/** A TLS identity that changes while the server runs (ReloadableServerCredentials has this shape). */
export interface ReloadableTls {
  httpsOptions(): TlsOptions;
  onChange(listener: (options: SecureContextOptions) => void): () => void;
}

interface MessageType {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  fromPartial(object: unknown): unknown;
}

interface TsProtoMethod {
  name: string;
  requestType: MessageType;
  responseType: MessageType;
  requestStream: boolean;
  responseStream: boolean;
  options: MethodDescriptor['options'];
}

interface Route {
  descriptor: MethodDescriptor;
  requestType: MessageType;
  responseType: MessageType;
  handler: (request: unknown, context: CallContext) => unknown;
}

/** Kairos's context: nice-grpc's, plus the caller's deadline (read by callDeadline). */
type ServerCallContext = CallContext & { deadline?: Date };

const GRPC_FRAME_HEADER_BYTES = 5;
/** Headers gRPC itself owns: not handed to handlers as metadata. */
const RESERVED_HEADERS = new Set(['content-type', 'te', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-timeout', 'user-agent']);

/** `grpc-message` as the spec says: UTF-8, every byte outside printable ASCII and '%' percent-encoded. */
function percentEncode(message: string): string {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(message)) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function requestMetadata(headers: IncomingHttpHeaders): Metadata {
  const metadata = Metadata();
  for (const key in headers) {
    const value = headers[key];
    if (value === undefined || key.charCodeAt(0) === 58 /* ':' */ || RESERVED_HEADERS.has(key)) continue;
    const values = Array.isArray(value) ? value : [value];
    if (key.endsWith('-bin')) {
      for (const v of values) for (const part of v.split(',')) metadata.append(key as `${string}-bin`, Buffer.from(part.trim(), 'base64'));
    } else {
      for (const v of values) metadata.append(key, v);
    }
  }
  return metadata;
}

function metadataHeaders(metadata: Metadata, into: OutgoingHttpHeaders): OutgoingHttpHeaders {
  for (const [key, values] of metadata) {
    into[key] = key.endsWith('-bin') ? values.map((v) => Buffer.from(v as Uint8Array).toString('base64')) : (values as string[]);
  }
  return into;
}

function frame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(GRPC_FRAME_HEADER_BYTES + message.length);
  framed[0] = 0; // not compressed
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, GRPC_FRAME_HEADER_BYTES);
  return framed;
}

export interface InternalServerOptions {
  /** Largest request accepted and response sent (RESOURCE_EXHAUSTED beyond). */
  maxMessageBytes: number;
  /** Runs around every call, outermost first (tracing, metrics, errors), as nice-grpc's `use`. */
  middleware?: ServerMiddleware;
}

/**
 * The gRPC server of a history or matching instance, on Node's HTTP/2 directly: each call's
 * request is read whole, decoded, handed to the service's implementation through the middleware
 * chain, and the answer (or the ServerError status, with the trailer the error middleware set)
 * written back. This is what grpc-js's server does for these calls, without its interceptor and
 * call-stream machinery, which was a large part of a cluster instance's CPU. The callers are
 * Kairos's own processes (Http2Connection), Kubernetes's gRPC probes and tests' grpc-js clients.
 * Unary and server-streaming methods are served (the health service's Watch streams).
 */
export class InternalGrpcServer {
  private readonly routes = new Map<string, Route>();
  private readonly sessions = new Set<Http2Session>();
  private server: Http2Server | undefined;
  private stopTlsUpdates: (() => void) | undefined;

  constructor(private readonly options: InternalServerOptions) {}

  /** Serves `definition`'s methods (a ts-proto service definition) with `implementation`. */
  add(definition: { fullName: string; methods: Record<string, unknown> }, implementation: object): this {
    for (const [key, raw] of Object.entries(definition.methods)) {
      const method = raw as TsProtoMethod;
      const handler = (implementation as Record<string, (request: unknown, context: CallContext) => unknown>)[key];
      if (!handler) continue; // answered UNIMPLEMENTED
      const path = `/${definition.fullName}/${method.name}`;
      if (method.requestStream) throw new Error(`${path}: client-streaming methods are not served`);
      this.routes.set(path, {
        descriptor: { path, requestStream: false, responseStream: method.responseStream, options: method.options },
        requestType: method.requestType,
        responseType: method.responseType,
        handler: handler.bind(implementation),
      });
    }
    return this;
  }

  /** Listens on `host:port` (port 0: any free one), over TLS when `tls` is given; resolves with the port. */
  async listen(address: string, tls?: ReloadableTls): Promise<number> {
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
    const port = Number(address.slice(colon + 1));
    const settings = { settings: { enablePush: false } };
    const server = tls ? createSecureServer({ ...tls.httpsOptions(), ...settings, allowHTTP1: false }) : createServer(settings);
    if (tls) {
      const secure = server as ReturnType<typeof createSecureServer>;
      // New handshakes use the reloaded files; open connections keep theirs.
      this.stopTlsUpdates = tls.onChange((options) => secure.setSecureContext(options));
    }
    this.server = server;
    server.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.on('error', () => undefined); // the streams end with it; nothing else to do
      session.once('close', () => this.sessions.delete(session));
    });
    server.on('stream', (stream, headers) => this.serve(stream, headers));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops taking connections, sends GOAWAY on the open ones, and resolves once their calls have finished. */
  async shutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopTlsUpdates?.();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.sessions) session.close();
    await closed;
  }

  /** Drops every connection and its calls at once. */
  forceShutdown(): void {
    this.stopTlsUpdates?.();
    this.server?.close();
    for (const session of this.sessions) session.destroy();
  }

  private serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => undefined); // a reset by the client: the call's signal says so
    const contentType = headers['content-type'];
    if (headers[':method'] !== 'POST' || typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
      stream.respond({ ':status': 415, 'grpc-status': String(Status.UNKNOWN), 'grpc-message': 'not a gRPC request' }, { endStream: true });
      return;
    }
    const path = headers[':path'] ?? '';
    const route = this.routes.get(path);
    if (!route) return this.fail(stream, Status.UNIMPLEMENTED, `The server does not implement the method ${path}`);

    const chunks: Buffer[] = [];
    let received = 0;
    let refused = false;
    stream.on('data', (chunk: Buffer) => {
      if (refused) return;
      chunks.push(chunk);
      received += chunk.length;
      if (received === chunk.length && chunk.length >= GRPC_FRAME_HEADER_BYTES && chunk.readUInt32BE(1) > this.options.maxMessageBytes) {
        refused = true;
        this.fail(stream, Status.RESOURCE_EXHAUSTED, `Received message larger than max (${chunk.readUInt32BE(1)} vs. ${this.options.maxMessageBytes})`);
      }
    });
    stream.once('end', () => {
      if (refused || stream.destroyed) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      if (body.length < GRPC_FRAME_HEADER_BYTES || body.readUInt32BE(1) !== body.length - GRPC_FRAME_HEADER_BYTES) {
        return this.fail(stream, Status.INTERNAL, `${path}: the request is not exactly one message`);
      }
      if (body[0] !== 0) return this.fail(stream, Status.UNIMPLEMENTED, `${path}: compressed requests are not accepted`);
      let request: unknown;
      try {
        request = route.requestType.decode(body.subarray(GRPC_FRAME_HEADER_BYTES));
      } catch (err) {
        return this.fail(stream, Status.INTERNAL, `Error deserializing request: ${(err as Error).message}`);
      }
      void this.run(stream, headers, route, request);
    });
  }

  private async run(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, route: Route, request: unknown): Promise<void> {
    const abort = new AbortController();
    // The client reset the stream or the connection went: the call is cancelled.
    const onClose = () => abort.abort();
    stream.once('close', onClose);
    const socket = stream.session?.socket;
    const timeout = headers['grpc-timeout'];
    const timeoutMs = typeof timeout === 'string' ? parseGrpcTimeout(timeout) : undefined;
    const context: ServerCallContext = {
      metadata: requestMetadata(headers),
      peer: socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown',
      header: Metadata(),
      sendHeader: () => this.sendHeaders(stream, context),
      trailer: Metadata(),
      signal: abort.signal,
      ...(timeoutMs !== undefined && { deadline: new Date(Date.now() + timeoutMs) }),
    };
    const middleware = this.options.middleware;
    try {
      if (route.descriptor.responseStream) {
        const next = async function* (req: unknown, ctx: CallContext) {
          yield* route.handler(req, ctx) as AsyncIterable<unknown>;
        };
        const messages = middleware
          ? middleware({ method: route.descriptor, requestStream: false, request, responseStream: true, next: next as never }, context)
          : next(request, context);
        for await (const message of messages as AsyncIterable<unknown>) {
          if (stream.destroyed) break;
          this.sendHeaders(stream, context);
          stream.write(this.encode(route, message));
        }
        this.finish(stream, context, undefined);
        return;
      }
      let response: unknown;
      if (!middleware) {
        response = await route.handler(request, context);
      } else {
        const iterator = middleware(
          { method: route.descriptor, requestStream: false, request, responseStream: false, next: async function* (req: unknown, ctx: CallContext) { return await route.handler(req, ctx); } as never },
          context,
        );
        const result = await iterator.next();
        if (!result.done || result.value == null) throw new ServerError(Status.INTERNAL, `a server middleware of ${route.descriptor.path} did not return a response`);
        response = result.value;
      }
      if (stream.destroyed) return;
      const message = this.encode(route, response);
      this.sendHeaders(stream, context);
      this.finish(stream, context, message);
    } catch (err) {
      if (stream.destroyed) return;
      if (err instanceof ServerError) this.finishWithError(stream, context, err.code, err.details);
      else this.finishWithError(stream, context, Status.UNKNOWN, 'Unknown server error occurred');
    } finally {
      stream.off('close', onClose);
    }
  }

  private encode(route: Route, response: unknown): Buffer {
    // The implementation may answer with a partial message (nice-grpc's contract): fromPartial fills it in.
    const bytes = route.responseType.encode(route.responseType.fromPartial(response)).finish();
    if (bytes.length > this.options.maxMessageBytes) {
      throw new ServerError(Status.RESOURCE_EXHAUSTED, `Sent message larger than max (${bytes.length} vs. ${this.options.maxMessageBytes})`);
    }
    // Copied at once: a shared response writer reuses its buffer for the next message.
    return frame(bytes);
  }

  private sendHeaders(stream: ServerHttp2Stream, context: CallContext): void {
    if (stream.headersSent || stream.destroyed) return;
    stream.respond(metadataHeaders(context.header, { ':status': 200, 'content-type': 'application/grpc' }), { waitForTrailers: true });
  }

  private finish(stream: ServerHttp2Stream, context: CallContext, message: Buffer | undefined): void {
    stream.once('wantTrailers', () => stream.sendTrailers(metadataHeaders(context.trailer, { 'grpc-status': '0' })));
    this.sendHeaders(stream, context);
    stream.end(message);
  }

  private finishWithError(stream: ServerHttp2Stream, context: CallContext, code: Status, message: string): void {
    const status = { 'grpc-status': String(code), 'grpc-message': percentEncode(message) };
    if (!stream.headersSent) {
      // Trailers-only: the status and trailer metadata in the one HEADERS frame.
      stream.respond(metadataHeaders(context.trailer, metadataHeaders(context.header, { ':status': 200, 'content-type': 'application/grpc', ...status })), { endStream: true });
      return;
    }
    stream.once('wantTrailers', () => stream.sendTrailers(metadataHeaders(context.trailer, status)));
    stream.end();
  }

  private fail(stream: ServerHttp2Stream, code: Status, message: string): void {
    if (stream.destroyed || stream.headersSent) return;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': percentEncode(message) }, { endStream: true });
  }
}
