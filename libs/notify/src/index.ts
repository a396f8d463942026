export * from './notifier';
export * from './inProcessNotifier';
export * from './natsNotifier';
export * from './natsSecurity';
export * from './natsServerConfig';
