export * from './taskToken';
export * from './shards';
export * from './durations';
export * from './namespaceRegistry';
export * from './inProcessClient';
export * from './clients';
export * from './limits';
