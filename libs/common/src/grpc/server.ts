import {
  constants,
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { gunzipSync, inflateSync } from 'node:zlib';
import { Metadata, ServerError, Status, type CallContext, type MethodDescriptor } from 'nice-grpc-common';
import type { Middleware, NextStep } from './middleware';
import { parseGrpcTimeout } from '../callDeadline';
import { UNBOUNDED_SESSION } from './sessionOptions';
import { frame, GRPC_FRAME_HEADER_BYTES, headersToMetadata, metadataToHeaders, type MessageType, type TsProtoMethod } from './wire';
import { encodeAnswer } from './relay';
import { H2Server } from './h2/serverSession';
import { splitHostPort } from './hostPort';

/** A TLS identity that changes while the server runs (ReloadableServerCredentials has this shape). */
export interface ReloadableTls {
  httpsOptions(): TlsOptions;
  onChange(listener: (options: SecureContextOptions) => void): () => void;
}

interface Route {
  descriptor: MethodDescriptor;
  requestType: MessageType;
  responseType: MessageType;
  handler: (request: unknown, context: CallContext) => unknown;
}

/** Where this server's call contexts keep their cancellation listeners (see onCallCancelled). */
const CANCEL_HOOK = Symbol('kairos.grpc.onCancel');

/**
 * Calls `listener` once when the call is cancelled (at once if it already is); returns what stops
 * listening. On this server's calls no AbortController is made for it: a long poll per call made
 * one, and its signal's listeners, a noticeable cost. Other contexts use their signal.
 */
export function onCallCancelled(context: CallContext, listener: () => void): () => void {
  const hook = (context as { [CANCEL_HOOK]?: (listener: () => void) => () => void })[CANCEL_HOOK];
  if (hook) return hook.call(context, listener);
  const { signal } = context;
  if (signal.aborted) {
    listener();
    return () => undefined;
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}


/** The response metadata a call's handler and middlewares set, if they set any. */
interface ResponseMetadata {
  sentHeader?: Metadata;
  sentTrailer?: Metadata;
}

export interface GrpcServerOptions {
  /** Largest request message accepted (after inflating) and response sent: RESOURCE_EXHAUSTED beyond. */
  maxReceiveMessageBytes: number;
  maxSendMessageBytes: number;
  /** Runs around every call (composeMiddleware of tracing, metrics, errors, …). */
  middleware?: Middleware;
  /** Adds what the connection knows to a call's metadata (the verified client certificate's subject). */
  connectionMetadata?: (socket: Socket, metadata: Metadata) => void;
  /**
   * Serve over Kairos's own HTTP/2 (h2/serverSession.ts) instead of Node's: the history and
   * matching ports, whose many small internal calls each cost Node's server a Duplex stream.
   */
  ownHttp2?: boolean;
}

/** The parts of a call's context made when first read, shared with every context derived from it. */
interface CallParts {
  metadata?: Metadata;
  header?: Metadata;
  trailer?: Metadata;
  abort?: AbortController;
  cancelled: boolean;
  cancelListeners?: Set<() => void>;
}

/**
 * nice-grpc's call context, plus the caller's deadline (read by callDeadline). Each part is made
 * when first read: most calls never read their signal, metadata or response metadata, and an
 * AbortController, a Metadata and a closure per part per call were a noticeable share of the
 * server's CPU. A middleware that hands on more derives a context from this one
 * (`withContext`); a spread copy would lose the getters.
 */
class ServerCallContext implements CallContext, ResponseMetadata {
  readonly deadline: Date | undefined;
  private readonly parts: CallParts = { cancelled: false };

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly requestHeaders: IncomingHttpHeaders,
    private readonly connectionMetadata: GrpcServerOptions['connectionMetadata'],
  ) {
    const timeout = requestHeaders['grpc-timeout'];
    const timeoutMs = typeof timeout === 'string' ? parseGrpcTimeout(timeout) : undefined;
    this.deadline = timeoutMs === undefined ? undefined : new Date(Date.now() + timeoutMs);
  }

  get metadata(): Metadata {
    let { metadata } = this.parts;
    if (!metadata) {
      metadata = this.parts.metadata = headersToMetadata(this.requestHeaders);
      const socket = this.stream.session?.socket;
      if (socket && this.connectionMetadata) this.connectionMetadata(socket, metadata);
    }
    return metadata;
  }

  get peer(): string {
    const socket = this.stream.session?.socket;
    return socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
  }

  get header(): Metadata {
    return (this.parts.header ??= Metadata());
  }

  get trailer(): Metadata {
    return (this.parts.trailer ??= Metadata());
  }

  /** Aborted when the client resets the stream or the connection goes: the call is cancelled. */
  get signal(): AbortSignal {
    let { abort } = this.parts;
    if (!abort) {
      abort = this.parts.abort = new AbortController();
      if (this.parts.cancelled) abort.abort();
    }
    return abort.signal;
  }

  get sentHeader(): Metadata | undefined {
    return this.parts.header;
  }

  get sentTrailer(): Metadata | undefined {
    return this.parts.trailer;
  }

  sendHeader(): void {
    sendResponseHeaders(this.stream, this);
  }

  [CANCEL_HOOK](listener: () => void): () => void {
    const { parts } = this;
    if (parts.cancelled) {
      listener();
      return () => undefined;
    }
    (parts.cancelListeners ??= new Set()).add(listener);
    return () => parts.cancelListeners?.delete(listener);
  }

  cancel(): void {
    const { parts } = this;
    parts.cancelled = true;
    parts.abort?.abort();
    const listeners = parts.cancelListeners;
    parts.cancelListeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }
}

/** The response's HEADERS frame (once), with the metadata the handler set. */
function sendResponseHeaders(stream: ServerHttp2Stream, context: ResponseMetadata): void {
  if (stream.headersSent || stream.destroyed) return;
  const headers = metadataToHeaders(context.sentHeader, { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': ACCEPT_ENCODING });
  stream.respond(headers, { waitForTrailers: true });
}

/**
 * `context` with `extra` added, for the rest of a middleware chain: derived from it, so its
 * getters (metadata, signal, trailers, …) still work and what is set through one is seen by both.
 */
export function withContext<C extends object, E extends object>(context: C, extra: E): C & E {
  return Object.assign(Object.create(context) as C, extra);
}

/** What this server inflates, announced in every answer as grpc-js does. */
const ACCEPT_ENCODING = 'identity,deflate,gzip';
const { NGHTTP2_CANCEL } = constants;

/** `grpc-message` as the spec says: UTF-8, every byte outside printable ASCII and '%' percent-encoded. */
function percentEncode(message: string): string {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(message)) return message;
  let out = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A call that cannot go on: answered with this status. */
class CallRefused extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a request stream's bytes into gRPC messages (a 1-byte compressed flag, a 4-byte length,
 * the message), inflating compressed ones, and refuses any over the limit from its length prefix,
 * before its bytes arrive.
 */
class MessageReader {
  private pending: Buffer | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly encoding: string | undefined,
  ) {}

  /** The complete messages `chunk` ends; throws CallRefused for one that cannot be read. */
  push(chunk: Buffer): Buffer[] {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    const messages: Buffer[] = [];
    while (data.length >= GRPC_FRAME_HEADER_BYTES) {
      const length = data.readUInt32BE(1);
      if (length > this.maxBytes) throw new CallRefused(Status.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.maxBytes})`);
      if (data.length < GRPC_FRAME_HEADER_BYTES + length) break;
      const body = data.subarray(GRPC_FRAME_HEADER_BYTES, GRPC_FRAME_HEADER_BYTES + length);
      messages.push(data[0] === 0 ? body : this.inflate(body));
      data = data.subarray(GRPC_FRAME_HEADER_BYTES + length);
    }
    if (data.length > 0) this.pending = data;
    return messages;
  }

  /** Whether bytes of an incomplete message are left (the stream ended inside one). */
  get partial(): boolean {
    return this.pending !== undefined;
  }

  private inflate(body: Buffer): Buffer {
    // The SDKs' core gzips every request; one synchronous call is far cheaper than a zlib stream for a few hundred bytes.
    const inflate = this.encoding === 'gzip' ? gunzipSync : this.encoding === 'deflate' ? inflateSync : undefined;
    if (!inflate) throw new CallRefused(Status.INTERNAL, `Received compressed message but "grpc-encoding" header was ${this.encoding ?? 'missing'}`);
    try {
      return inflate(body, { maxOutputLength: Math.max(1, this.maxBytes) });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new CallRefused(Status.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${this.maxBytes}`);
      }
      throw new CallRefused(Status.INTERNAL, 'Failed to decompress message');
    }
  }
}

