import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { rememberSecret } from './secrets';

export interface TokenClaims {
  permissions?: unknown;
  sub?: string;
  aud?: string;
  /** Seconds from now; negative for a token that has expired. */
  expiresIn?: number;
  /** Seconds from now until the token becomes valid. */
  notBeforeIn?: number;
  /** Which of the issuer's keys signs it (default RS256). */
  alg?: 'RS256' | 'ES256';
  /** Signs with the issuer's key but names another kid. */
  kid?: string;
  /** Signs with the key added by addKey() under this kid. */
  signingKid?: string;
}

/**
 * A token issuer as an identity provider is one: an RS256 and an ES256 key pair whose public
 * halves a local HTTP server serves as a JWKS document, and tokens signed with them.
 */
export interface TestTokenIssuer {
  /** http://127.0.0.1:PORT/.well-known/jwks.json */
  jwksUrl: string;
  port: number;
  sign(claims: TokenClaims): Promise<string>;
  /** A new RS256 key served from now on beside the others (a key rotation at the identity provider); its kid. */
  addKey(): Promise<string>;
  /** Stops serving the keys (the port stays known, so a test can serve them again with `serve`). */
  close(): Promise<void>;
  serve(): Promise<void>;
}

export async function startTestTokenIssuer(port = 0): Promise<TestTokenIssuer> {
  const keys: Record<'RS256' | 'ES256', { privateKey: KeyLike; jwk: JWK }> = {} as never;
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    keys[alg] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: `test-${alg.toLowerCase()}`, alg, use: 'sig' } };
  }
  const added = new Map<string, { privateKey: KeyLike; jwk: JWK }>();
  const document = () => JSON.stringify({ keys: [...Object.values(keys), ...added.values()].map((k) => k.jwk) });
  let server: Server | undefined;
  let boundPort = port;
  const serve = async () => {
    server = createServer((req, res) => {
      if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(document());
    });
    await new Promise<void>((resolve) => server!.listen(boundPort, '127.0.0.1', resolve));
    boundPort = (server.address() as AddressInfo).port;
  };
  await serve();
  return {
    jwksUrl: `http://127.0.0.1:${boundPort}/.well-known/jwks.json`,
    port: boundPort,
    serve,
    async close() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server?.closeAllConnections();
      server = undefined;
    },
    async addKey() {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      const kid = `test-rotated-${added.size + 1}`;
      added.set(kid, { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } });
      return kid;
    },
    async sign(claims) {
      const alg = claims.signingKid ? 'RS256' : (claims.alg ?? 'RS256');
      const key = claims.signingKid ? added.get(claims.signingKid)! : keys[alg];
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ ...(claims.permissions !== undefined && { permissions: claims.permissions }) })
        .setProtectedHeader({ alg, kid: claims.kid ?? key.jwk.kid!, typ: 'JWT' })
        .setIssuedAt(now)
        .setSubject(claims.sub ?? 'test-user')
        .setExpirationTime(now + (claims.expiresIn ?? 3600));
      if (claims.aud !== undefined) jwt.setAudience(claims.aud);
      if (claims.notBeforeIn !== undefined) jwt.setNotBefore(now + claims.notBeforeIn);
      const token = await jwt.sign(key.privateKey);
      rememberSecret('JWT', token);
      return token;
    },
  };
}

/** An unsigned token (`alg: none`) carrying the claims: what an attacker forges. */
export function unsignedToken(payload: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT', kid: 'test-rs256' })}.${part(payload)}.`;
}

/** The token with its payload replaced (signature kept): a tampered token. */
export function tamperedToken(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
}
