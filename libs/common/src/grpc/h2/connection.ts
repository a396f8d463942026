import type { IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import { HpackDecoder, HpackError } from './hpack';

/**
 * What both ends of Kairos's own HTTP/2 connections (RFC 9113) share: reading and writing frames,
 * SETTINGS, PING, flow control both ways, header blocks split over CONTINUATION, and the HPACK
 * decoder. The client (clientSession.ts) and the server (serverSession.ts) add streams' opening
 * and closing. Frames queued in one turn of the event loop leave together in one write.
 */

const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
const SETTING = { HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, MAX_CONCURRENT_STREAMS: 3, INITIAL_WINDOW_SIZE: 4, MAX_FRAME_SIZE: 5 } as const;
export const ERROR_CODE = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  STREAM_CLOSED: 5,
  FRAME_SIZE_ERROR: 6,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  ENHANCE_YOUR_CALM: 0xb,
} as const;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER_BYTES = 9;
const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_WINDOW = 65535;
const DEFAULT_MAX_FRAME = 16384;
export const LAST_STREAM_ID = 2 ** 31 - 1;
/** The connection's receive window is topped up once this much of it has been used. */
const WINDOW_REFILL_AT = 2 ** 30;
/** The largest header block taken (HEADERS and its CONTINUATIONs): gRPC metadata is kilobytes. */
const MAX_HEADER_BLOCK_BYTES = 1 << 20;

/** A problem of the connection as a whole: it is ended with GOAWAY carrying `code`. */
export class ConnectionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A stream's outgoing side: its frames wait here while flow control holds them back. */
export interface OutboundStream {
  id: number;
  sendWindow: number;
  /** In order: bodies (END_STREAM after the last byte when `end`), or a final header block (trailers). */
  outbound: Array<{ data: Buffer; end: boolean } | { trailers: Buffer }>;
  /** How much of the first body has been sent. */
  sentOfFirst: number;
}

function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUIntBE(length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return header;
}

/** Our SETTINGS: no push; a stream may receive as much as the connection (the largest window). */
function ourSettings(): Buffer {
  const settings = Buffer.allocUnsafe(12);
  settings.writeUInt16BE(SETTING.ENABLE_PUSH, 0);
  settings.writeUInt32BE(0, 2);
  settings.writeUInt16BE(SETTING.INITIAL_WINDOW_SIZE, 6);
  settings.writeUInt32BE(MAX_WINDOW, 8);
  return settings;
}

export abstract class H2Connection {
  protected peerInitialWindow = DEFAULT_WINDOW;
  protected peerMaxFrame = DEFAULT_MAX_FRAME;
  protected peerMaxStreams = Infinity;
  protected destroyed = false;
  private readonly decoder = new HpackDecoder();
  /** Streams with frames held back by flow control. */
  private readonly blocked = new Set<OutboundStream>();
  private connectionSendWindow = DEFAULT_WINDOW;
  private receivedSinceWindowUpdate = 0;
  private out: Buffer[] = [];
  private flushScheduled = false;
  private inbound: Buffer | undefined;
  /** A header block arriving in CONTINUATION frames. */
  private continuing: { streamId: number; parts: Buffer[]; bytes: number; endStream: boolean } | undefined;
  /** A server first reads the client's preface; until then this counts its bytes. */
  private prefaceExpected: number;
  private socketError: Error | undefined;

