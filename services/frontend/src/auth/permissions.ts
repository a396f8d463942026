import { roleNamed, SYSTEM_NAMESPACE, type Claims, type RoleBits } from './roles';

/**
 * How a permission string names a namespace and a role. By default Temporal's `<namespace>:<role>`
 * (split at the first colon); a regex with the named groups `namespace` and `role` reads other forms.
 */
export type PermissionFormat = { regex?: RegExp };

/**
 * Claims from a list of permissions such as `["default:write", "temporal-system:admin"]`, as
 * Temporal's default claim mapper reads a token's `permissions`: roles of one namespace OR together,
 * `temporal-system` grants them everywhere, and entries that are not strings or do not parse are ignored.
 */
export function claimsFromPermissions(subject: string, authType: string, permissions: readonly unknown[], format: PermissionFormat = {}): Claims {
  let system: RoleBits = 0;
  const namespaces = new Map<string, RoleBits>();
  for (const permission of permissions) {
    if (typeof permission !== 'string') continue;
    const parsed = parsePermission(permission, format);
    if (!parsed) continue;
    const role = roleNamed(parsed.role);
    if (parsed.namespace === SYSTEM_NAMESPACE) system |= role;
    else namespaces.set(parsed.namespace, (namespaces.get(parsed.namespace) ?? 0) | role);
  }
  return { subject, authType, system, namespaces };
}

function parsePermission(permission: string, format: PermissionFormat): { namespace: string; role: string } | undefined {
  if (format.regex) {
    const groups = format.regex.exec(permission)?.groups;
    return groups?.namespace !== undefined && groups.role !== undefined ? { namespace: groups.namespace, role: groups.role } : undefined;
  }
  const colon = permission.indexOf(':');
  return colon < 0 ? undefined : { namespace: permission.slice(0, colon), role: permission.slice(colon + 1) };
}

/** Checks a permission list given in config or to `kairos api-key create`: each entry must name a namespace and a known role. */
export function permissionProblems(permissions: readonly string[]): string[] {
  return permissions.flatMap((p) => {
    const parsed = parsePermission(p, {});
    if (!parsed || parsed.namespace === '') return [`permission ${JSON.stringify(p)} must look like <namespace>:<read|write|worker|admin>`];
    return roleNamed(parsed.role) === 0 ? [`permission ${JSON.stringify(p)} has an unknown role (read, write, worker or admin)`] : [];
  });
}
