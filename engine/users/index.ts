export { UserDirectory, type RemoveOptions } from './directory';
export { UserNameSchema } from './names';
export {
  UserSettingsSchema,
  USER_SETTING_KEYS,
  assertLiveConfirmed,
  defaultUserSettings,
  describeUnknownSetting,
  shouldAlert,
  unknownSettingKey,
  type UnknownSettingKey,
  type UserSettings,
} from './settings';
export { userSettingsOf } from './settings-cache';
