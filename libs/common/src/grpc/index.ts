export * from './callCancellation';
export * from './http2Connection';
export * from './unaryClient';
export * from './server';
export * from './wire';
export * from './relay';
export * from './middleware';
