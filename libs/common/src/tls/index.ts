export type { ClientTlsConfig, ServerTlsConfig, TlsConfig } from './types';
export { CertificateFileError, CertificateFilesWatcher, readCertificateFiles, type CertificateFileSet, type CertificateMaterial } from './certificateFiles';
export { ReloadableServerCredentials } from './serverCredentials';
export { internodeClientTls, type InternodeClientTls } from './clientTls';
