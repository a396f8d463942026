// The settings registry (`registry.ts`, one file per area beside it) and its documentation table.
export type { AnySettingSpec, ChoiceSettingSpec, Reader, SettingSpec, SettingType, SettingUnit } from './setting';
export { allSettings, overrideSettings, setting, SETTINGS, type SettingName, type SettingValue } from './registry';
export { settingForTemporalKey, TEMPORAL_DYNAMIC_CONFIG_KEYS, temporalKeyOf } from './temporalKeys';
export { formatDefault, settingsMarkdown } from './markdown';
