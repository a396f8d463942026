import { settingForTemporalKey, SETTINGS, TEMPORAL_DYNAMIC_CONFIG_KEYS, type SettingName } from '@kairos/common/settings';
import { parseTemporalDuration, type SearchAttributeType } from '@kairos/domain';

/**
 * start-dev's flags in `temporal server start-dev`'s forms and words: `--search-attribute
 * KEY=TYPE` and `--dynamic-config-value KEY=VALUE`. Each reader records problems and returns what
 * it could read.
 */

/** Temporal's IndexedValueType shorthands, matched without regard to case as its CLI does. */
const SEARCH_ATTRIBUTE_TYPES: readonly SearchAttributeType[] = ['Text', 'Keyword', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'];

/** Temporal features Kairos always has on: `KEY=true` asks for what is already there. */
const ALWAYS_ON_FEATURES: readonly string[] = [
  'frontend.enableUpdateWorkflowExecution',
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted',
  'frontend.enableExecuteMultiOperation',
];

/** `KEY=VALUE` split at the first '='; Temporal's message when there is none. */
function keyValue(item: string, problems: string[], what: string): [string, string] | undefined {
  const at = item.indexOf('=');
  if (at < 0) {
    problems.push(`invalid ${what}: missing expected '=' in ${JSON.stringify(item)}`);
    return undefined;
  }
  return [item.slice(0, at), item.slice(at + 1)];
}

/** `--search-attribute` values: name → type (a name given twice keeps its last type, as Temporal). */
export function readSearchAttributeFlags(values: readonly string[], problems: string[]): Record<string, SearchAttributeType> {
  const out: Record<string, SearchAttributeType> = {};
  for (const item of values) {
    const pair = keyValue(item, problems, 'search attributes');
    if (!pair) continue;
    const type = SEARCH_ATTRIBUTE_TYPES.find((t) => t.toLowerCase() === pair[1].toLowerCase());
    if (!type) problems.push(`invalid search attribute value type ${JSON.stringify(pair[1])}`);
    else out[pair[0]] = type;
  }
  return out;
}

/** `--dynamic-config-value` values: the Kairos settings they set. Unknown keys are refused by name. */
export function readDynamicConfigFlags(values: readonly string[], problems: string[]): Map<SettingName, number> {
  const out = new Map<SettingName, number>();
  for (const item of values) {
    const pair = keyValue(item, problems, 'dynamic config values');
    if (!pair) continue;
    const [key, text] = pair;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      problems.push(`invalid dynamic config values: invalid JSON value for key ${JSON.stringify(key)}: ${JSON.stringify(text)}`);
      continue;
    }
    if (ALWAYS_ON_FEATURES.includes(key)) {
      if (value !== true) problems.push(`--dynamic-config-value ${key}: Kairos always has this on; only true is accepted, got ${text}`);
      continue;
    }
    const name = settingForTemporalKey(key);
    if (!name) {
      problems.push(
        `--dynamic-config-value: ${JSON.stringify(key)} is not a dynamic config key Kairos has; known: ${[...Object.keys(TEMPORAL_DYNAMIC_CONFIG_KEYS), ...ALWAYS_ON_FEATURES].join(', ')}`,
      );
      continue;
    }
    const spec = SETTINGS[name];
    if (spec.type === 'duration') {
      const ms = goDurationMs(value);
      if (ms === undefined) problems.push(`--dynamic-config-value ${key} must be a duration ("90s", "1h", or a number of seconds), got ${text}`);
      else out.set(name, ms);
      continue;
    }
    // Counts, sizes and rates are whole numbers; a factor may be a fraction.
    const whole = spec.type !== 'factor';
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
      problems.push(`--dynamic-config-value ${key} must be a positive ${whole ? 'integer' : 'number'}, got ${text}`);
      continue;
    }
    out.set(name, value);
  }
  return out;
}

/**
 * A duration as Temporal's dynamic config takes one, in ms: a number of seconds, or a duration
 * string ("1h30m", "500ms", "2s"; a bare number in a string is seconds too). Negative: undefined.
 */
export function goDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  return parseTemporalDuration(value);
}
