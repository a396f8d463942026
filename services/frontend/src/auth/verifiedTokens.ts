import { setting } from '@kairos/common/settings';
import type { Claims } from './roles';

/**
 * Tokens whose signature and claims were verified, with their claims: a client sends the same
 * token on every call, and checking an RS256/ES256 signature each time costs more CPU than the
 * rest of authorization. An entry lasts until the token expires, at most a minute, and only while
 * the signing keys it was verified with are the current ones (a removed key stops its tokens at
 * the next refresh). Beyond Temporal, which verifies every call.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { claims: Claims; until: number; keys: number }>();
  private readonly trustMs = setting('frontend.verifiedTokenTrust');
  private readonly maxEntries = setting('frontend.verifiedTokenCacheSize');

  get(token: string, keysGeneration: number, now = Date.now()): Claims | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= now || entry.keys !== keysGeneration) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.claims;
  }

  /** `expiresAtMs`: the token's `exp` in milliseconds, when it has one. */
  set(token: string, claims: Claims, keysGeneration: number, expiresAtMs: number | undefined, now = Date.now()): void {
    // Oldest first: Map keeps insertion order.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { claims, until: Math.min(expiresAtMs ?? Infinity, now + this.trustMs), keys: keysGeneration });
  }
}
