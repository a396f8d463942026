import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createCertificateAuthority } from '@kairos/testing';
import type { ConnectionSecurity } from './connectionSecurity';

/**
 * What start-dev needs to require TLS and a JWT on every call, made in `workDir`: a CA and a server
 * certificate (openssl), an ES256 key whose public half is a JWKS file the server reads, and a token
 * signed with it allowing everything in the namespace: the production set-up of docs/security.md.
 */
export async function secureServerSettings(workDir: string, namespace: string): Promise<{ args: string[]; security: ConnectionSecurity }> {
  const ca = createCertificateAuthority(workDir, 'bench-ca');
  const server = ca.server('kairos');
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwksFile = join(workDir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] }));
  const configFile = join(workDir, 'auth.json');
  writeFileSync(configFile, JSON.stringify({ authorization: { authorizer: 'default', jwtKeyProvider: { keySourceURIs: [`file://${jwksFile}`] }, audience: 'kairos-bench' } }));
  const token = await new SignJWT({ permissions: [`${namespace}:write`] })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setSubject('bench')
    .setAudience('kairos-bench')
    .setIssuedAt()
    .setExpirationTime('6h')
    .sign(privateKey);
  return {
    args: ['--tls-cert-path', server.certFile, '--tls-key-path', server.keyFile, '--config', configFile],
    security: { caFile: ca.certFile, serverName: 'localhost', token },
  };
}
