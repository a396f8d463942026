import { describe, expect, it } from 'vitest';
import { AuthenticationFailure } from './claimMapper';
import { credentialClaimMapper } from './credentialClaims';
import { distinguishedName } from './peerIdentity';
import { claimsFromPermissions } from './permissions';

describe('the claim mapper of an authorizing frontend', () => {
  const mapper = credentialClaimMapper({
    apiKeys: async (token) => {
      if (token !== 'kairos_good') throw new AuthenticationFailure('invalid API key');
      return claimsFromPermissions('key-1', 'api-key', ['a:write']);
    },
    tlsSubjects: { 'CN=worker-a,O=acme': ['a:worker'], 'CN=reader': ['a:read'], '*': ['b:read'] },
  });

  it('reads API keys by their prefix, refusing other forms of the header', async () => {
    expect((await mapper.claims({ authorization: 'Bearer kairos_good' }))?.subject).toBe('key-1');
    expect((await mapper.claims({ authorization: 'bearer kairos_good' }))?.authType).toBe('api-key');
    await expect(mapper.claims({ authorization: 'Bearer kairos_bad' })).rejects.toThrow('invalid API key');
    await expect(mapper.claims({ authorization: 'Basic abc' })).rejects.toThrow('unexpected name in authorization token');
    await expect(mapper.claims({ authorization: 'kairos_good' })).rejects.toThrow('unexpected authorization token format');
    // No JWT key source configured: a JWT is not accepted (never silently ignored).
    await expect(mapper.claims({ authorization: 'Bearer eyJ.x.y' })).rejects.toThrow('tokens are not accepted');
  });

  it('maps a verified certificate by full subject, then common name, then any', async () => {
    expect((await mapper.claims({ tlsSubject: 'CN=worker-a,O=acme' }))?.namespaces.get('a')).toBe(1);
    expect((await mapper.claims({ tlsSubject: 'CN=reader,O=elsewhere' }))?.namespaces.get('a')).toBe(2);
    expect((await mapper.claims({ tlsSubject: 'CN=stranger' }))?.namespaces.get('b')).toBe(2);
    expect(await credentialClaimMapper({}).claims({ tlsSubject: 'CN=stranger' })).toBeUndefined();
    expect(await mapper.claims({})).toBeUndefined();
  });

  it("prefers a token to a certificate: a bad token is refused even with a good certificate", async () => {
    await expect(mapper.claims({ authorization: 'Bearer kairos_bad', tlsSubject: 'CN=worker-a,O=acme' })).rejects.toThrow('invalid API key');
  });

  it("writes a certificate subject as Go's pkix.Name does, most specific first", () => {
    expect(distinguishedName({ C: 'DE', O: 'acme', CN: 'worker-a', OU: ['ops', 'dev'] })).toBe('CN=worker-a,OU=ops,OU=dev,O=acme,C=DE');
  });
});
