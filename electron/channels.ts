/**
 * The IPC channel names shared by main (electron/ipc.ts) and the preload
 * (electron/preload.ts). No Electron import here: the preload bundles it.
 */
export const COMMAND_CHANNEL_PREFIX = 'harvest:cmd:';
export const EVENT_CHANNEL = 'harvest:event';
/** Background jobs' progress (engine/kernel/job-feed), main -> renderer. */
export const JOB_CHANNEL = 'harvest:job';

export function commandChannel(name: string): string {
  return `${COMMAND_CHANNEL_PREFIX}${name}`;
}
