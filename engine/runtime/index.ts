export { Engine, type EngineOptions } from './engine';
export { restoreBackup, type RestoreOptions, type RestoreResult } from './restore';
export type { Handlers } from './handlers';
