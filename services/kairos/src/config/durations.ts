// The config file's durations (tls.refreshInterval, authorization.jwtKeyProvider.refreshInterval),
// written as in Temporal's YAML.

/** `"30s"`, `"1m30s"`, `"500ms"`, `"0s"` (Go's form, as Temporal's YAML) or a number of milliseconds. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  if (value === '0') return 0;
  const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = value;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return value.length > 0 ? Math.round(total) : undefined;
}
