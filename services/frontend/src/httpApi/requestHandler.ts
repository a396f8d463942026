import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { posix } from 'node:path';
import type { Registry } from '@bufbuild/protobuf';
import { Metadata, Status } from 'nice-grpc-common';
import type { Logger } from '@kairos/common/logger';
import { distinguishedName, PEER_SUBJECT_METADATA } from '../auth/peerIdentity';
import { publicApiRegistry } from '../publicApiRegistry';
import type { UnaryInvoker } from './dispatch';
import { httpStatusFromCode } from './httpStatus';
import { BadRequestError, decodeHttpRequest, messageJson, renderJson, renderMessage, type JsonOptions } from './jsonCodec';
import { pathComponents } from './pathTemplate';
import { findRoute, httpRoutes, type HttpRoute } from './routeTable';
import type { Json } from './payloadShorthand';
import { HTTP_API_SERVICES } from './services';

/** As Temporal's HTTP API (rpc.MaxHTTPAPIRequestBytes): a body past gRPC's 4 MB default is refused. */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Serves the HTTP API's requests: each is routed by the `google.api.http` routes of the public
 * services, decoded from proto3 JSON and dispatched to the gRPC handlers by `invoke`. Loaded by the
 * HTTP server on its first request: decoding the descriptors and building the route table was a
 * tenth of start-dev's start-up CPU.
 */
export function createRequestHandler(deps: { invoke: UnaryInvoker; logger: Logger }): RequestListener {
  const registry = publicApiRegistry();
  const routes = httpRoutes(registry, HTTP_API_SERVICES);
  return (req, res) => {
    serve(req, res, routes, registry, deps.invoke).catch((err: unknown) => {
      deps.logger.error('HTTP API request failed', { method: req.method, url: req.url, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      if (!res.headersSent) writeError(res, Status.INTERNAL, 'internal error', { shorthand: true, pretty: false, contentType: '*' }, registry);
      else res.end();
    });
  };
}

/** Content types of the four marshalers Temporal's gateway registers, chosen by Accept (or `pretty`/`noPayloadShorthand`). */
function responseOptions(req: IncomingMessage, query: URLSearchParams): JsonOptions & { contentType: string } {
  const accept = req.headers.accept ?? '';
  const pretty = query.has('pretty') || accept.startsWith('application/json+pretty');
  const shorthand = !(query.has('noPayloadShorthand') || /^application\/json(\+pretty)?\+no-payload-shorthand$/.test(accept));
  // The default marshaler is registered for the wildcard type, which is what it names.
  const contentType = shorthand ? (pretty ? 'application/json+pretty' : '*') : pretty ? 'application/json+pretty+no-payload-shorthand' : 'application/json+no-payload-shorthand';
  return { pretty, shorthand, contentType };
}

async function serve(req: IncomingMessage, res: ServerResponse, routes: readonly HttpRoute[], registry: Registry, invoke: UnaryInvoker): Promise<void> {
  const url = requestUrl(req.url ?? '/');
  // Temporal's router cleans paths first (`//`, `.`, `..`) and redirects to the clean one.
  const cleaned = cleanPath(url.pathname);
  if (cleaned !== url.pathname) {
    res.writeHead(301, { Location: cleaned + url.search, 'Content-Length': '0' });
    res.end();
    return;
  }
  const options = responseOptions(req, url.searchParams);
  const components = pathComponents(url.pathname);
  const formPost = (req.headers['content-type'] ?? '') === 'application/x-www-form-urlencoded';
  const lookup = components ? findRoute(routes, req.method ?? 'GET', components, formPost) : ({ notFound: true } as const);
  if ('notFound' in lookup) return writeError(res, Status.NOT_FOUND, 'Not Found', options, registry);
  if ('methodNotAllowed' in lookup) return writeError(res, Status.UNIMPLEMENTED, 'Method Not Allowed', options, registry);
  const route = 'found' in lookup ? lookup.found : lookup.formFallback;

  const body = await readBody(req);
  if (body === undefined) return writeError(res, Status.INVALID_ARGUMENT, 'http: request body too large', options, registry);
  // A form served by a GET route: its fields come before the URL's, as Go's Request.Form lists them.
  const query = 'formFallback' in lookup ? new URLSearchParams([...new URLSearchParams(body), ...url.searchParams]) : url.searchParams;
  // The request's own content type decides whether its payloads may be shorthand.
  const requestShorthand = !/\+no-payload-shorthand/.test(req.headers['content-type'] ?? '');
  let request: Uint8Array;
  try {
    request = decodeHttpRequest(route, lookup.pathParams, query, body, registry, { shorthand: requestShorthand });
  } catch (err) {
    if (err instanceof BadRequestError) return writeError(res, Status.INVALID_ARGUMENT, err.message, options, registry);
    throw err;
  }

  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  const outcome = await invoke(route.service, route.rpc, request, { metadata: callMetadata(req), peer: `${req.socket.remoteAddress}:${req.socket.remotePort}`, signal: abort.signal });
  if (!outcome.ok) return writeError(res, outcome.code, outcome.message, options, registry, outcome.statusDetails);
  writeJson(res, 200, renderMessage(route.output, outcome.response, registry, options), options.contentType);
}

/**
 * The request metadata a gRPC call would carry: grpc-gateway forwards `Grpc-Metadata-*` headers
 * without the prefix, `Authorization` (and Temporal's `Authorization-Extras`) as they are, and
 * `Grpc-Timeout` as the call's deadline. A verified client certificate's subject is passed as the
 * gRPC transport passes it, and never taken from a header.
 */
function callMetadata(req: IncomingMessage): Metadata {
  const metadata = Metadata();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value !== 'string') continue;
    if (name.startsWith('grpc-metadata-')) metadata.set(name.slice('grpc-metadata-'.length), value);
    else if (FORWARDED_HEADERS.has(name)) metadata.set(name, value);
  }
  metadata.delete(PEER_SUBJECT_METADATA);
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized === true && socket.getPeerCertificate) {
    const subject = socket.getPeerCertificate().subject;
    if (subject) metadata.set(PEER_SUBJECT_METADATA, distinguishedName(subject as unknown as Record<string, string>));
  }
  return metadata;
}

