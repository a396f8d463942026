export * from './protoDurations';
export * from './idLengths';
export * from './retryPolicies';
export * from './taskQueues';
export * from './priorities';
export * from './startRequests';
