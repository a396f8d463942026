export * from './postgresServer';
