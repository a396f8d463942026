/**
 * nice-grpc does not expose a call's deadline, but long polls must answer shortly before it.
 * grpc-js knows it (`call.getDeadline()`); this wraps nice-grpc's call-context factory once so
 * every server CallContext also carries `deadline: Date | undefined`.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const contextModule = require('nice-grpc/lib/server/createCallContext') as {
  createCallContext: (call: { getDeadline?: () => Date | number }) => { context: Record<string, unknown> };
  __kairosDeadline?: boolean;
};

export function installDeadlineOnCallContext(): void {
  if (contextModule.__kairosDeadline) return;
  const original = contextModule.createCallContext;
  contextModule.createCallContext = (call) => {
    const result = original(call);
    const deadline = call.getDeadline?.();
    if (deadline instanceof Date && Number.isFinite(deadline.getTime())) result.context.deadline = deadline;
    else if (typeof deadline === 'number' && Number.isFinite(deadline)) result.context.deadline = new Date(deadline);
    return result;
  };
  contextModule.__kairosDeadline = true;
}
