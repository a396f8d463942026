export * from './postgresServer';
export * from './rawHealthClient';
export * from './rawWorkflowClient';
export * from './rawHistoryClient';
export * from './certificates';
export * from './tcpPort';
