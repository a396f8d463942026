export * from './taskToken';
export * from './shards';
export * from './durations';
export * from './namespaceRegistry';
export * from './limits';
export * from './searchAttributes';
export * from './cron';
export * from './runIds';
