/**
 * Literal conversions Temporal applies to filter values: RFC 3339 datetimes, execution
 * durations and Text tokenisation.
 */

const NS_PER_MS = 1_000_000n;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses a datetime as Go's `time.Parse(time.RFC3339Nano, s)` does (Temporal's converter.go,
 * validateValueType): `YYYY-MM-DDTHH:MM:SS[.fraction]` then `Z` or `±HH:MM`, up to nine
 * fractional digits. Returns nanoseconds since the Unix epoch, or undefined if malformed.
 */
export function parseRfc3339Nanos(s: string): bigint | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12) return undefined;
  const monthDays = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > monthDays) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (oh * 60 + om) * (m[9] === '-' ? -1 : 1);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const fraction = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  return BigInt(date.getTime()) * NS_PER_MS + fraction - BigInt(offsetMinutes) * 60_000_000_000n;
}

/** Floor division of nanoseconds to milliseconds (the storage precision of the visibility table). */
export function nanosToMillis(nanos: bigint): number {
  let q = nanos / NS_PER_MS;
  if (nanos % NS_PER_MS !== 0n && nanos < 0n) q -= 1n;
  return Number(q);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function fitsInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n, // Temporal's timestamp.ParseDuration adds "d" (24h)
};

/**
 * Go's time.ParseDuration extended with the unit `d` (Temporal's timestamp.ParseDuration):
 * `[+-]` then one or more `<decimal><unit>`, or a bare `0`. Returns nanoseconds.
 */
export function parseGoDuration(input: string): bigint | undefined {
  let s = input;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  const part = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h|d)/;
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) return undefined;
    const unit = UNIT_NANOS[m[3]!]!;
    const whole = BigInt(m[1] || '0') * unit;
    let frac = 0n;
    if (m[2]) {
      // Truncated, as Go does for the fractional part.
      frac = (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length);
    }
    total += whole + frac;
    s = s.slice(m[0].length);
  }
  const result = negative ? -total : total;
  return fitsInt64(result) ? result : undefined;
}

/**
 * Temporal's query.ParseExecutionDurationStr: an integer string is nanoseconds; then a Go
 * duration (`300ms`, `1.5h`, `2h45m`, `1d`); then `hh:mm:ss` (minutes and seconds 0-59).
 */
export function parseExecutionDuration(s: string): bigint | undefined {
  if (/^[+-]?\d+$/.test(s)) {
    const v = BigInt(s);
    return fitsInt64(v) ? v : undefined;
  }
  const go = parseGoDuration(s);
  if (go !== undefined) return go;
  const m = /^(\d+):(\d+):(\d+)$/.exec(s);
  if (!m) return undefined;
  const [h, mi, se] = [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)];
  if (mi > 59n || se > 59n) return undefined;
  return (h * 3600n + mi * 60n + se) * 1_000_000_000n;
}

/**
 * Characters that separate words of a Text attribute: ASCII white space and punctuation. The
 * SQL compiler replaces the same characters with spaces on the stored side.
 */
export const TEXT_SEPARATORS = ' \t\n\r!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** Splits a Text query value into words (Temporal matches a Text attribute if any word matches). */
export function tokenizeText(s: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (const ch of s) {
    if (TEXT_SEPARATORS.includes(ch)) {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) tokens.push(current);
  return tokens;
}
