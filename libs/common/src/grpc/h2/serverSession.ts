import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { ConnectionError, ERROR_CODE, H2Connection, type OutboundStream } from './connection';
import { HeaderBlockWriter, STATIC } from './hpack';

/**
 * The server side of Kairos's own HTTP/2 (connection.ts has what both sides share), for the
 * history and matching services' ports, whose callers are Kairos's frontends and each other (and
 * health probes, grpcurl). Node's server makes a Duplex stream per call, with its events and
 * buffering, about as costly as the call's own work there. A stream here is a small EventEmitter
 * with the part of Node's ServerHttp2Stream that GrpcServer uses (respond, write, end with
 * trailers, close), so GrpcServer serves calls the same way over either.
 */

/** Response headers as a header block: plain literals (no table, no Huffman), `:status` first. */
function encodeHeaders(headers: OutgoingHttpHeaders): Buffer {
  const writer = new HeaderBlockWriter();
  const status = headers[':status'];
  if (status !== undefined) {
    if (String(status) === '200') writer.indexed(STATIC.status200);
    else writer.withIndexedName(STATIC.status200, String(status));
  }
  for (const name in headers) {
    if (name === ':status') continue;
    const value = headers[name];
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      if (name === 'content-type') writer.withIndexedName(STATIC.contentType, String(one));
      else writer.literal(name.toLowerCase(), String(one));
    }
  }
  return writer.finish();
}

/**
 * One call's stream, shaped as the part of Node's ServerHttp2Stream GrpcServer uses. Events:
 * 'data' (request bytes), 'end' (the request is complete), 'wantTrailers' (from `end` after
 * `respond(…, { waitForTrailers: true })`), 'close' (the stream is over: answered and ended, or
 * reset by the client, or its connection lost), 'error' (never emitted: a reset is 'close').
 */
export class H2ServerStream extends EventEmitter implements OutboundStream {
  sendWindow: number;
  readonly outbound: OutboundStream['outbound'] = [];
  sentOfFirst = 0;
  headersSent = false;
  /** True once the stream is over (answered and closed, reset, or its connection gone). */
  destroyed = false;
  /** True once `end` was called. */
  writableEnded = false;
  /** The RST_STREAM code the client reset the stream with (0 otherwise). */
  rstCode = 0;
  /** Whether the client ended its side (END_STREAM). */
  remoteEnded = false;
  /** Whether this side's END_STREAM has been queued. */
  localEnded = false;
  private waitForTrailers = false;

  constructor(
    readonly id: number,
    private readonly connection: H2ServerSession,
    initialWindow: number,
  ) {
    super();
    this.sendWindow = initialWindow;
  }

  /** What the call context reads of the connection (its peer, the client certificate). */
  get session(): { socket: Socket } {
    return { socket: this.connection.socketOfStreams };
  }

  respond(headers: OutgoingHttpHeaders, options: { endStream?: boolean; waitForTrailers?: boolean } = {}): void {
    if (this.headersSent || this.destroyed) return;
    this.headersSent = true;
    this.waitForTrailers = options.waitForTrailers === true;
    if (options.endStream) this.localEnded = this.writableEnded = true;
    this.connection.sendResponseHeaders(this, encodeHeaders(headers), options.endStream === true);
  }

  write(chunk: Buffer): boolean {
    if (!this.destroyed && !this.writableEnded) this.connection.sendBody(this, chunk, false);
    return true;
  }

  /** Ends the answer: after `chunk`, the trailers ('wantTrailers') or END_STREAM on the data. */
  end(chunk?: Buffer): void {
    if (this.destroyed || this.writableEnded) return;
    this.writableEnded = true;
    if (this.waitForTrailers) {
      if (chunk && chunk.length > 0) this.connection.sendBody(this, chunk, false);
      this.emit('wantTrailers');
      if (!this.localEnded) this.sendTrailers({}); // nobody answered 'wantTrailers'
      return;
    }
    this.localEnded = true;
    this.connection.sendBody(this, chunk ?? Buffer.alloc(0), true);
  }

  sendTrailers(headers: OutgoingHttpHeaders): void {
    if (this.destroyed || this.localEnded) return;
    this.localEnded = true;
    this.connection.sendTrailerBlock(this, encodeHeaders(headers));
  }

  /** Resets the stream (RST_STREAM with `code`). */
  close(code: number = ERROR_CODE.NO_ERROR): void {
    this.connection.reset(this, code);
  }

  /** The stream is over: 'close' once, after what triggered it has run. */
  markClosed(rstCode: number): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.rstCode = rstCode;
    process.nextTick(() => this.emit('close'));
  }
}

/** One client's connection to the server. */
export class H2ServerSession extends H2Connection {
  private readonly streams = new Map<number, H2ServerStream>();
  private lastStreamId = 0;
  private goingAway = false;

  constructor(
    socket: Socket,
    private readonly onStream: (stream: H2ServerStream, headers: IncomingHttpHeaders) => void,
    private readonly onGone: (session: H2ServerSession) => void,
  ) {
    super(socket, 'server');
  }

  get socketOfStreams(): Socket {
    return this.socket;
  }

  /** Graceful: GOAWAY (the streams already begun are answered), then the connection ends once they are. */
  close(): void {
    if (!this.goingAway && !this.destroyed) {
      this.goingAway = true;
      this.goAway(this.lastStreamId, ERROR_CODE.NO_ERROR);
    }
    this.endIfIdle();
  }

