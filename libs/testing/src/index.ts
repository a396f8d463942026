export * from './postgresServer';
export * from './rawHealthClient';
export * from './rawWorkflowClient';
