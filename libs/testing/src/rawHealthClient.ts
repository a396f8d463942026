import * as grpc from '@grpc/grpc-js';
import { HealthCheckRequest, HealthCheckResponse } from '@kairos/proto/grpc/health/v1/health';

export interface RawHealthClient {
  /** A Check call with exactly these call options (a deadline becomes `grpc-timeout`) and metadata, for `service` ('' = the server). */
  check(options: grpc.CallOptions, metadata?: grpc.Metadata, service?: string): Promise<HealthCheckResponse>;
  close(): void;
}

/** TLS for the raw client: the server's CA, the name its certificate must carry, and a client certificate (mTLS). */
export interface RawClientTls {
  ca: Buffer;
  serverName?: string;
  cert?: Buffer;
  key?: Buffer;
}

/**
 * A gRPC health client on raw grpc-js, so a test controls what goes on the wire: the
 * `grpc-timeout` header a deadline becomes, and metadata nice-grpc's client would not send;
 * over TLS when `tls` is given.
 */
export function rawHealthClient(address: string, tls?: RawClientTls): RawHealthClient {
  const client = tls
    ? new grpc.Client(address, grpc.credentials.createSsl(tls.ca, tls.key ?? null, tls.cert ?? null), tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName } : {})
    : new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    check: (options, metadata = new grpc.Metadata(), service = '') =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          '/grpc.health.v1.Health/Check',
          (req: HealthCheckRequest) => Buffer.from(HealthCheckRequest.encode(req).finish()),
          (buf: Buffer) => HealthCheckResponse.decode(buf),
          { service },
          metadata,
          options,
          (err, res) => (err ? reject(err) : resolve(res!)),
        );
      }),
    close: () => client.close(),
  };
}
