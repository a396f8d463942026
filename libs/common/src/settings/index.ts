// The settings registry (`registry.ts`, one file per area beside it) and its documentation table.
export type { AnySettingSpec, ChoiceSettingSpec, Reader, SettingSpec, SettingType, SettingUnit } from './setting';
export { allSettings, setting, SETTINGS, type SettingName, type SettingValue } from './registry';
export { formatDefault, settingsMarkdown } from './markdown';