/** The request messages of a client-streaming call as its handler reads them. */
class RequestQueue implements AsyncIterable<unknown> {
  private readonly items: unknown[] = [];
  private waiting: ((result: IteratorResult<unknown>) => void) | undefined;
  private ended = false;

  push(item: unknown): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
    } else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift(), done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}

/**
 * A gRPC server on Node's HTTP/2 directly, for Kairos's public frontend and its history and
 * matching instances: each call's request is read and decoded, handed to the service's
 * implementation through the middleware chain (nice-grpc's middlewares and call context), and
 * the answer, or the ServerError's status with the trailer the error middleware set, written
 * back. It does what grpc-js's server did for these services without its per-call interceptor,
 * filter and call-stream machinery, which was a large part of the servers' CPU. Unary,
 * server-streaming (health Watch) and bidirectional (reflection) methods are served; requests may
 * be gzip- or deflate-compressed (the SDKs compress them); answers are not compressed.
 */
export class GrpcServer {
  private readonly routes = new Map<string, Route>();
  private readonly sessions = new Set<Http2Session>();
  private server: Http2Server | undefined;
  private ownServer: H2Server | undefined;
  private stopTlsUpdates: (() => void) | undefined;

  constructor(private readonly options: GrpcServerOptions) {}

  /** Serves `definition`'s methods (a ts-proto service definition) with `implementation`. */
  add(definition: { fullName: string; methods: Record<string, unknown> }, implementation: object): this {
    for (const [key, raw] of Object.entries(definition.methods)) {
      const method = raw as TsProtoMethod;
      const handler = (implementation as Record<string, (request: unknown, context: CallContext) => unknown>)[key];
      if (!handler) continue; // answered UNIMPLEMENTED
      const path = `/${definition.fullName}/${method.name}`;
      this.routes.set(path, {
        descriptor: { path, requestStream: method.requestStream, responseStream: method.responseStream, options: method.options },
        requestType: method.requestType,
        responseType: method.responseType,
        handler: handler.bind(implementation),
      });
    }
    return this;
  }

