export { UserDirectory, type RemoveOptions } from './directory';
export { UserNameSchema } from './names';
export { UserSettingsSchema, defaultUserSettings, type UserSettings } from './settings';
