/** What a setting measures (`choice`: one of a few named values, see ChoiceSettingSpec). */
export type SettingType = 'duration' | 'count' | 'size' | 'rate' | 'factor' | 'choice';

/** The unit its value is in; one per kind of quantity, so reads need no conversion. */
export type SettingUnit = 'ms' | 'bytes' | 'characters' | 'items' | 'attempts' | 'per second' | '×';

/** Who reads settings: the three services (the store and NATS clients run in each), and `kairos schema`. */
export type Reader = 'frontend' | 'history' | 'matching' | 'schema';

/** One tuning value: its default, where it is read, why it has this value, and how to change it. */
export interface SettingSpec {
  type: Exclude<SettingType, 'choice'>;
  unit: SettingUnit;
  default: number;
  /** Services whose code reads it. */
  readBy: readonly Reader[];
  /** The file that reads it (or will, once that service's code swaps its own constant for it). */
  readIn: string;
  /** One line: why this value. */
  why: string;
  /** How to change it today (a flag or config file key); fixed when absent. */
  configuredBy?: string;
}

/**
 * A setting that is one of a few named values (a mode rather than a quantity), e.g. SQLite's
 * synchronous level. Its default may differ by command: `defaultFor` names the exceptions.
 */
export interface ChoiceSettingSpec extends Omit<SettingSpec, 'type' | 'unit' | 'default'> {
  type: 'choice';
  choices: readonly string[];
  default: string;
  /** The default of a command where it is not `default` (e.g. start-dev's). */
  defaultFor?: Partial<Record<'start-dev' | 'start', string>>;
}

/** Any entry of the registry. */
export type AnySettingSpec = SettingSpec | ChoiceSettingSpec;

/** Gives a group of settings their names' prefix and checks their shape, keeping the literal keys. */
export function settingGroup<const P extends string, const G extends Record<string, AnySettingSpec>>(
  prefix: P,
  group: G,
): { [K in keyof G & string as `${P}.${K}`]: G[K] } {
  return Object.fromEntries(Object.entries(group).map(([key, spec]) => [`${prefix}.${key}`, spec])) as never;
}