  /** Listens on `host:port` (port 0: any free one), over TLS when `tls` is given; resolves with the port. */
  async listen(address: string, tls?: ReloadableTls): Promise<number> {
    const { host, port } = splitHostPort(address);
    if (this.options.ownHttp2) {
      // A stream of this server has the part of ServerHttp2Stream that `serve` uses.
      const own = new H2Server(tls?.httpsOptions(), (stream, headers) => this.serve(stream as unknown as ServerHttp2Stream, headers));
      if (tls) this.stopTlsUpdates = tls.onChange((options) => own.setSecureContext(options));
      this.ownServer = own;
      return own.listen(port, host);
    }
    const settings = { settings: { enablePush: false }, ...UNBOUNDED_SESSION };
    const server = tls ? createSecureServer({ ...tls.httpsOptions(), ...settings, allowHTTP1: false }) : createServer(settings);
    if (tls) {
      const secure = server as ReturnType<typeof createSecureServer>;
      // New handshakes use the reloaded files; open connections keep theirs.
      this.stopTlsUpdates = tls.onChange((options) => secure.setSecureContext(options));
    }
    this.server = server;
    server.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.on('error', () => undefined); // its streams end with it; nothing else to do
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
    if (this.ownServer) {
      this.stopTlsUpdates?.();
      await this.ownServer.close();
      return;
    }
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
    this.ownServer?.destroy();
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
    if (!route) return this.refuse(stream, Status.UNIMPLEMENTED, `The server does not implement the method ${path}`);
    const encoding = headers['grpc-encoding'];
    const reader = new MessageReader(this.options.maxReceiveMessageBytes, typeof encoding === 'string' && encoding !== 'identity' ? encoding : undefined);
    const decode = (bytes: Buffer): unknown => {
      try {
        return route.requestType.decode(bytes);
      } catch {
        throw new CallRefused(Status.INTERNAL, 'Error deserializing request');
      }
    };
    let refused = false;
    const refuse = (err: unknown) => {
      refused = true;
      const { code, message } = err instanceof CallRefused ? err : new CallRefused(Status.INTERNAL, String(err));
      this.refuse(stream, code, message);
    };

    if (route.descriptor.requestStream) {
      const requests = new RequestQueue();
      stream.on('data', (chunk: Buffer) => {
        if (refused) return;
        try {
          for (const message of reader.push(chunk)) requests.push(decode(message));
        } catch (err) {
          refuse(err);
          requests.end();
        }
      });
      stream.once('end', () => requests.end());
      void this.run(stream, headers, route, requests);
      return;
    }

    const messages: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      if (refused) return;
      try {
        messages.push(...reader.push(chunk));
      } catch (err) {
        refuse(err);
      }
    });
    stream.once('end', () => {
      if (refused || stream.destroyed) return;
      if (messages.length !== 1 || reader.partial) return refuse(new CallRefused(Status.INTERNAL, `${path}: the request is not exactly one message`));
      let request: unknown;
      try {
        request = decode(messages[0]!);
      } catch (err) {
        return refuse(err);
      }
      void this.run(stream, headers, route, request);
    });
  }

  private async run(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, route: Route, request: unknown): Promise<void> {
    const context = this.callContext(stream, headers);
    const cancel = () => context.cancel();
    stream.once('close', cancel);
    const { middleware } = this.options;
    const { descriptor, handler } = route;
    try {
      if (descriptor.responseStream) {
        // The innermost step sends each message as the handler yields it.
        const send: NextStep = async (req, ctx) => {
          for await (const message of handler(req, ctx) as AsyncIterable<unknown>) {
            if (stream.destroyed) break;
            const framed = this.encode(route, message);
            this.sendHeaders(stream, context);
            stream.write(framed);
          }
          return undefined;
        };
        await (middleware ? middleware({ method: descriptor, requestStream: descriptor.requestStream, responseStream: true, request }, context, send) : send(request, context));
        this.finish(stream, context, undefined);
        return;
      }
      const response = middleware
        ? await middleware({ method: descriptor, requestStream: descriptor.requestStream, responseStream: false, request }, context, handler as NextStep)
        : await handler(request, context);
      if (response == null) throw new ServerError(Status.INTERNAL, `${descriptor.path} answered no response`);
      if (stream.destroyed) return;
      const message = this.encode(route, response);
      this.sendHeaders(stream, context);
      this.finish(stream, context, message);
    } catch (err) {
      if (stream.destroyed) return;
      if (err instanceof ServerError) this.finishWithError(stream, context, err.code, err.details);
      else this.finishWithError(stream, context, Status.UNKNOWN, 'Unknown server error occurred');
    } finally {
      stream.off('close', cancel);
    }
  }

  private callContext(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): ServerCallContext {
    return new ServerCallContext(stream, headers, this.options.connectionMetadata);
  }

  private encode(route: Route, response: unknown): Buffer {
    // A partial message (nice-grpc's contract) is filled in by fromPartial; relayed bytes go as they are.
    const bytes = encodeAnswer(route.responseType, response);
    if (bytes.length > this.options.maxSendMessageBytes) {
      throw new ServerError(Status.RESOURCE_EXHAUSTED, `Sent message larger than max (${bytes.length} vs. ${this.options.maxSendMessageBytes})`);
    }
    // Copied at once: a shared response writer reuses its buffer for the next message.
    return frame(bytes);
  }

  private sendHeaders(stream: ServerHttp2Stream, context: ResponseMetadata): void {
    sendResponseHeaders(stream, context);
  }

  private finish(stream: ServerHttp2Stream, context: ResponseMetadata, message: Buffer | undefined): void {
    if (stream.writableEnded) return; // refused while the handler ran (a streamed request over the limit)
    stream.once('wantTrailers', () => stream.sendTrailers(metadataToHeaders(context.sentTrailer, { 'grpc-status': '0' })));
    this.sendHeaders(stream, context);
    stream.end(message);
  }

  private finishWithError(stream: ServerHttp2Stream, context: ResponseMetadata, code: Status, message: string): void {
    if (stream.writableEnded) return;
    const status = { 'grpc-status': String(code), 'grpc-message': percentEncode(message) };
    if (!stream.headersSent) {
      // Trailers-only: the status and trailer metadata in the one HEADERS frame.
      const headers = { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': ACCEPT_ENCODING, ...status };
      stream.respond(metadataToHeaders(context.sentTrailer, metadataToHeaders(context.sentHeader, headers)), { endStream: true });
      return;
    }
    stream.once('wantTrailers', () => stream.sendTrailers(metadataToHeaders(context.sentTrailer, status)));
    stream.end();
  }

  /** Answers a call that never reached its handler (trailers-only), and stops reading its request. */
  private refuse(stream: ServerHttp2Stream, code: Status, message: string): void {
    if (stream.destroyed) return;
    if (stream.headersSent) {
      stream.close(NGHTTP2_CANCEL);
      return;
    }
    const headers = { ':status': 200, 'content-type': 'application/grpc', 'grpc-accept-encoding': ACCEPT_ENCODING, 'grpc-status': String(code), 'grpc-message': percentEncode(message) };
    stream.respond(headers, { endStream: true });
  }
}
