/**
 * Temporal's ConvertPathToCamel for a google.protobuf.FieldMask path: each dotted part from
 * snake_case to lowerCamelCase (`activity_options.retry_policy` → `activityOptions.retryPolicy`), the
 * field names ts-proto gives, so an update mask can be matched against them.
 */
export function camelFieldPath(path: string): string {
  return path
    .split('.')
    .map((part) => part.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
    .join('.');
}
