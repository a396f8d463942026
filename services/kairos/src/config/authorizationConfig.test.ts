import { describe, expect, it } from 'vitest';
import { readAuthorizationConfig } from './authorizationConfig';

const read = (value: unknown) => {
  const problems: string[] = [];
  const config = readAuthorizationConfig(value, (path) => `config file c.json: ${path}`, problems);
  return { config, problems };
};

describe("the config file's authorization", () => {
  it("is on only with Temporal's authorizer: default, with Temporal's defaults", () => {
    expect(read(undefined)).toEqual({ config: undefined, problems: [] });
    expect(read({ authorizer: '' })).toEqual({ config: undefined, problems: [] });
    expect(read({ authorizer: 'default', jwtKeyProvider: { keySourceURIs: ['https://idp/jwks.json'] } })).toEqual({
      config: { permissionsClaimName: 'permissions', apiKeys: true, jwtKeyProvider: { keySourceURIs: ['https://idp/jwks.json'], refreshIntervalMs: 60_000 } },
      problems: [],
    });
  });

  it('reads durations, audiences, regexes and certificate subjects', () => {
    const { config, problems } = read({
      authorizer: 'default',
      jwtKeyProvider: { keySourceURIs: ['file:///keys.json'], refreshInterval: '30s' },
      audience: 'kairos',
      permissionsRegex: '^(?<role>\\w+)@(?<namespace>\\w+)$',
      apiKeys: false,
      tlsSubjectPermissions: { 'CN=worker': ['default:worker'] },
    });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ audience: 'kairos', apiKeys: false, jwtKeyProvider: { refreshIntervalMs: 30_000 }, tlsSubjectPermissions: { 'CN=worker': ['default:worker'] } });
  });

  it('names every problem', () => {
    expect(
      read({
        authorizer: 'custom',
        jwtKeyProvider: { keySourceURIs: ['ftp://x'], refreshInterval: 'soon', extra: 1 },
        permissionsRegex: '(?<role>\\w+)',
        tlsSubjectPermissions: { 'CN=x': ['x:owner'] },
        colour: 'blue',
      }).problems,
    ).toEqual([
      'config file c.json: authorization.colour is not a known key (known: authorizer, claimMapper, jwtKeyProvider, permissionsClaimName, permissionsRegex, audience, apiKeys, tlsSubjectPermissions)',
      'config file c.json: authorization.authorizer must be "default" or "" (off), got "custom"',
      'config file c.json: authorization.permissionsRegex must have the named groups "namespace" and "role"',
      'config file c.json: authorization.jwtKeyProvider.extra is not a known key (known: keySourceURIs, refreshInterval)',
      'config file c.json: authorization.jwtKeyProvider.keySourceURIs must be a non-empty list of http(s):// or file:// URIs',
      'config file c.json: authorization.jwtKeyProvider.refreshInterval must be a duration such as "1m" or "30s", got "soon"',
      'config file c.json: authorization.tlsSubjectPermissions.CN=x: permission "x:owner" has an unknown role (read, write, worker or admin)',
    ]);
  });
});
