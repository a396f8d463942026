import type { IncomingHttpHeaders } from 'node:http2';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { splitHostPort } from '../hostPort';
import { ERROR_CODE, H2Connection, LAST_STREAM_ID, type OutboundStream } from './connection';

/**
 * The client side of one HTTP/2 connection, written for Kairos's internal unary calls: each stream
 * sends one header block and one body and receives headers, data and trailers. Node's own client
 * makes a Duplex stream, an AsyncResource and several event listeners per request (about a third
 * of a cluster frontend's CPU); here a stream is a plain object whose handler is called directly.
 *
 * What a server may do is all handled (connection.ts): SETTINGS (window, frame size, concurrent
 * streams), flow control both ways, PING, GOAWAY (streams above its last id are refused, safe to
 * send again), RST_STREAM, padding and CONTINUATION, and HPACK with its dynamic table and Huffman
 * strings.
 */

/** How a stream ended. */
export type StreamOutcome =
  /** The server ended its side (END_STREAM): the whole answer was received. */
  | { kind: 'ended' }
  /** The server reset the stream (RST_STREAM) with this error code. */
  | { kind: 'reset'; code: number }
  /** Never processed by the server (above its GOAWAY's last stream id): safe to send again. */
  | { kind: 'refused'; reason: string }
  /** This side cancelled it. */
  | { kind: 'cancelled' }
  /** The connection failed under it. */
  | { kind: 'lost'; error: Error };

export interface StreamHandler {
  /** A header block: the response's headers first (`trailers` false), then its trailers. */
  onHeaders(headers: IncomingHttpHeaders, trailers: boolean): void;
  onData(chunk: Buffer): void;
  onClose(outcome: StreamOutcome): void;
}

/** A stream of this session: what `request` returns, to cancel it with. */
export interface ClientStream {
  readonly id: number;
}

interface StreamState extends ClientStream, OutboundStream {
  id: number;
  readonly handler: StreamHandler;
  readonly headerBlock: Buffer;
  readonly body: Buffer;
  started: boolean;
  headersReceived: boolean;
  closed: boolean;
}

export interface ClientSessionOptions {
  /** `host:port` (an IPv6 host in brackets). */
  address: string;
  /** Dial over TLS with these options (ALPN h2 is added). */
  tls?: ConnectionOptions;
  connectTimeoutMs: number;
  /** The session will take no new streams (GOAWAY received, ids used up, closing) or is gone. */
  onUnusable: () => void;
}

function dial(options: ClientSessionOptions, connected: () => void): Socket {
  const { host, port } = splitHostPort(options.address);
  if (!options.tls) return netConnect({ host, port }).once('connect', connected);
  // SNI names the host dialed unless the options name another (an IP address is never sent as one).
  const servername = options.tls.servername ?? (isIP(host) ? undefined : host);
  const socket = tlsConnect({ host, port, ...options.tls, ...(servername !== undefined && { servername }), ALPNProtocols: ['h2'] });
  socket.once('secureConnect', () => {
    connected();
    if ((socket as TLSSocket).alpnProtocol !== 'h2') socket.destroy(new Error(`${options.address} did not agree to HTTP/2 (ALPN)`));
  });
  return socket;
}

