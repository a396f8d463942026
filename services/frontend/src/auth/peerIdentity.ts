import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Metadata } from 'nice-grpc-common';

/** Metadata key carrying the verified client certificate's subject from the transport to the authorization middleware. */
export const PEER_SUBJECT_METADATA = 'kairos-peer-subject';

/**
 * Hands the subject of the client certificate the TLS handshake verified to the middlewares, in
 * the call's metadata (the gRPC server's `connectionMetadata`). A value the client sent under the
 * same key is removed first, so a caller cannot claim a certificate.
 */
export function setPeerSubject(socket: Socket, metadata: Metadata): void {
  metadata.delete(PEER_SUBJECT_METADATA);
  const tlsSocket = socket as Partial<TLSSocket>;
  // Only a TLS socket whose peer's chain was verified.
  if (!tlsSocket.authorized || typeof tlsSocket.getPeerCertificate !== 'function') return;
  const subject = tlsSocket.getPeerCertificate().subject;
  if (subject) metadata.set(PEER_SUBJECT_METADATA, distinguishedName(subject));
}

/** `CN=worker-a,O=acme` from Node's parsed subject, most specific first as Go's pkix.Name.String() (the form Temporal's claim mappers see). */
export function distinguishedName(subject: Readonly<Record<string, string | string[] | undefined>>): string {
  const order = ['CN', 'OU', 'O', 'L', 'ST', 'C'];
  const keys = [...order.filter((k) => k in subject), ...Object.keys(subject).filter((k) => !order.includes(k))];
  return keys.flatMap((k) => [subject[k]].flat().filter((v): v is string => v !== undefined).map((v) => `${k}=${v}`)).join(',');
}
