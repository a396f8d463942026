import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import { Status } from 'nice-grpc-common';
import type { CallCancellation } from './callCancellation';
import { UNBOUNDED_SESSION } from './sessionOptions';
import { frame, GRPC_FRAME_HEADER_BYTES } from './wire';

/** A call's end when the server did not answer OK: the gRPC status, and the trailers it came with. */
export class UnaryCallFailure {
  constructor(
    readonly code: Status,
    readonly message: string,
    /** The `grpc-status-details-bin` trailer, decoded from base64 (a serialized google.rpc.Status). */
    readonly statusDetails: Uint8Array | undefined,
    readonly trailers: IncomingHttpHeaders | undefined,
  ) {}
}

export interface Http2ConnectionOptions {
  /** Dial over TLS with these options, taken anew for each connection (certificates reload). */
  tls?: () => ConnectionOptions;
  /** Largest message sent or accepted; a larger response fails the call with RESOURCE_EXHAUSTED. */
  maxMessageBytes: number;
  /** A connection not up within this long fails its calls with UNAVAILABLE (the peer may be a dead pod IP). */
  connectTimeoutMs: number;
}

export interface UnaryCallOptions {
  /** Metadata as HTTP/2 headers (binary values already base64, under `-bin` names). */
  headers?: OutgoingHttpHeaders;
  signal?: AbortSignal;
  /** Ends the call like an aborted signal, without making one (see CallCancellation). */
  cancellation?: CallCancellation;
  onHeaders?: (headers: IncomingHttpHeaders) => void;
  onTrailers?: (trailers: IncomingHttpHeaders) => void;
}

const { NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INADEQUATE_SECURITY } = constants;

/** gRPC's mapping of an HTTP status other than 200 (no grpc-status came with it). */
function statusFromHttp(httpStatus: number): Status {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** gRPC's mapping of a stream reset without a status (as grpc-js reports it). */
function statusFromReset(rstCode: number): Status {
  switch (rstCode) {
    case NGHTTP2_REFUSED_STREAM:
      return Status.UNAVAILABLE; // never processed: safe to send again
    case NGHTTP2_CANCEL:
      return Status.CANCELLED;
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return Status.RESOURCE_EXHAUSTED;
    case NGHTTP2_INADEQUATE_SECURITY:
      return Status.PERMISSION_DENIED;
    default:
      return Status.INTERNAL;
  }
}

function decodeGrpcMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // not percent-encoded as the spec says: keep it as sent
  }
}

function abortError(): Error {
  const err = new Error('The operation has been aborted');
  err.name = 'AbortError';
  return err;
}

/**
 * One HTTP/2 connection to an instance of another Kairos service, carrying unary gRPC calls: the
 * request is one length-prefixed message, the answer one message and the status in trailers (or a
 * trailers-only answer). This is what grpc-js's client does for a unary call, without its channel,
 * load balancing, interceptor and filter machinery: the calls between Kairos's own services are
 * unary, to one known address each, and that machinery was about a fifth of a cluster's CPU.
 *
 * The connection is made on the first call and made again after it fails or the server sends
 * GOAWAY (calls already sent finish on the old one). Calls that lose their connection before an
 * answer fail with UNAVAILABLE, as with grpc-js, so the routed client sends them to the key's new
 * owner.
 */
