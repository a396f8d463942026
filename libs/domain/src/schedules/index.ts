export * from './calendarText';
export * from './compiledCalendar';
export * from './zonedTime';
