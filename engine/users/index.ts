export { UserDirectory, type RemoveOptions } from './directory';
export { UserNameSchema } from './names';
export { UserSettingsSchema, defaultUserSettings, shouldAlert, type UserSettings } from './settings';
