import { allSettings, type SettingName } from './registry';
import { temporalKeyOf } from './temporalKeys';
import type { AnySettingSpec, SettingSpec } from './setting';

/** A default as people read it: 30 s, 2 MiB, 2,400. */
export function formatDefault(spec: Pick<SettingSpec, 'unit' | 'default'>): string {
  const n = spec.default;
  if (spec.unit === 'ms') {
    if (n >= 3_600_000 && n % 3_600_000 === 0) return `${n / 3_600_000} h`;
    if (n >= 60_000 && n % 60_000 === 0) return `${n / 60_000} min`;
    if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000} s`;
    return `${n} ms`;
  }
  if (spec.unit === 'bytes') {
    if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
    if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
    return `${n} bytes`;
  }
  if (spec.unit === '×') return `×${n}`;
  const grouped = n.toLocaleString('en-US');
  return spec.unit === 'per second' ? `${grouped}/s` : grouped;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The default column: a number as people read it, or a choice with the commands that default otherwise. */
function defaultCell(spec: AnySettingSpec): string {
  if (spec.type !== 'choice') return formatDefault(spec);
  const exceptions = Object.entries(spec.defaultFor ?? {}).map(([command, value]) => `${command}: ${value}`);
  return exceptions.length > 0 ? `${spec.default} (${exceptions.join(', ')})` : spec.default;
}

/** How a setting is changed: its flag or config key, and start-dev's Temporal dynamic-config key. */
function changedBy(name: SettingName, configuredBy: string | undefined): string {
  const key = temporalKeyOf(name);
  const ways = [configuredBy, key && `start-dev \`--dynamic-config-value ${key}=N\``].filter(Boolean) as string[];
  return ways.length > 0 ? cell(ways.join('; ')) : 'fixed';
}

/** docs/settings.md: the registry as a table, generated so it never drifts from the code. */
export function settingsMarkdown(): string {
  const rows = allSettings().map((s) =>
    [`\`${s.name}\``, s.type, s.type === 'choice' ? s.choices.join(' or ') : s.unit, defaultCell(s), s.readBy.join(', '), cell(s.why), changedBy(s.name, s.configuredBy), `\`${s.readIn}\``].join(' | '),
  );
  return [
    '# Settings',
    '',
    '<!-- Generated from libs/common/src/settings by `npm run docs:settings`; do not edit by hand. -->',
    '',
    "Every tuning value of Kairos, from the registry in `libs/common/src/settings/`. Code reads them with",
    "`setting('<name>')`. Most are fixed; the ones with a flag or config key are defaults those override.",
    '',
    '| name | type | unit | default | read by | why | changed by | read in |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
    '',
  ].join('\n');
}
