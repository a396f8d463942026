import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNCHRONOUS_INFLATE_LIMIT, synchronousInflate, useSynchronousRequestInflate } from './requestInflate';

const frame = (body: Buffer) => Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), body]);
const neverCalled = () => {
  throw new Error('the original inflate was called');
};

describe('synchronousInflate', () => {
  const inflate = synchronousInflate(neverCalled);

  it('inflates a small gzip message in one call', async () => {
    const body = Buffer.from('a small request message '.repeat(20));
    expect(Buffer.compare(await inflate.call({ maxReceiveMessageSize: -1 }, frame(gzipSync(body)), 'gzip'), body)).toBe(0);
  });

  it('answers RESOURCE_EXHAUSTED past the receive limit and INTERNAL for bytes that are not gzip', async () => {
    const big = frame(gzipSync(Buffer.alloc(10_000)));
    await expect(inflate.call({ maxReceiveMessageSize: 1_000 }, big, 'gzip')).rejects.toEqual({
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: 'Received message that decompresses to a size larger than 1000',
    });
    await expect(inflate.call({ maxReceiveMessageSize: -1 }, frame(Buffer.from('not gzip')), 'gzip')).rejects.toEqual({
      code: grpc.status.INTERNAL,
      details: 'Failed to decompress message',
    });
  });

  it('leaves large messages and other encodings to grpc-js', async () => {
    const calls: string[] = [];
    const fallback = synchronousInflate((message, encoding) => {
      calls.push(encoding);
      return message;
    });
    const large = frame(randomBytes(SYNCHRONOUS_INFLATE_LIMIT + 1));
    await fallback.call({ maxReceiveMessageSize: -1 }, large, 'gzip');
    await fallback.call({ maxReceiveMessageSize: -1 }, frame(Buffer.from('x')), 'snappy');
    expect(calls).toEqual(['gzip', 'snappy']);
  });
});

describe('a grpc-js server with synchronous request inflate', () => {
  const echo = {
    echo: {
      path: '/test.Echo/Echo',
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  } satisfies grpc.ServiceDefinition;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 100_000 });
  let client: grpc.Client & { echo: (b: Buffer, cb: (e: grpc.ServiceError | null, r?: Buffer) => void) => void };

  beforeAll(async () => {
    expect(useSynchronousRequestInflate()).toBe(true);
    server.addService(echo, { echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request) });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const Client = grpc.makeGenericClientConstructor(echo, 'Echo');
    // The client gzips every message it sends, as the SDKs' core does.
    client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip }) as unknown as typeof client;
  });
  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  const call = (body: Buffer) => new Promise<Buffer>((resolve, reject) => client.echo(body, (e, r) => (e ? reject(e) : resolve(r!))));

  it('serves gzip requests small and large, and refuses one that inflates past the limit', async () => {
    const small = Buffer.from('hello '.repeat(100));
    expect(Buffer.compare(await call(small), small)).toBe(0);
    const large = randomBytes(90_000); // incompressible: over the synchronous limit, grpc-js's stream inflates it
    expect(Buffer.compare(await call(large), large)).toBe(0);
    await expect(call(Buffer.alloc(200_000))).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
  });
});
