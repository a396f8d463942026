export * from './postgresServer';
export * from './rawHealthClient';
