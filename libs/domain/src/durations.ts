import type { Duration } from '@kairos/proto/google/protobuf/duration';

export function durationToMs(d: Duration | undefined): number {
  if (!d) return 0;
  return d.seconds * 1000 + Math.floor(d.nanos / 1e6);
}

export function msToDuration(ms: number): Duration {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}
