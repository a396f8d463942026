export * from './calendarText';
export * from './compiledCalendar';
export * from './scheduleSpec';
export * from './zonedTime';
export * from './fingerprint32';
export * from './jitter';
export * from './schedulerRecord';
