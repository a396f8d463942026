// The error catalogue: every error Kairos answers a call with is built here, so one situation
// always has the same gRPC code, text and Temporal error detail (the SDKs switch on them).
export * from './apiError';
export * from './serviceErrors';
export * from './namespaceErrors';
export * from './requestErrors';
export * from './taskErrors';
export * from './executionErrors';
export * from './clusterErrors';
export * from './workerErrors';
export * from './scheduleErrors';
export * from './batchErrors';
export * from './activityOperationErrors';