  destroy(): void {
    this.socket.destroy();
  }

  sendResponseHeaders(stream: H2ServerStream, block: Buffer, endStream: boolean): void {
    this.sendHeaderBlock(stream.id, block, endStream);
    if (endStream) this.localEndSent(stream);
  }

  sendBody(stream: H2ServerStream, data: Buffer, end: boolean): void {
    this.sendData(stream, data, end);
  }

  sendTrailerBlock(stream: H2ServerStream, block: Buffer): void {
    this.sendTrailers(stream, block);
  }

  reset(stream: H2ServerStream, code: number): void {
    if (stream.destroyed) return;
    this.resetStream(stream.id, code);
    this.closeStream(stream, 0);
  }

  /** Everything the stream queued has been sent: after its END_STREAM, it is done. */
  protected override outboundSent(outbound: OutboundStream): void {
    const stream = outbound as H2ServerStream;
    if (stream.localEnded) this.localEndSent(stream);
  }

  private localEndSent(stream: H2ServerStream): void {
    if (stream.destroyed) return;
    // Answered before the request ended: ask the client to stop sending it (as nghttp2 does).
    if (!stream.remoteEnded) this.resetStream(stream.id, ERROR_CODE.NO_ERROR);
    this.closeStream(stream, 0);
  }

  private closeStream(stream: H2ServerStream, rstCode: number): void {
    this.dropOutbound(stream);
    this.streams.delete(stream.id);
    stream.markClosed(rstCode);
    this.endIfIdle();
  }

  private endIfIdle(): void {
    if (!this.goingAway || this.destroyed || this.streams.size > 0) return;
    this.flush();
    this.socket.end();
  }

  protected onHeaders(streamId: number, headers: IncomingHttpHeaders, endStream: boolean): void {
    const open = this.streams.get(streamId);
    if (open) {
      // Request trailers: gRPC clients send none, but an END_STREAM here ends the request.
      if (endStream) this.remoteEnd(open);
      return;
    }
    if (streamId % 2 === 0 || streamId <= this.lastStreamId) {
      if (streamId % 2 === 0) throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, `a client opened even stream ${streamId}`);
      return; // a stream already over (reset or answered): its late frames are dropped
    }
    this.lastStreamId = streamId;
    if (this.goingAway) {
      this.resetStream(streamId, ERROR_CODE.REFUSED_STREAM);
      return;
    }
    const stream = new H2ServerStream(streamId, this, this.peerInitialWindow);
    this.streams.set(streamId, stream);
    this.onStream(stream, headers);
    if (endStream) this.remoteEnd(stream);
  }

  protected onData(streamId: number, data: Buffer, endStream: boolean): void {
    const stream = this.streams.get(streamId);
    if (!stream || stream.remoteEnded) return;
    if (data.length > 0) stream.emit('data', data);
    if (endStream) this.remoteEnd(stream);
  }

  private remoteEnd(stream: H2ServerStream): void {
    if (stream.remoteEnded) return;
    stream.remoteEnded = true;
    stream.emit('end');
  }

  protected onReset(streamId: number, code: number): void {
    const stream = this.streams.get(streamId);
    if (stream) this.closeStream(stream, code);
  }

  protected onGoAway(): void {
    // The client opens no more streams; those it began are still answered.
    this.goingAway = true;
    this.endIfIdle();
  }

  protected onInitialWindowChange(change: number): void {
    for (const stream of this.streams.values()) stream.sendWindow += change;
  }

  protected outboundStream(streamId: number): OutboundStream | undefined {
    return this.streams.get(streamId);
  }

  protected onConnectionClosed(): void {
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const stream of streams) {
      this.dropOutbound(stream);
      stream.markClosed(ERROR_CODE.CANCEL);
    }
    this.onGone(this);
  }
}

/** A listening socket whose connections are H2ServerSessions (TLS with ALPN h2 when options are given). */
export class H2Server {
  private readonly server: TcpServer | TlsServer;
  private readonly sessions = new Set<H2ServerSession>();

  constructor(tls: TlsOptions | undefined, onStream: (stream: H2ServerStream, headers: IncomingHttpHeaders) => void) {
    const accept = (socket: Socket) => {
      socket.on('error', () => undefined); // the session sees the close
      const session = new H2ServerSession(socket, onStream, (gone) => this.sessions.delete(gone));
      this.sessions.add(session);
    };
    if (tls) {
      const server = createTlsServer({ ...tls, ALPNProtocols: ['h2'] });
      server.on('secureConnection', (socket: TLSSocket) => {
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy(); // HTTP/2 only, as Node's server with allowHTTP1 off
          return;
        }
        accept(socket);
      });
      server.on('tlsClientError', () => undefined);
      this.server = server;
    } else {
      this.server = createTcpServer(accept);
    }
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** New handshakes use these TLS options; open connections keep theirs. */
  setSecureContext(options: SecureContextOptions): void {
    (this.server as TlsServer).setSecureContext(options);
  }

  /** Stops listening, sends GOAWAY on each connection, and resolves once all have ended. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.close();
    return closed;
  }

  /** Drops every connection at once. */
  destroy(): void {
    this.server.close();
    for (const session of this.sessions) session.destroy();
  }
}
