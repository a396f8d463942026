import { once } from 'node:events';
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { H2Server, type H2ServerStream } from './serverSession';

// Kairos's HTTP/2 server against Node's HTTP/2 client (nghttp2, as grpc-js uses): windows of
// 64 KiB, HPACK with Huffman strings and a dynamic table, resets, and a graceful close.

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(onStream: (stream: H2ServerStream, headers: IncomingHttpHeaders) => void): Promise<{ server: H2Server; url: string }> {
  const server = new H2Server(undefined, onStream);
  const port = await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.destroy());
  return { server, url: `http://127.0.0.1:${port}` };
}

function client(url: string): ClientHttp2Session {
  const session = connect(url);
  session.on('error', () => undefined);
  cleanups.push(() => session.destroy());
  return session;
}

/** Answers with the request body `times` times, then trailers naming its length and a request header. */
function echo(stream: H2ServerStream, headers: IncomingHttpHeaders, times = 1): void {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-path': String(headers[':path']) }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-length': String(body.length * times), 'x-seen': String(headers['x-custom']) }));
    for (let i = 1; i < times; i++) stream.write(body);
    stream.end(body);
  });
}

async function request(session: ClientHttp2Session, path: string, body: Buffer, headers: Record<string, string> = {}) {
  const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', ...headers });
  stream.end(body);
  const chunks: Buffer[] = [];
  let responseHeaders: IncomingHttpHeaders = {};
  let trailers: IncomingHttpHeaders = {};
  stream.on('response', (h) => (responseHeaders = h));
  stream.on('trailers', (t) => (trailers = t));
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('error', () => undefined);
  await once(stream, 'close');
  return { headers: responseHeaders, trailers, data: Buffer.concat(chunks), rstCode: stream.rstCode };
}

describe('H2Server', () => {
  it("receives a body larger than Node's windows and answers one larger still, waiting for its WINDOW_UPDATEs", async () => {
    const { url } = await serve((stream, headers) => echo(stream, headers, 3));
    const body = Buffer.alloc(1_200_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 13) % 253;
    const answer = await request(client(url), '/big', body);
    expect(answer.headers[':status']).toBe(200);
    expect(answer.headers['x-path']).toBe('/big');
    expect(answer.data.length).toBe(3 * body.length);
    expect(answer.data.subarray(2 * body.length).equals(body)).toBe(true);
    expect(answer.trailers['x-length']).toBe(String(3 * body.length));
    expect(answer.rstCode).toBe(constants.NGHTTP2_NO_ERROR);
  });

  it("reads the client's headers right request after request, as its HPACK table fills and evicts", async () => {
    const { url } = await serve((stream, headers) => echo(stream, headers));
    const session = client(url);
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, i) => request(session, `/path/${i % 9}/${'p'.repeat(i * 7)}`, Buffer.from(`body ${i}`), { 'x-custom': `value-${i % 5}-${'v'.repeat(i * 5)}` })),
    );
    answers.forEach((answer, i) => {
      expect(answer.headers['x-path']).toBe(`/path/${i % 9}/${'p'.repeat(i * 7)}`);
      expect(answer.trailers['x-seen']).toBe(`value-${i % 5}-${'v'.repeat(i * 5)}`);
      expect(answer.data.toString()).toBe(`body ${i}`);
    });
  });

  it("closes a stream the client resets, with the client's code, and answers the next", async () => {
    const closed: number[] = [];
    const { url } = await serve((stream, headers) => {
      if (headers[':path'] === '/hang') stream.on('close', () => closed.push(stream.rstCode));
      else echo(stream, headers);
    });
    const session = client(url);
    const hanging = session.request({ ':method': 'POST', ':path': '/hang' });
    hanging.on('error', () => undefined);
    hanging.write(Buffer.from('partial'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    hanging.close(constants.NGHTTP2_CANCEL);
    await expect.poll(() => closed).toEqual([constants.NGHTTP2_CANCEL]);
    expect((await request(session, '/after', Buffer.from('next'))).data.toString()).toBe('next');
  });

  it('a graceful close answers the streams already begun, refuses none of them, and ends the connection after', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { server, url } = await serve((stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        void released.then(() => {
          stream.respond({ ':status': 200 }, { waitForTrailers: true });
          stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.end(Buffer.concat(chunks));
        });
      });
    });
    const session = client(url);
    const inFlight = request(session, '/slow', Buffer.from('in flight'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    release();
    expect((await inFlight).data.toString()).toBe('in flight');
    await closing;
    expect(closed).toBe(true);
  });

  it('drops a connection that does not begin with the HTTP/2 preface', async () => {
    const { url } = await serve(() => expect.fail('no stream'));
    const socket = tcpConnect(Number(new URL(url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'close');
  });

  it('ends a connection whose header block grows past 1 MiB with GOAWAY (ENHANCE_YOUR_CALM)', async () => {
    const { url } = await serve(() => expect.fail('no stream'));
    const socket = tcpConnect(Number(new URL(url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const frame = (type: number, flags: number, streamId: number, payload: Buffer) => {
      const header = Buffer.alloc(9);
      header.writeUIntBE(payload.length, 0, 3);
      header[3] = type;
      header[4] = flags;
      header.writeUInt32BE(streamId, 5);
      return Buffer.concat([header, payload]);
    };
    socket.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'));
    socket.write(frame(4, 0, 0, Buffer.alloc(0))); // SETTINGS
    socket.write(frame(1, 0, 1, Buffer.alloc(16_000, 0x40))); // HEADERS without END_HEADERS
    for (let i = 0; i < 70; i++) socket.write(frame(9, 0, 1, Buffer.alloc(16_000, 0x40))); // CONTINUATION
    await once(socket, 'close');
    const bytes = Buffer.concat(received);
    const codes: number[] = [];
    for (let offset = 0; offset + 9 <= bytes.length; offset += 9 + bytes.readUIntBE(offset, 3)) {
      if (bytes[offset + 3] === 7) codes.push(bytes.readUInt32BE(offset + 9 + 4)); // GOAWAY's error code
    }
    expect(codes).toEqual([0xb]);
  });
});
