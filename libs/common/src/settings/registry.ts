import { CLUSTER_SETTINGS } from './cluster';
import { DOMAIN_SETTINGS } from './domain';
import { FRONTEND_SETTINGS } from './frontend';
import { GRPC_SETTINGS } from './grpc';
import { HISTORY_SETTINGS } from './history';
import { LIMIT_SETTINGS } from './limits';
import { MATCHING_SETTINGS } from './matching';
import { NATS_SETTINGS } from './nats';
import type { AnySettingSpec } from './setting';
import { STORE_SETTINGS } from './store';

/**
 * Every tuning value of Kairos in one registry: name, type, unit, default, who reads it and why.
 * Code reads a value with `setting(name)`; docs/settings.md is generated from it
 * (`npm run docs:settings`). Values a user can change (see `configuredBy`) are defaults that the
 * command line and config file override where they are resolved.
 */
export const SETTINGS = {
  ...CLUSTER_SETTINGS,
  ...GRPC_SETTINGS,
  ...FRONTEND_SETTINGS,
  ...HISTORY_SETTINGS,
  ...MATCHING_SETTINGS,
  ...LIMIT_SETTINGS,
  ...DOMAIN_SETTINGS,
  ...STORE_SETTINGS,
  ...NATS_SETTINGS,
} as const;

export type SettingName = keyof typeof SETTINGS;

/** A setting's value type: a number, or for a choice one of its named values. */
export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N] extends { choices: readonly (infer C)[] } ? C : number;

/** Values given at start (start-dev's `--dynamic-config-value`) in place of defaults. */
const overrides = new Map<SettingName, number>();
/** Settings read so far: overriding one of them would not reach the code that already read it. */
const read = new Set<SettingName>();

/**
 * The value of a setting: its default, or the value given at start. A choice whose default
 * differs by command (`defaultFor`) is resolved by that command's configuration, not here.
 */
export function setting<N extends SettingName>(name: N): SettingValue<N> {
  read.add(name);
  return (overrides.get(name) ?? SETTINGS[name].default) as SettingValue<N>;
}

/**
 * Replaces numeric settings' defaults for the rest of the process. Must run before any code reads
 * them (the command loads the services only after it): a setting already read throws, since many
 * readers keep the value in a module constant and would silently keep the default.
 */
export function overrideSettings(values: ReadonlyMap<SettingName, number>): void {
  for (const [name, value] of values) {
    if (SETTINGS[name].type === 'choice') throw new Error(`setting ${name} is a choice, not a number`);
    if (read.has(name)) throw new Error(`setting ${name} was read before it was overridden`);
    overrides.set(name, value);
  }
}

/** Every setting with its name, in registry order (grouped by area). */
export function allSettings(): Array<AnySettingSpec & { name: SettingName }> {
  return (Object.entries(SETTINGS) as Array<[SettingName, AnySettingSpec]>).map(([name, spec]) => ({ name, ...spec }));
}
