export * from './errors';
export * from './logger';
export * from './grpcErrors';
export * from './callDeadline';
export * from './metrics';
export * from './settings';
export * from './redact';
