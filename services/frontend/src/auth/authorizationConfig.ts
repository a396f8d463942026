/**
 * The frontend's authentication and authorization, named after Temporal's `global.authorization`.
 * Present only when `authorizer` is "default"; without it every caller may do everything.
 */
export interface AuthorizationConfig {
  /** JWKS documents whose keys sign accepted JWTs (http(s):// or file://), fetched every refreshIntervalMs. */
  jwtKeyProvider?: { keySourceURIs: string[]; refreshIntervalMs: number };
  /** The JWT claim holding permissions such as `default:write` (Temporal's default: `permissions`). */
  permissionsClaimName: string;
  /** Reads permissions of another form: a regex with the named groups `namespace` and `role`. */
  permissionsRegex?: string;
  /** When set, a JWT's `aud` must include it. */
  audience?: string;
  /** Whether Kairos API keys (`kairos api-key create`) are accepted (default: yes). */
  apiKeys: boolean;
  /** Permissions by verified client certificate subject (`CN=…,O=…`, `CN=…` or `*`): mTLS callers without a token. */
  tlsSubjectPermissions?: Record<string, string[]>;
}

