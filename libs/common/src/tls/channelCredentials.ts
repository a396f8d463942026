import { rootCertificates } from 'node:tls';
import { experimental, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { CertificateFilesWatcher } from './certificateFiles';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/**
 * Credentials for dialing history and matching instances: their certificate is checked against the
 * root CAs and `serverName` (the addresses dialed are pod IPs, so the name comes from config, as
 * Temporal's internode `client.serverName`), and this process presents the identity files (the
 * internode server certificate, as Temporal does). Both follow the files, so a connection made
 * after a reload uses the new ones.
 */
export function internodeChannelCredentials(
  watcher: CertificateFilesWatcher,
  options: { serverName?: string; disableHostVerification?: boolean },
): { credentials: ChannelCredentials; channelOptions: ChannelOptions } {
  const provider = watcherProvider(watcher);
  const credentials = experimental.createCertificateProviderChannelCredentials(
    provider,
    watcher.current.cert ? provider : null,
    // The chain is still verified; only the name check is skipped.
    options.disableHostVerification ? { checkServerIdentity: () => undefined } : {},
  );
  return { credentials, channelOptions: options.serverName ? { 'grpc.ssl_target_name_override': options.serverName } : {} };
}

/** grpc-js's certificate provider interface over a watcher (grpc-js subscribes while it has channels). */
function watcherProvider(watcher: CertificateFilesWatcher): CertificateProvider {
  const unsubscribers = new Map<CaListener | IdentityListener, () => void>();
  const caUpdate = () => {
    const { ca } = watcher.current;
    // No root CAs configured: trust the system's, as Node does by default.
    return { caCertificate: ca ?? Buffer.from(rootCertificates.join('\n')) };
  };
  const identityUpdate = () => {
    const { cert, key } = watcher.current;
    return cert && key ? { certificate: cert, privateKey: key } : null;
  };
  const subscribe = (listener: CaListener | IdentityListener, update: () => unknown) => {
    (listener as (u: unknown) => void)(update());
    unsubscribers.set(listener, watcher.onChange(() => (listener as (u: unknown) => void)(update())));
  };
  const unsubscribe = (listener: CaListener | IdentityListener) => {
    unsubscribers.get(listener)?.();
    unsubscribers.delete(listener);
  };
  return {
    addCaCertificateListener: (listener) => subscribe(listener, caUpdate),
    removeCaCertificateListener: unsubscribe,
    addIdentityCertificateListener: (listener) => subscribe(listener, identityUpdate),
    removeIdentityCertificateListener: unsubscribe,
  };
}
