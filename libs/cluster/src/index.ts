export * from './clients';
export * from './inProcessClient';
export * from './routedClient';
export * from './rendezvous';
export * from './membership';
export * from './clusterDirectory';
export * from './historyRouting';
export * from './clusterRouters';