  protected constructor(
    protected readonly socket: Socket,
    role: 'client' | 'server',
  ) {
    this.prefaceExpected = role === 'server' ? PREFACE.length : 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (err) => (this.socketError ??= err));
    socket.on('close', () => this.closed(this.socketError ?? new Error('connection closed')));
    // The client's preface comes first; then each side's SETTINGS, and a connection window as
    // large as allowed: the peer never waits for this side to read.
    if (role === 'client') this.queue(PREFACE);
    this.frame(FRAME.SETTINGS, 0, 0, ourSettings());
    this.windowUpdate(0, MAX_WINDOW - DEFAULT_WINDOW);
  }

  /** A complete header block for a stream (decoded whatever the stream's state: the HPACK table is the connection's). */
  protected abstract onHeaders(streamId: number, headers: IncomingHttpHeaders, endStream: boolean): void;
  protected abstract onData(streamId: number, data: Buffer, endStream: boolean): void;
  protected abstract onReset(streamId: number, code: number): void;
  protected abstract onGoAway(lastStreamId: number, code: number): void;
  /** The peer changed its initial stream window: every open stream's window moves by `change`. */
  protected abstract onInitialWindowChange(change: number): void;
  protected abstract onConnectionClosed(error: Error): void;
  /** An open stream's outbound state, for the peer's WINDOW_UPDATE. */
  protected abstract outboundStream(streamId: number): OutboundStream | undefined;

  // ---- sending

  /** Queues a stream's body; what the windows allow goes at once, the rest on WINDOW_UPDATE. */
  protected sendData(stream: OutboundStream, data: Buffer, end: boolean): void {
    stream.outbound.push({ data, end });
    this.pump(stream);
  }

  /** Queues a stream's trailers (END_STREAM), sent after its bodies. */
  protected sendTrailers(stream: OutboundStream, block: Buffer): void {
    stream.outbound.push({ trailers: block });
    this.pump(stream);
  }

  /** A header block, split over CONTINUATION frames beyond the peer's frame size. */
  protected sendHeaderBlock(streamId: number, block: Buffer, endStream: boolean): void {
    const end = endStream ? FLAG.END_STREAM : 0;
    if (block.length <= this.peerMaxFrame) {
      this.frame(FRAME.HEADERS, FLAG.END_HEADERS | end, streamId, block);
      return;
    }
    for (let offset = 0; offset < block.length; offset += this.peerMaxFrame) {
      const stop = Math.min(offset + this.peerMaxFrame, block.length);
      const last = stop === block.length ? FLAG.END_HEADERS : 0;
      this.frame(offset === 0 ? FRAME.HEADERS : FRAME.CONTINUATION, last | (offset === 0 ? end : 0), streamId, block.subarray(offset, stop));
    }
  }

  /** Forgets what a stream still had to send (it was reset or cancelled). */
  protected dropOutbound(stream: OutboundStream): void {
    stream.outbound.length = 0;
    this.blocked.delete(stream);
  }

  /** Whether all a stream queued has been sent. */
  protected outboundDone(stream: OutboundStream): boolean {
    return stream.outbound.length === 0;
  }

  private pump(stream: OutboundStream): void {
    const { outbound } = stream;
    while (outbound.length > 0) {
      const item = outbound[0]!;
      if ('trailers' in item) {
        this.sendHeaderBlock(stream.id, item.trailers, true);
        outbound.shift();
        continue;
      }
      const { data, end } = item;
      if (data.length === 0) {
        this.frame(FRAME.DATA, end ? FLAG.END_STREAM : 0, stream.id);
        outbound.shift();
        continue;
      }
      const size = Math.min(data.length - stream.sentOfFirst, stream.sendWindow, this.connectionSendWindow, this.peerMaxFrame);
      if (size <= 0) {
        this.blocked.add(stream);
        return;
      }
      const stop = stream.sentOfFirst + size;
      const last = stop === data.length;
      this.frame(FRAME.DATA, last && end ? FLAG.END_STREAM : 0, stream.id, data.subarray(stream.sentOfFirst, stop));
      stream.sendWindow -= size;
      this.connectionSendWindow -= size;
      if (last) {
        outbound.shift();
        stream.sentOfFirst = 0;
      } else {
        stream.sentOfFirst = stop;
      }
    }
    this.blocked.delete(stream);
    this.outboundSent(stream);
  }

  /** A stream's queued frames have all been sent (hook for the server's stream end). */
  protected outboundSent(_stream: OutboundStream): void {}

  private resumeBlocked(): void {
    for (const stream of this.blocked) {
      if (this.connectionSendWindow <= 0) return;
      this.pump(stream);
    }
  }

  protected resetStream(streamId: number, code: number): void {
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(code, 0);
    this.frame(FRAME.RST_STREAM, 0, streamId, payload);
  }

  private windowUpdate(streamId: number, increment: number): void {
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(increment, 0);
    this.frame(FRAME.WINDOW_UPDATE, 0, streamId, payload);
  }

  protected goAway(lastStreamId: number, code: number): void {
    const payload = Buffer.alloc(8);
    payload.writeUInt32BE(lastStreamId, 0);
    payload.writeUInt32BE(code, 4);
    this.frame(FRAME.GOAWAY, 0, 0, payload);
  }

  protected frame(type: number, flags: number, streamId: number, payload?: Buffer): void {
    this.queue(frameHeader(payload?.length ?? 0, type, flags, streamId));
    if (payload && payload.length > 0) this.queue(payload);
  }

  /**
   * Frames queued in one turn of the event loop leave together in one write after it: under load
   * the calls made for all the requests read in that turn share one system call (a paired run
   * against flushing after each tick: 5.3-7.3 against 6.9-9.0 ms of cluster CPU per workflow).
   */
  private queue(bytes: Buffer): void {
    if (this.destroyed) return;
    this.out.push(bytes);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  protected flush(): void {
    this.flushScheduled = false;
    const out = this.out;
    if (out.length === 0 || this.destroyed) return;
    this.out = [];
    this.socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  }

  // ---- receiving

  private received(chunk: Buffer): void {
    if (this.destroyed) return; // ended for a protocol error: the rest is not read
    let buffer = this.inbound ? Buffer.concat([this.inbound, chunk]) : chunk;
    let offset = 0;
    try {
      if (this.prefaceExpected > 0) {
        const seen = PREFACE.length - this.prefaceExpected;
        const take = Math.min(this.prefaceExpected, buffer.length);
        if (!buffer.subarray(0, take).equals(PREFACE.subarray(seen, seen + take))) throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, 'not an HTTP/2 client preface');
        this.prefaceExpected -= take;
        buffer = buffer.subarray(take);
      }
      while (buffer.length - offset >= FRAME_HEADER_BYTES) {
        const length = buffer.readUIntBE(offset, 3);
        if (length > DEFAULT_MAX_FRAME) throw new ConnectionError(ERROR_CODE.FRAME_SIZE_ERROR, `a frame of ${length} bytes (the limit is ${DEFAULT_MAX_FRAME})`);
        const end = offset + FRAME_HEADER_BYTES + length;
        if (buffer.length < end) break;
        const type = buffer[offset + 3]!;
        const flags = buffer[offset + 4]!;
        const streamId = buffer.readUInt32BE(offset + 5) & LAST_STREAM_ID;
        this.onFrame(type, flags, streamId, buffer.subarray(offset + FRAME_HEADER_BYTES, end));
        offset = end;
        if (this.destroyed) return;
      }
    } catch (err) {
      if (!(err instanceof ConnectionError)) throw err;
      this.fail(err);
      return;
    }
    this.inbound = offset < buffer.length ? buffer.subarray(offset) : undefined;
  }

  /**
   * Ends the connection for a protocol error of the peer's: GOAWAY with its code, then this side
   * of the socket (destroyed a second later if the peer keeps it open). Its streams end at once.
   */
  protected fail(err: ConnectionError): void {
    this.goAway(0, err.code);
    this.flush();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.closed(new Error(`HTTP/2 protocol error: ${err.message}`));
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.continuing && (type !== FRAME.CONTINUATION || streamId !== this.continuing.streamId)) {
      throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, 'a header block was interrupted');
    }
    switch (type) {
      case FRAME.DATA: {
        if (streamId === 0) throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, 'DATA on stream 0');
        // The whole frame counts against the connection's window, whether or not its stream is still open.
        this.receivedSinceWindowUpdate += payload.length;
        if (this.receivedSinceWindowUpdate >= WINDOW_REFILL_AT) {
          this.windowUpdate(0, this.receivedSinceWindowUpdate);
          this.receivedSinceWindowUpdate = 0;
        }
        return this.onData(streamId, this.unpad(flags, payload), (flags & FLAG.END_STREAM) !== 0);
      }
      case FRAME.HEADERS: {
        if (streamId === 0) throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, 'HEADERS on stream 0');
        let fragment = this.unpad(flags, payload);
        if (flags & FLAG.PRIORITY) fragment = fragment.subarray(5);
        const endStream = (flags & FLAG.END_STREAM) !== 0;
        if (flags & FLAG.END_HEADERS) return this.headerBlock(streamId, fragment, endStream);
        this.continuing = { streamId, parts: [fragment], bytes: fragment.length, endStream };
        return;
      }
      case FRAME.CONTINUATION: {
        const continuing = this.continuing;
        if (!continuing) throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, 'CONTINUATION without HEADERS');
        continuing.parts.push(payload);
        continuing.bytes += payload.length;
        if (continuing.bytes > MAX_HEADER_BLOCK_BYTES) throw new ConnectionError(ERROR_CODE.ENHANCE_YOUR_CALM, `a header block of more than ${MAX_HEADER_BLOCK_BYTES} bytes`);
        if (!(flags & FLAG.END_HEADERS)) return;
        this.continuing = undefined;
        return this.headerBlock(streamId, Buffer.concat(continuing.parts), continuing.endStream);
      }
      case FRAME.RST_STREAM:
        if (payload.length !== 4) throw new ConnectionError(ERROR_CODE.FRAME_SIZE_ERROR, 'RST_STREAM of the wrong size');
        return this.onReset(streamId, payload.readUInt32BE(0));
      case FRAME.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FRAME.PING:
        if (payload.length !== 8) throw new ConnectionError(ERROR_CODE.FRAME_SIZE_ERROR, 'PING of the wrong size');
        if (!(flags & FLAG.ACK)) this.frame(FRAME.PING, FLAG.ACK, 0, Buffer.from(payload));
        return;
      case FRAME.GOAWAY:
        if (payload.length < 8) throw new ConnectionError(ERROR_CODE.FRAME_SIZE_ERROR, 'GOAWAY too short');
        return this.onGoAway(payload.readUInt32BE(0) & LAST_STREAM_ID, payload.readUInt32BE(4));
      case FRAME.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      case FRAME.PUSH_PROMISE:
        throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, 'PUSH_PROMISE though push is off');
      default:
        return; // PRIORITY and unknown types carry nothing here
    }
  }

  /** A padded frame's content (DATA and HEADERS). */
  private unpad(flags: number, payload: Buffer): Buffer {
    if (!(flags & FLAG.PADDED)) return payload;
    const padding = payload[0] ?? 0;
    if (padding >= payload.length) throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, 'padding longer than the frame');
    return payload.subarray(1, payload.length - padding);
  }

  private headerBlock(streamId: number, block: Buffer, endStream: boolean): void {
    let headers: IncomingHttpHeaders;
    try {
      headers = this.decoder.decode(block);
    } catch (err) {
      if (err instanceof HpackError) throw new ConnectionError(ERROR_CODE.COMPRESSION_ERROR, err.message);
      throw err;
    }
    this.onHeaders(streamId, headers, endStream);
  }

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, 'SETTINGS on a stream');
    if (flags & FLAG.ACK) return;
    if (payload.length % 6 !== 0) throw new ConnectionError(ERROR_CODE.FRAME_SIZE_ERROR, 'SETTINGS of the wrong size');
    for (let offset = 0; offset < payload.length; offset += 6) {
      const id = payload.readUInt16BE(offset);
      const value = payload.readUInt32BE(offset + 2);
      switch (id) {
        case SETTING.MAX_CONCURRENT_STREAMS:
          this.peerMaxStreams = value;
          break;
        case SETTING.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) throw new ConnectionError(ERROR_CODE.FLOW_CONTROL_ERROR, `initial window ${value}`);
          const change = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          this.onInitialWindowChange(change);
          break;
        }
        case SETTING.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME || value > 2 ** 24 - 1) throw new ConnectionError(ERROR_CODE.PROTOCOL_ERROR, `max frame size ${value}`);
          this.peerMaxFrame = value;
          break;
        default:
          break; // HEADER_TABLE_SIZE binds an encoder's table (ours keeps none); the rest do not bind this side
      }
    }
    this.frame(FRAME.SETTINGS, FLAG.ACK, 0);
    this.resumeBlocked();
    this.settingsChanged();
  }

  /** The peer's settings changed (the client starts streams that waited for a slot). */
  protected settingsChanged(): void {}

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) throw new ConnectionError(ERROR_CODE.FRAME_SIZE_ERROR, 'WINDOW_UPDATE of the wrong size');
    const increment = payload.readUInt32BE(0) & MAX_WINDOW;
    if (streamId === 0) {
      this.connectionSendWindow += increment;
      if (this.connectionSendWindow > MAX_WINDOW) throw new ConnectionError(ERROR_CODE.FLOW_CONTROL_ERROR, 'connection window beyond 2^31-1');
    } else {
      const stream = this.outboundStream(streamId);
      if (!stream) return;
      stream.sendWindow += increment;
    }
    this.resumeBlocked();
  }

  private closed(error: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.blocked.clear();
    this.onConnectionClosed(error);
  }
}
