import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { Metadata, type MethodDescriptor } from 'nice-grpc-common';

/** What Kairos's gRPC server and client use of a ts-proto message type (the `generic-definitions` shape). */
export interface MessageType {
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
  fromPartial(object: unknown): unknown;
}

/** One method of a ts-proto service definition. */
export interface TsProtoMethod {
  name: string;
  requestType: MessageType;
  responseType: MessageType;
  requestStream: boolean;
  responseStream: boolean;
  options: MethodDescriptor['options'];
}

export interface TsProtoServiceDefinition {
  fullName: string;
  methods: Record<string, unknown>;
}

/** A gRPC message on the wire: a compressed flag (1 byte) and a length (4 bytes) precede it. */
export const GRPC_FRAME_HEADER_BYTES = 5;

/** `message` framed, not compressed (one copy). */
export function frame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(GRPC_FRAME_HEADER_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, GRPC_FRAME_HEADER_BYTES);
  return framed;
}

/** Headers gRPC itself owns: never metadata, in either direction. */
const RESERVED_HEADERS = new Set(['content-type', 'te', 'grpc-status', 'grpc-message', 'grpc-encoding', 'grpc-accept-encoding', 'grpc-timeout', 'user-agent']);

/** Metadata as HTTP/2 headers added to `into` (binary values base64, under their `-bin` names). */
export function metadataToHeaders(metadata: Metadata | undefined, into: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  if (!metadata) return into;
  for (const [key, values] of metadata) {
    if (RESERVED_HEADERS.has(key)) continue;
    into[key] = key.endsWith('-bin') ? values.map((v) => Buffer.from(v as Uint8Array).toString('base64')) : (values as string[]);
  }
  return into;
}

/** The metadata in received HTTP/2 headers (pseudo-headers and gRPC's own left out). */
export function headersToMetadata(headers: IncomingHttpHeaders): Metadata {
  const metadata = Metadata();
  for (const key in headers) {
    const value = headers[key];
    if (value === undefined || key.charCodeAt(0) === 58 /* ':' */ || RESERVED_HEADERS.has(key)) continue;
    const values = Array.isArray(value) ? value : [value];
    if (key.endsWith('-bin')) {
      for (const v of values) for (const part of v.split(',')) metadata.append(key as `${string}-bin`, Buffer.from(part.trim(), 'base64'));
    } else {
      for (const v of values) metadata.append(key, v);
    }
  }
  return metadata;
}
