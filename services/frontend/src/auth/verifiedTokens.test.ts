import { describe, expect, it } from 'vitest';
import { claimsFromPermissions } from './permissions';
import { VerifiedTokenCache } from './verifiedTokens';

const claims = claimsFromPermissions('alice', 'jwt', ['a:write']);

describe('the verified token cache', () => {
  it('trusts a token until it expires, at most a minute, and only under the keys it was verified with', () => {
    const cache = new VerifiedTokenCache();
    cache.set('soon', claims, 1, 10_000, 0);
    cache.set('later', claims, 1, 3_600_000, 0);
    cache.set('never', claims, 1, undefined, 0);
    expect(cache.get('soon', 1, 9_999)).toBe(claims);
    expect(cache.get('soon', 1, 10_000)).toBeUndefined();
    expect(cache.get('later', 1, 59_999)).toBe(claims);
    expect(cache.get('later', 1, 60_000)).toBeUndefined();
    expect(cache.get('never', 2, 1)).toBeUndefined();
    // Once refused, gone: the next call verifies it again.
    expect(cache.get('never', 1, 1)).toBeUndefined();
  });

  it('forgets the oldest tokens past its size', () => {
    const cache = new VerifiedTokenCache();
    for (let i = 0; i <= 10_000; i++) cache.set(`t${i}`, claims, 1, undefined, 0);
    expect(cache.get('t0', 1, 1)).toBeUndefined();
    expect(cache.get('t1', 1, 1)).toBe(claims);
    expect(cache.get('t10000', 1, 1)).toBe(claims);
  });
});
