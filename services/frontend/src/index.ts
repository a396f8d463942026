export { createWorkflowHandler } from './workflowHandler';
export type { FrontendDeps } from './workflowHandler';
export { createHealthHandler } from './healthHandler';
export { ensureNamespace } from './namespaces';
export { addSearchAttributes, createOperatorHandler } from './operatorHandler';
export { NamespaceRateLimiter, createRateLimitMiddleware } from './rateLimits';
export { createReflectionHandler } from './reflection';
export { CLUSTER_NAME, type ClusterFacts } from './clusterInfo';
export { createNamespaceStateMiddleware } from './namespaceState';
