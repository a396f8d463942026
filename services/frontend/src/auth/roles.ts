/**
 * Temporal's roles, a bit set per namespace: the default authorizer compares the set as a number
 * against the role an API needs, so admin satisfies everything and writer also reads.
 */
export const Role = {
  none: 0,
  worker: 1,
  reader: 2,
  writer: 4,
  admin: 8,
} as const;
export type RoleBits = number;

/** Temporal's name for the cluster-wide scope in permissions (`temporal-system:admin`). */
export const SYSTEM_NAMESPACE = 'temporal-system';

/** Who the caller is and what it may do, as a claim mapper read it from a token, an API key or a certificate. */
export interface Claims {
  /** The token's `sub`, the key's id or the certificate's subject. */
  subject: string;
  /** How the caller authenticated: `jwt`, `api-key`, `mtls` or `none` (authorization off). */
  authType: string;
  /** Roles across every namespace, cluster APIs included. */
  system: RoleBits;
  /** Roles per namespace name. */
  namespaces: ReadonlyMap<string, RoleBits>;
}

const ROLE_BY_NAME: Readonly<Record<string, RoleBits>> = { read: Role.reader, write: Role.writer, worker: Role.worker, admin: Role.admin };

/** A permission's role name (case-insensitive, as Temporal's); 0 for an unknown name. */
export function roleNamed(name: string): RoleBits {
  return ROLE_BY_NAME[name.toLowerCase()] ?? Role.none;
}

/** The claims of a caller who may do anything: authorization off, or the cluster's own services. */
export function systemAdminClaims(subject: string, authType: string): Claims {
  return { subject, authType, system: Role.admin, namespaces: new Map() };
}
