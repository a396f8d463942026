import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import type { ConnectionOptions } from 'node:tls';
import { Status } from 'nice-grpc-common';
import type { CallCancellation } from './callCancellation';
import { H2ClientSession, type ClientStream, type StreamOutcome } from './h2/clientSession';
import { HeaderBlockWriter, STATIC } from './h2/hpack';
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
 * load balancing, interceptor and filter machinery, and over an HTTP/2 client of Kairos's own
 * (h2/clientSession.ts) rather than Node's: the calls between Kairos's own services are unary, to
 * one known address each, and that machinery was the larger part of a cluster frontend's CPU.
 *
 * The connection is made on the first call and made again after it fails or the server sends
 * GOAWAY (calls already sent finish on the old one). Calls that lose their connection before an
 * answer fail with UNAVAILABLE, as with grpc-js, so the routed client sends them to the key's new
 * owner.
 */
export class Http2Connection {
  private session: H2ClientSession | undefined;
  private closed = false;
  /** Each path's request header block (calls without metadata send exactly this). */
  private readonly headerBlocks = new Map<string, Buffer>();

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
    const headerBlock = this.headerBlock(path, options.headers);

    return new Promise<Uint8Array>((resolve, reject) => {
      let httpStatus: number | undefined;
      let failure: UnaryCallFailure | undefined;
      let code: Status | undefined;
      let statusMessage = '';
      let statusDetails: Uint8Array | undefined;
      let trailers: IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      let received = 0;

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
      const onAbort = () => session.cancel(stream);
      const ended = (outcome: StreamOutcome) => {
        signal?.removeEventListener('abort', onAbort);
        stopHearingCancellation?.();
        if (failure) return reject(failure);
        if (outcome.kind === 'cancelled') return reject(abortError());
        if (outcome.kind !== 'ended' || code === undefined) return reject(this.noStatus(path, outcome, httpStatus, trailers));
        if (code !== Status.OK) return reject(new UnaryCallFailure(code, statusMessage, statusDetails, trailers));
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
        if (body.length < GRPC_FRAME_HEADER_BYTES) return reject(new UnaryCallFailure(Status.UNIMPLEMENTED, `${path}: no response message`, undefined, trailers));
        if (body[0] !== 0) return reject(new UnaryCallFailure(Status.INTERNAL, `${path}: compressed response (none was accepted)`, undefined, trailers));
        const length = body.readUInt32BE(1);
        if (body.length !== GRPC_FRAME_HEADER_BYTES + length) {
          return reject(new UnaryCallFailure(Status.INTERNAL, `${path}: response is not exactly one message`, undefined, trailers));
        }
        resolve(body.subarray(GRPC_FRAME_HEADER_BYTES));
      };

      // Before the request: a stream refused at once (the connection's ids ran out) stops hearing them in `ended`.
      signal?.addEventListener('abort', onAbort, { once: true });
      const stopHearingCancellation = cancellation?.onCancel(onAbort);
      const stream: ClientStream = session.request(headerBlock, frame(message), {
        onHeaders: (headers, isTrailers) => {
          if (isTrailers) {
            options.onTrailers?.(headers);
          } else {
            httpStatus = Number(headers[constants.HTTP2_HEADER_STATUS]);
            options.onHeaders?.(headers);
          }
          readStatus(headers); // trailers, or a trailers-only answer
        },
        onData: (chunk) => {
          chunks.push(chunk);
          received += chunk.length;
          if (received === chunk.length && chunk.length >= GRPC_FRAME_HEADER_BYTES) {
            const length = chunk.readUInt32BE(1);
            if (length > this.options.maxMessageBytes && !failure) {
              failure = new UnaryCallFailure(Status.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.options.maxMessageBytes})`, undefined, undefined);
              session.cancel(stream);
            }
          }
        },
        onClose: ended,
      });
    });
  }

  /** Closes the connection; calls in flight finish, new ones fail with UNAVAILABLE. */
  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  /** A call's failure when its stream ended without a gRPC status. */
  private noStatus(path: string, outcome: StreamOutcome, httpStatus: number | undefined, trailers: IncomingHttpHeaders | undefined): UnaryCallFailure {
    if (httpStatus !== undefined && httpStatus !== 200) {
      return new UnaryCallFailure(statusFromHttp(httpStatus), `Received HTTP status code ${httpStatus}`, undefined, undefined);
    }
    switch (outcome.kind) {
      case 'reset': // the server reset this stream
        return new UnaryCallFailure(statusFromReset(outcome.code), `${path} at ${this.address}: stream reset with code ${outcome.code}`, undefined, trailers);
      case 'refused':
        return new UnaryCallFailure(Status.UNAVAILABLE, `${path} at ${this.address}: ${outcome.reason}`, undefined, trailers);
      case 'lost':
        return new UnaryCallFailure(Status.UNAVAILABLE, `${path} at ${this.address}: ${outcome.error.message}`, undefined, trailers);
      default:
        return new UnaryCallFailure(Status.UNAVAILABLE, `${path} at ${this.address}: the answer ended without a status`, undefined, trailers);
    }
  }

  private headerBlock(path: string, headers: OutgoingHttpHeaders | undefined): Buffer {
    let block = this.headerBlocks.get(path);
    if (!block) {
      block = new HeaderBlockWriter()
        .indexed(STATIC.methodPost)
        .indexed(this.options.tls ? STATIC.schemeHttps : STATIC.schemeHttp)
        .withIndexedName(STATIC.path, path)
        .withIndexedName(STATIC.authority, this.address)
        .withIndexedName(STATIC.contentType, 'application/grpc')
        .literal('te', 'trailers')
        .finish();
      this.headerBlocks.set(path, block);
    }
    if (!headers) return block;
    const metadata = new HeaderBlockWriter();
    let any = false;
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) metadata.literal(name.toLowerCase(), String(one));
      any = true;
    }
    return any ? Buffer.concat([block, metadata.finish()]) : block;
  }

  private sessionForCall(): H2ClientSession {
    const current = this.session;
    if (current?.usable) return current;
    const session: H2ClientSession = new H2ClientSession({
      address: this.address,
      tls: this.options.tls?.(),
      connectTimeoutMs: this.options.connectTimeoutMs,
      // Calls already sent finish on it; new ones go on a new one.
      onUnusable: () => {
        if (this.session === session) this.session = undefined;
      },
    });
    this.session = session;
    return session;
  }
}
