// Only the small api-keys entry and a type: the frontend's modules read settings that the command
// line may still override (main.ts loads the servers after the command line is read).
import type { AuthorizationConfig } from '@kairos/frontend';
import { permissionProblems } from '@kairos/frontend/api-keys';
import { durationMs } from './durations';

export type { AuthorizationConfig };

/** The keys of the config file's `authorization` object (Temporal's `global.authorization` names). */
export const AUTHORIZATION_KEYS = [
  'authorizer',
  'claimMapper',
  'jwtKeyProvider',
  'permissionsClaimName',
  'permissionsRegex',
  'audience',
  'apiKeys',
  'tlsSubjectPermissions',
];
const KEY_PROVIDER_KEYS = ['keySourceURIs', 'refreshInterval'];
/** Temporal's sample configuration refreshes keys every minute. */
const DEFAULT_KEY_REFRESH_MS = 60_000;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The config file's `authorization` object; problems are pushed with `where(path)` naming the key. */
export function readAuthorizationConfig(value: unknown, where: (path: string) => string, problems: string[]): AuthorizationConfig | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    problems.push(`${where('authorization')} must be an object`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!AUTHORIZATION_KEYS.includes(key)) problems.push(`${where(`authorization.${key}`)} is not a known key (known: ${AUTHORIZATION_KEYS.join(', ')})`);
  }
  const text = (key: string): string | undefined => {
    const v = value[key];
    if (v === undefined || v === '') return undefined;
    if (typeof v === 'string') return v;
    problems.push(`${where(`authorization.${key}`)} must be a string`);
    return undefined;
  };
  const authorizer = text('authorizer');
  const claimMapper = text('claimMapper');
  for (const [key, given] of [['authorizer', authorizer], ['claimMapper', claimMapper]] as const) {
    if (given !== undefined && given !== 'default') problems.push(`${where(`authorization.${key}`)} must be "default" or "" (off), got ${JSON.stringify(given)}`);
  }
  const config: AuthorizationConfig = {
    permissionsClaimName: text('permissionsClaimName') ?? 'permissions',
    apiKeys: value.apiKeys === undefined ? true : value.apiKeys === true,
  };
  if (value.apiKeys !== undefined && typeof value.apiKeys !== 'boolean') problems.push(`${where('authorization.apiKeys')} must be true or false`);
  const audience = text('audience');
  if (audience !== undefined) config.audience = audience;
  const regex = text('permissionsRegex');
  if (regex !== undefined) {
    try {
      new RegExp(regex);
      if (!/\(\?<namespace>/.test(regex) || !/\(\?<role>/.test(regex)) problems.push(`${where('authorization.permissionsRegex')} must have the named groups "namespace" and "role"`);
      config.permissionsRegex = regex;
    } catch (err) {
      problems.push(`${where('authorization.permissionsRegex')} is not a regular expression: ${(err as Error).message}`);
    }
  }
  const provider = value.jwtKeyProvider;
  if (provider !== undefined) {
    if (!isObject(provider)) problems.push(`${where('authorization.jwtKeyProvider')} must be an object`);
    else {
      for (const key of Object.keys(provider)) {
        if (!KEY_PROVIDER_KEYS.includes(key)) problems.push(`${where(`authorization.jwtKeyProvider.${key}`)} is not a known key (known: ${KEY_PROVIDER_KEYS.join(', ')})`);
      }
      const uris = provider.keySourceURIs;
      const valid = Array.isArray(uris) && uris.length > 0 && uris.every((u) => typeof u === 'string' && /^(https?|file):\/\/\S+$/.test(u));
      if (!valid) problems.push(`${where('authorization.jwtKeyProvider.keySourceURIs')} must be a non-empty list of http(s):// or file:// URIs`);
      const interval = provider.refreshInterval;
      const refreshIntervalMs = interval === undefined ? DEFAULT_KEY_REFRESH_MS : durationMs(interval);
      if (refreshIntervalMs === undefined) {
        problems.push(`${where('authorization.jwtKeyProvider.refreshInterval')} must be a duration such as "1m" or "30s", got ${JSON.stringify(interval)}`);
      }
      if (valid && refreshIntervalMs !== undefined) config.jwtKeyProvider = { keySourceURIs: uris as string[], refreshIntervalMs };
    }
  }
  const subjects = value.tlsSubjectPermissions;
  if (subjects !== undefined) {
    const entries = isObject(subjects) ? Object.entries(subjects) : undefined;
    const valid = entries?.every(([, list]) => Array.isArray(list) && list.every((p) => typeof p === 'string'));
    if (!entries || !valid) problems.push(`${where('authorization.tlsSubjectPermissions')} must map certificate subjects to lists of permissions`);
    else {
      for (const [subject, list] of entries) {
        for (const problem of permissionProblems(list as string[])) problems.push(`${where(`authorization.tlsSubjectPermissions.${subject}`)}: ${problem}`);
      }
      config.tlsSubjectPermissions = subjects as Record<string, string[]>;
    }
  }
  // Temporal's default is no authorizer; settings given without one would silently do nothing.
  if (value.authorizer === undefined && Object.keys(value).length > 0) {
    problems.push(`${where('authorization')} has settings but no "authorizer": set "authorizer": "default" to turn authorization on, or "" to keep it off`);
  }
  return authorizer === 'default' ? config : undefined;
}
