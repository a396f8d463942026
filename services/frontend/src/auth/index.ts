export type { AuthorizationConfig } from './authorizationConfig';
export type { CallPrincipal } from './authMiddleware';
export { startFrontendAuthorization, type FrontendAuthorization } from './frontendAuthorization';
export { peerIdentityInterceptor, PEER_SUBJECT_METADATA } from './peerIdentity';
export { claimsFromPermissions, permissionProblems } from './permissions';
export { AuthenticationFailure } from './claimMapper';
export { API_KEY_PREFIX } from './credentialClaims';
export type { Claims } from './roles';
export { createAuditMiddleware } from './auditLog';
