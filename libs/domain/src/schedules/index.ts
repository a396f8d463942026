export * from './calendarText';
export * from './compiledCalendar';
export * from './scheduleSpec';
export * from './zonedTime';
