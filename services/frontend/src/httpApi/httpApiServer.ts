import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@kairos/common/logger';
import type { UnaryInvoker } from './dispatch';

export { HTTP_API_SERVICES } from './services';

export interface HttpApiServer {
  /** Listens; resolves with the port (a free one when `port` is 0). */
  listen(host: string, port: number): Promise<number>;
  close(): Promise<void>;
}

/** The frontend's TLS certificates, followed as they change (the gRPC port's, as Temporal serves its HTTP API). */
export interface HttpsSource {
  httpsOptions(): TlsOptions;
  onChange(listener: (options: SecureContextOptions) => void): () => void;
}

/**
 * Temporal's HTTP API (the `google.api.http` routes of WorkflowService and OperatorService, proto3
 * JSON with payload shorthand), each request dispatched to the gRPC handlers by `invoke`; over
 * HTTPS when `tls` is given.
 */
export function createHttpApiServer(deps: { invoke: UnaryInvoker; logger: Logger; tls?: HttpsSource }): HttpApiServer {
  // The request side (descriptors, routes, JSON codec) is loaded by the first request, not at start.
  let requestHandler: Promise<RequestListener> | undefined;
  const handler: RequestListener = (req, res) => {
    requestHandler ??= import('./requestHandler.js').then(({ createRequestHandler }) => createRequestHandler(deps));
    requestHandler.then(
      (handle) => handle(req, res),
      (err: unknown) => {
        deps.logger.error('HTTP API request failed', { method: req.method, url: req.url, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        res.writeHead(500).end();
      },
    );
  };
  let server: Server | HttpsServer;
  let unsubscribe: (() => void) | undefined;
  if (deps.tls) {
    const https = createHttpsServer(deps.tls.httpsOptions(), handler);
    // A renewed certificate is used from the next handshake on.
    unsubscribe = deps.tls.onChange((options) => https.setSecureContext(options));
    server = https;
  } else server = createServer(handler);
  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        unsubscribe?.();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
