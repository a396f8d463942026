export * from './notifier';
export * from './inProcessNotifier';
export * from './natsNotifier';
