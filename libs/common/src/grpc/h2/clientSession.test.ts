import { once } from 'node:events';
import { constants, createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { H2ClientSession, type StreamOutcome } from './clientSession';
import { HeaderBlockWriter, STATIC } from './hpack';

// Kairos's HTTP/2 client against Node's HTTP/2 server (nghttp2): what a real server does with
// windows, frame sizes, stream limits, PING, GOAWAY and resets.

interface Answer {
  headers: IncomingHttpHeaders[];
  data: Buffer;
  outcome: StreamOutcome;
}

const servers: Array<Http2Server | Server> = [];
const serverSessions: ServerHttp2Session[] = [];
const sessions: H2ClientSession[] = [];

afterEach(async () => {
  for (const session of sessions.splice(0)) session.close();
  for (const session of serverSessions.splice(0)) session.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(onStream: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void, settings = {}): Promise<{ address: string; server: Http2Server }> {
  const server = createServer({ settings });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    stream.on('error', () => undefined); // resets are what several tests are about
    onStream(stream, headers);
  });
  server.on('session', (session: ServerHttp2Session) => {
    serverSessions.push(session);
    session.on('error', () => undefined);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function open(address: string, onUnusable: () => void = () => undefined): H2ClientSession {
  const session = new H2ClientSession({ address, connectTimeoutMs: 2000, onUnusable });
  sessions.push(session);
  return session;
}

function headerBlock(path: string, address: string): Buffer {
  return new HeaderBlockWriter()
    .indexed(STATIC.methodPost)
    .indexed(STATIC.schemeHttp)
    .withIndexedName(STATIC.path, path)
    .withIndexedName(STATIC.authority, address)
    .literal('x-request', 'yes')
    .literal('x-request', 'twice')
    .finish();
}

function call(session: H2ClientSession, address: string, body: Buffer, path = '/echo'): { answer: Promise<Answer>; stream: ReturnType<H2ClientSession['request']> } {
  let stream!: ReturnType<H2ClientSession['request']>;
  const answer = new Promise<Answer>((resolve) => {
    const headers: IncomingHttpHeaders[] = [];
    const chunks: Buffer[] = [];
    stream = session.request(headerBlock(path, address), body, {
      onHeaders: (block) => headers.push(block),
      onData: (chunk) => chunks.push(chunk),
      onClose: (outcome) => resolve({ headers, data: Buffer.concat(chunks), outcome }),
    });
  });
  return { answer, stream };
}

/** Answers with the request body, headers first and trailers after (custom fields in both). */
function echo(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, times = 1): void {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'x-echo-path': String(headers[':path']), 'x-request-fields': String(headers['x-request']) }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-length': String(Buffer.concat(chunks).length * times) }));
    const body = Buffer.concat(chunks);
    for (let i = 0; i < times; i++) stream.write(body);
    stream.end();
  });
}

describe('H2ClientSession', () => {
  it('sends a body larger than the windows and the frame size, and receives one larger still', async () => {
    const { address } = await serve((stream, headers) => echo(stream, headers, 3));
    const session = open(address);
    const body = Buffer.alloc(1_500_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 251;
    const { answer } = call(session, address, body);
    const { headers, data, outcome } = await answer;
    expect(outcome).toEqual({ kind: 'ended' });
    expect(data.length).toBe(3 * body.length);
    expect(data.subarray(0, body.length).equals(body)).toBe(true);
    expect(data.subarray(2 * body.length).equals(body)).toBe(true);
    expect(headers[0]).toMatchObject({ ':status': '200', 'x-echo-path': '/echo', 'x-request-fields': 'yes, twice' });
    expect(headers[1]).toMatchObject({ 'grpc-status': '0', 'x-length': String(3 * body.length) });
  });

  it("reads the server's headers right call after call, as its HPACK table fills and evicts", async () => {
    const { address } = await serve((stream, headers) => echo(stream, headers));
    const session = open(address);
    for (let i = 0; i < 60; i++) {
      const { answer } = call(session, address, Buffer.from(`call ${i} `.repeat(i)), `/path/${i % 7}/${'p'.repeat(i * 10)}`);
      const { headers, outcome } = await answer;
      expect(outcome).toEqual({ kind: 'ended' });
      expect(headers[0]!['x-echo-path']).toBe(`/path/${i % 7}/${'p'.repeat(i * 10)}`);
      expect(headers[1]!['x-length']).toBe(String(`call ${i} `.repeat(i).length));
    }
  });

  it("keeps to the server's MAX_CONCURRENT_STREAMS, starting waiting streams as others end", async () => {
    let open_ = 0;
    let most = 0;
    const { address } = await serve(
      (stream, headers) => {
        open_++;
        most = Math.max(most, open_);
        stream.on('close', () => open_--);
        setTimeout(() => echo(stream, headers), 20);
      },
      { maxConcurrentStreams: 2 },
    );
    const session = open(address);
    await call(session, address, Buffer.from('first')).answer; // the server's SETTINGS have arrived
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => call(session, address, Buffer.from(`call ${i}`)).answer));
    expect(answers.map((a) => a.outcome.kind)).toEqual(Array(10).fill('ended'));
    expect(answers.map((a) => a.data.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `call ${i}`));
    expect(most).toBe(2);
  });

  it('answers PING', async () => {
    let serverSession: ServerHttp2Session | undefined;
    const { address, server } = await serve((stream, headers) => echo(stream, headers));
    server.on('session', (s: ServerHttp2Session) => (serverSession = s));
    const session = open(address);
    await call(session, address, Buffer.from('hello')).answer;
    const acked = await new Promise<boolean>((resolve) => serverSession!.ping((err) => resolve(!err)));
    expect(acked).toBe(true);
  });

  it('on GOAWAY, refuses the streams above its last id, finishes those below, and takes no new ones', async () => {
    const held: Array<{ stream: ServerHttp2Stream; headers: IncomingHttpHeaders }> = [];
    const { address } = await serve((stream, headers) => {
      held.push({ stream, headers });
      if (held.length === 2) {
        stream.session!.goaway(constants.NGHTTP2_NO_ERROR, held[0]!.stream.id!);
        echo(held[0]!.stream, held[0]!.headers);
      }
    });
    let unusable = 0;
    const session = open(address, () => unusable++);
    const first = call(session, address, Buffer.from('first'));
    const second = call(session, address, Buffer.from('second'));
    const [a, b] = await Promise.all([first.answer, second.answer]);
    expect(a.outcome).toEqual({ kind: 'ended' });
    expect(a.data.toString()).toBe('first');
    expect(b.outcome.kind).toBe('refused');
    expect(unusable).toBeGreaterThanOrEqual(1);
    expect(session.usable).toBe(false);
    expect(() => session.request(headerBlock('/third', address), Buffer.from('third'), { onHeaders() {}, onData() {}, onClose() {} })).toThrow(/no new streams/);
  });

  it("ends a stream the server resets with the reset's code, and cancels one the server then sees reset", async () => {
    const serverSaw: number[] = [];
    const { address } = await serve((stream, headers) => {
      if (headers[':path'] === '/reset') stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      else stream.on('close', () => serverSaw.push(stream.rstCode));
    });
    const session = open(address);
    expect((await call(session, address, Buffer.from('x'), '/reset').answer).outcome).toEqual({ kind: 'reset', code: constants.NGHTTP2_ENHANCE_YOUR_CALM });
    const { answer, stream } = call(session, address, Buffer.from('y'), '/hang');
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.cancel(stream);
    expect((await answer).outcome).toEqual({ kind: 'cancelled' });
    await expect.poll(() => serverSaw).toEqual([constants.NGHTTP2_CANCEL]);
  });

  it('ends the connection on a frame it must not accept, failing the streams on it', async () => {
    const tcp = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.resume(); // read, so as to hear the client close
      // A frame header announcing 65,536 bytes: beyond the 16,384 this client allows.
      socket.write(Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]));
    });
    servers.push(tcp);
    tcp.listen(0, '127.0.0.1');
    await once(tcp, 'listening');
    const address = `127.0.0.1:${(tcp.address() as AddressInfo).port}`;
    const session = open(address);
    const { outcome } = await call(session, address, Buffer.from('x')).answer;
    expect(outcome.kind).toBe('lost');
    expect(outcome.kind === 'lost' && outcome.error.message).toMatch(/protocol error.*frame of 65536 bytes/);
    expect(session.usable).toBe(false);
  });
});