export class H2ClientSession extends H2Connection {
  private readonly streams = new Map<number, StreamState>();
  /** Streams waiting for a slot under the server's MAX_CONCURRENT_STREAMS. */
  private readonly queued: StreamState[] = [];
  private nextStreamId = 1;
  private goingAway = false;
  private connectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ClientSessionOptions) {
    const timer = setTimeout(() => socket.destroy(new Error(`no connection to ${options.address} within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
    timer.unref();
    const socket = dial(options, () => clearTimeout(timer));
    super(socket, 'client');
    this.connectTimer = timer;
    socket.unref(); // only calls in flight keep the process alive
  }

  /** Whether a new stream may be opened here. */
  get usable(): boolean {
    return !this.goingAway && !this.destroyed;
  }

  /** Opens a stream sending `headerBlock` (HPACK, no dynamic table use) and then `body`, ending this side. */
  request(headerBlock: Buffer, body: Buffer, handler: StreamHandler): ClientStream {
    if (!this.usable) throw new Error(`connection to ${this.options.address} takes no new streams`);
    const stream: StreamState = { id: 0, handler, headerBlock, body, sendWindow: 0, outbound: [], sentOfFirst: 0, started: false, headersReceived: false, closed: false };
    if (this.streams.size === 0 && this.queued.length === 0) this.socket.ref();
    if (this.queued.length === 0 && this.streams.size < this.peerMaxStreams) this.start(stream);
    else this.queued.push(stream);
    return stream;
  }

  /** Ends the stream from this side (RST_STREAM CANCEL if the server has seen it). */
  cancel(ref: ClientStream): void {
    const stream = ref as StreamState;
    if (stream.closed) return;
    if (stream.started) this.resetStream(stream.id, ERROR_CODE.CANCEL);
    const waiting = this.queued.indexOf(stream);
    if (waiting >= 0) this.queued.splice(waiting, 1);
    this.finish(stream, { kind: 'cancelled' });
  }

  /** Takes no new streams; the connection ends once those in flight have. */
  close(): void {
    this.stopTakingStreams();
    this.endIfIdle();
  }

  private start(stream: StreamState): void {
    if (this.nextStreamId > LAST_STREAM_ID) {
      this.stopTakingStreams();
      this.finish(stream, { kind: 'refused', reason: 'stream ids used up' });
      return;
    }
    stream.id = this.nextStreamId;
    this.nextStreamId += 2;
    if (this.nextStreamId > LAST_STREAM_ID) this.stopTakingStreams();
    stream.started = true;
    stream.sendWindow = this.peerInitialWindow;
    this.streams.set(stream.id, stream);
    this.sendHeaderBlock(stream.id, stream.headerBlock, false);
    this.sendData(stream, stream.body, true);
  }

  private finish(stream: StreamState, outcome: StreamOutcome): void {
    if (stream.closed) return;
    stream.closed = true;
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    // Answered before it had the whole request: stop sending it.
    if (outcome.kind === 'ended' && !this.outboundDone(stream)) this.resetStream(stream.id, ERROR_CODE.CANCEL);
    this.dropOutbound(stream);
    if (this.streams.size === 0 && this.queued.length === 0 && !this.destroyed) this.socket.unref();
    stream.handler.onClose(outcome);
    if (!this.destroyed) {
      this.startQueued();
      this.endIfIdle();
    }
  }

  private startQueued(): void {
    while (this.queued.length > 0 && this.streams.size < this.peerMaxStreams && this.usable) this.start(this.queued.shift()!);
  }

  private stopTakingStreams(): void {
    if (this.goingAway) return;
    this.goingAway = true;
    this.options.onUnusable();
  }

  private endIfIdle(): void {
    if (!this.goingAway || this.destroyed || this.streams.size > 0 || this.queued.length > 0) return;
    this.goAway(0, ERROR_CODE.NO_ERROR); // last stream id 0: this client accepts no streams of the server's
    this.flush();
    this.socket.end();
  }

  protected override settingsChanged(): void {
    this.startQueued();
  }

  protected onHeaders(streamId: number, headers: IncomingHttpHeaders, endStream: boolean): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    const trailers = stream.headersReceived;
    stream.headersReceived = true;
    stream.handler.onHeaders(headers, trailers);
    if (endStream && !stream.closed) this.finish(stream, { kind: 'ended' });
  }

  protected onData(streamId: number, data: Buffer, endStream: boolean): void {
    const stream = this.streams.get(streamId);
    if (!stream) return; // cancelled or reset here: what was in flight is dropped
    if (data.length > 0) stream.handler.onData(data);
    if (endStream && !stream.closed) this.finish(stream, { kind: 'ended' });
  }

  protected onReset(streamId: number, code: number): void {
    const stream = this.streams.get(streamId);
    if (stream) this.finish(stream, { kind: 'reset', code });
  }

  protected onGoAway(lastStreamId: number, code: number): void {
    this.stopTakingStreams();
    const reason = `${this.options.address} is going away (GOAWAY code ${code})`;
    for (const stream of [...this.streams.values()]) if (stream.id > lastStreamId) this.finish(stream, { kind: 'refused', reason });
    for (const stream of this.queued.splice(0)) this.finish(stream, { kind: 'refused', reason });
    this.endIfIdle();
  }

  protected onInitialWindowChange(change: number): void {
    for (const stream of this.streams.values()) stream.sendWindow += change;
  }

  protected outboundStream(streamId: number): OutboundStream | undefined {
    return this.streams.get(streamId);
  }

  /** The socket closed: every stream still here is lost. */
  protected onConnectionClosed(error: Error): void {
    clearTimeout(this.connectTimer);
    this.options.onUnusable();
    const streams = [...this.streams.values(), ...this.queued.splice(0)];
    this.streams.clear();
    for (const stream of streams) this.finish(stream, { kind: 'lost', error });
  }
}