export class Http2Connection {
  private session: ClientHttp2Session | undefined;
  /** Calls in flight on each session: a session keeps the process alive only while it has some. */
  private readonly active = new WeakMap<ClientHttp2Session, number>();
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly options: Http2ConnectionOptions,
  ) {}

  /** Sends one framed request to `path`; resolves with the response message's bytes, rejects with UnaryCallFailure or an abort. */
  unary(path: string, message: Uint8Array, options: UnaryCallOptions = {}): Promise<Uint8Array> {
    const { signal, cancellation } = options;
    if (signal?.aborted || cancellation?.cancelled) return Promise.reject(abortError());
    if (this.closed) return Promise.reject(new UnaryCallFailure(Status.UNAVAILABLE, `connection to ${this.address} closed`, undefined, undefined));
    if (message.length > this.options.maxMessageBytes) {
      return Promise.reject(
        new UnaryCallFailure(Status.RESOURCE_EXHAUSTED, `request message larger than max (${message.length} vs. ${this.options.maxMessageBytes})`, undefined, undefined),
      );
    }
    const session = this.sessionForCall();
    const framed = frame(message);

    return new Promise<Uint8Array>((resolve, reject) => {
      let stream;
      try {
        stream = session.request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: path,
          [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
          [constants.HTTP2_HEADER_TE]: 'trailers',
          ...options.headers,
        });
      } catch (err) {
        // The session went away between choosing it and sending (GOAWAY, destroyed).
        this.forget(session);
        reject(new UnaryCallFailure(Status.UNAVAILABLE, `connection to ${this.address}: ${(err as Error).message}`, undefined, undefined));
        return;
      }
      this.callStarted(session);
      let httpStatus: number | undefined;
      let failure: UnaryCallFailure | undefined;
      let code: Status | undefined;
      let statusMessage = '';
      let statusDetails: Uint8Array | undefined;
      let trailers: IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      let received = 0;
      let transportError: (Error & { code?: string }) | undefined;
      let aborted = false;

      const readStatus = (headers: IncomingHttpHeaders) => {
        const raw = headers['grpc-status'];
        if (raw === undefined) return;
        const parsed = Number(raw);
        code = Number.isInteger(parsed) && parsed >= 0 && parsed <= 16 ? (parsed as Status) : Status.UNKNOWN;
        statusMessage = decodeGrpcMessage(headers['grpc-message']);
        const details = headers['grpc-status-details-bin'];
        if (typeof details === 'string' && details.length > 0) statusDetails = Buffer.from(details, 'base64');
        trailers = headers;
      };
      const onAbort = () => {
        aborted = true;
        stream.close(NGHTTP2_CANCEL);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const stopHearingCancellation = cancellation?.onCancel(onAbort);

      stream.on('response', (headers) => {
        httpStatus = Number(headers[constants.HTTP2_HEADER_STATUS]);
        options.onHeaders?.(headers);
        readStatus(headers); // a trailers-only answer
      });
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (received === chunk.length && chunk.length >= GRPC_FRAME_HEADER_BYTES) {
          const length = chunk.readUInt32BE(1);
          if (length > this.options.maxMessageBytes && !failure) {
            failure = new UnaryCallFailure(
              Status.RESOURCE_EXHAUSTED,
              `Received message larger than max (${length} vs. ${this.options.maxMessageBytes})`,
              undefined,
              undefined,
            );
            stream.close(NGHTTP2_CANCEL);
          }
        }
      });
      stream.on('trailers', (headers) => {
        options.onTrailers?.(headers);
        readStatus(headers);
      });
      stream.on('error', (err: Error & { code?: string }) => {
        transportError = err;
      });
      stream.on('close', () => {
        signal?.removeEventListener('abort', onAbort);
        stopHearingCancellation?.();
        this.callEnded(session);
        if (aborted) return reject(abortError());
        if (failure) return reject(failure);
        if (code === undefined) {
          if (httpStatus !== undefined && httpStatus !== 200) {
            return reject(new UnaryCallFailure(statusFromHttp(httpStatus), `Received HTTP status code ${httpStatus}`, undefined, undefined));
          }
          // No status: the stream was reset, or the connection was lost under it.
          // The server reset this stream (an RST_STREAM of its own), or anything else: the connection failed.
          const resetByServer = transportError?.code === 'ERR_HTTP2_STREAM_ERROR';
          const why = transportError?.message ?? `stream closed with code ${stream.rstCode}`;
          return reject(
            new UnaryCallFailure(resetByServer ? statusFromReset(stream.rstCode) : Status.UNAVAILABLE, `${path} at ${this.address}: ${why}`, undefined, trailers),
          );
        }
        if (code !== Status.OK) return reject(new UnaryCallFailure(code, statusMessage, statusDetails, trailers));
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
        if (body.length < GRPC_FRAME_HEADER_BYTES) return reject(new UnaryCallFailure(Status.UNIMPLEMENTED, `${path}: no response message`, undefined, trailers));
        if (body[0] !== 0) return reject(new UnaryCallFailure(Status.INTERNAL, `${path}: compressed response (none was accepted)`, undefined, trailers));
        const length = body.readUInt32BE(1);
        if (body.length !== GRPC_FRAME_HEADER_BYTES + length) {
          return reject(new UnaryCallFailure(Status.INTERNAL, `${path}: response is not exactly one message`, undefined, trailers));
        }
        resolve(body.subarray(GRPC_FRAME_HEADER_BYTES));
      });
      stream.end(framed);
    });
  }

  /** Closes the connection; calls in flight finish, new ones fail with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  private sessionForCall(): ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const tls = this.options.tls?.();
    const session = connect(`${tls ? 'https' : 'http'}://${this.address}`, { ...tls, settings: { enablePush: false }, ...UNBOUNDED_SESSION });
    this.session = session;
    session.unref();
    const connectTimer = setTimeout(() => session.destroy(new Error(`no connection to ${this.address} within ${this.options.connectTimeoutMs} ms`)), this.options.connectTimeoutMs);
    connectTimer.unref();
    session.once('connect', () => clearTimeout(connectTimer));
    // Errors reach each call's stream; the session only needs to be replaced.
    session.on('error', () => undefined);
    session.once('close', () => {
      clearTimeout(connectTimer);
      this.forget(session);
    });
    // Calls already sent finish on this connection; new ones go on a new one.
    session.once('goaway', () => this.forget(session));
    return session;
  }

  private forget(session: ClientHttp2Session): void {
    if (this.session === session) this.session = undefined;
  }

  private callStarted(session: ClientHttp2Session): void {
    const calls = this.active.get(session) ?? 0;
    this.active.set(session, calls + 1);
    if (calls === 0) session.ref();
  }

  private callEnded(session: ClientHttp2Session): void {
    const calls = (this.active.get(session) ?? 1) - 1;
    this.active.set(session, calls);
    if (calls === 0 && !session.destroyed) session.unref();
  }
}