const FORWARDED_HEADERS = new Set(['grpc-timeout', 'authorization', 'authorization-extras']);

/** The body as text, or undefined past the limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An error as Temporal's gateway writes it: the google.rpc.Status in JSON (`code`, `message`,
 * `details` with each detail's `@type`) and the HTTP status grpc-gateway maps the code to.
 */
function writeError(res: ServerResponse, code: Status, message: string, options: JsonOptions & { contentType: string }, registry: Registry, statusDetails?: Uint8Array): void {
  const statusType = registry.getMessage('google.rpc.Status');
  let json: Json = { code, message };
  if (statusDetails && statusType) {
    try {
      json = messageJson(statusType, statusDetails, registry, options);
    } catch {
      // A detail this registry cannot read: the code and message still say what happened.
    }
  }
  writeJson(res, httpStatusFromCode(code), renderJson(json, options), options.contentType);
}

function writeJson(res: ServerResponse, status: number, text: string, contentType: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** The path and query of a request target (not a WHATWG URL: `//x` is a path here, not a host). */
function requestUrl(target: string): { pathname: string; search: string; searchParams: URLSearchParams } {
  const q = target.indexOf('?');
  const pathname = q < 0 ? target : target.slice(0, q);
  const search = q < 0 ? '' : target.slice(q);
  return { pathname, search, searchParams: new URLSearchParams(search) };
}

/** A path as Go's path.Clean makes it, keeping a trailing slash (gorilla/mux's cleanPath). */
export function cleanPath(path: string): string {
  if (path === '') return '/';
  let cleaned = posix.normalize(path.startsWith('/') ? path : `/${path}`);
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
  if (path.endsWith('/') && cleaned !== '/') cleaned += '/';
  return cleaned;
}
