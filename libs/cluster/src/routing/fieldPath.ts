/**
 * Reads a field path of routing.proto (proto field names joined by dots, e.g.
 * "request.execution.workflow_id") from a ts-proto message; an unset message along the way reads
 * as undefined. The paths were checked against the request types when the protos were generated.
 */
export function fieldReader(path: string): (message: unknown) => unknown {
  const keys = path.split('.').map(tsPropertyName);
  return (message) => {
    let value = message;
    for (const key of keys) value = (value as Record<string, unknown> | null | undefined)?.[key];
    return value;
  };
}

/** ts-proto's property for a proto field name: lower camel case (`workflow_id` → `workflowId`). */
function tsPropertyName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
