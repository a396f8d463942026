export * from './store';
export * from './errors';
export * from './sqlite';
export * from './postgres';
