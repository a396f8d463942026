export { createWorkflowHandler, withUnimplemented, SERVER_VERSION } from './workflowHandler';
export type { FrontendDeps } from './workflowHandler';
export { createHealthHandler } from './healthHandler';
export { ensureNamespace, registerNamespace } from './namespaces';
export { createOperatorHandler } from './operatorHandler';
export { NamespaceRateLimiter, TokenBucket, createRateLimitMiddleware } from './rateLimits';
