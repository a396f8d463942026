import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Kairos API keys start with this, so they are told from JWTs before any parsing. */
export const API_KEY_PREFIX = 'kairos_';

/**
 * Kairos API keys: `kairos_<id>_<secret>`. The id (12 hex digits, 48 random bits) names the key in
 * the store, the list and the audit log; the secret is 256 random bits in base64url, and only its
 * SHA-256 is stored. A slow password hash adds nothing for a secret that cannot be guessed.
 */
const ID_BYTES = 6;
const SECRET_BYTES = 32;
const TOKEN = new RegExp(`^${API_KEY_PREFIX}([0-9a-f]{${ID_BYTES * 2}})_([A-Za-z0-9_-]{${Math.ceil((SECRET_BYTES * 4) / 3)}})$`);

export interface NewApiKeyToken {
  id: string;
  /** The whole token, shown to the operator once and never stored. */
  token: string;
  /** What the store keeps. */
  secretHash: Uint8Array;
}

/** A new random key: its id, its token and the hash of its secret. */
export function newApiKeyToken(): NewApiKeyToken {
  const id = randomBytes(ID_BYTES).toString('hex');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, token: `${API_KEY_PREFIX}${id}_${secret}`, secretHash: hashApiKeySecret(secret) };
}

/** The id and secret of a token of the form above; undefined for anything else. */
export function parseApiKeyToken(token: string): { id: string; secret: string } | undefined {
  const match = TOKEN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

export function hashApiKeySecret(secret: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(secret, 'utf8').digest());
}

/** Whether `secret` hashes to `storedHash`, compared in constant time (a stored hash of another length never matches). */
export function apiKeySecretMatches(secret: string, storedHash: Uint8Array): boolean {
  const hash = hashApiKeySecret(secret);
  // timingSafeEqual throws on different lengths; compare with itself to spend the same time.
  if (storedHash.length !== hash.length) return !timingSafeEqual(hash, hash);
  return timingSafeEqual(hash, storedHash);
}
