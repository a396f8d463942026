import { ServerInterceptingCall, type Metadata, type ServerInterceptor } from '@grpc/grpc-js';

/** Metadata key carrying the verified client certificate's subject from the transport to the authorization middleware. */
export const PEER_SUBJECT_METADATA = 'kairos-peer-subject';

/**
 * A grpc-js server interceptor handing the subject of the client certificate the TLS handshake
 * verified to the middlewares (nice-grpc's call context has no transport details). A value the
 * client sent under the same key is removed first, so a caller cannot claim a certificate.
 */
export const peerIdentityInterceptor: ServerInterceptor = (_method, call) =>
  new ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMetadata(metadata: Metadata, forward: (metadata: Metadata) => void) {
          metadata.remove(PEER_SUBJECT_METADATA);
          // Only set when the socket is TLS and the peer's chain was verified (grpc-js checks `authorized`).
          const subject = call.getAuthContext().sslPeerCertificate?.subject;
          if (subject) metadata.set(PEER_SUBJECT_METADATA, distinguishedName(subject));
          forward(metadata);
        },
      });
    },
  });

/** `CN=worker-a,O=acme` from Node's parsed subject, most specific first as Go's pkix.Name.String() (the form Temporal's claim mappers see). */
export function distinguishedName(subject: Readonly<Record<string, string | string[] | undefined>>): string {
  const order = ['CN', 'OU', 'O', 'L', 'ST', 'C'];
  const keys = [...order.filter((k) => k in subject), ...Object.keys(subject).filter((k) => !order.includes(k))];
  return keys.flatMap((k) => [subject[k]].flat().filter((v): v is string => v !== undefined).map((v) => `${k}=${v}`)).join(',');
}
