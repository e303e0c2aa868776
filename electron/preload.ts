import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { commandNames, type CommandName } from '../engine/api/contract';
import type { EngineEvent } from '../engine/api/events';
import type { HarvestBridge, HarvestCommandFn } from '../renderer/ipc-types';
import { commandChannel, EVENT_CHANNEL, JOB_CHANNEL } from './channels';

/**
 * The renderer's only door to the engine: window.harvest with one function per
 * API command (generated from the contract), onEvent and onJob. ipcRenderer itself is
 * never exposed; each function can reach only its own channel, and the event
 * listener receives the event alone (not the IPC event, which carries `sender`).
 */
export function buildBridge(): HarvestBridge {
  const commands: Record<string, HarvestCommandFn<CommandName>> = {};
  for (const name of commandNames) {
    const channel = commandChannel(name);
    commands[name] = (input, opts) => ipcRenderer.invoke(channel, input, opts);
  }
  return {
    commands: Object.freeze(commands) as HarvestBridge['commands'],
    onEvent(listener: (event: EngineEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
      const forward = (_e: IpcRendererEvent, event: EngineEvent): void => listener(event);
      ipcRenderer.on(EVENT_CHANNEL, forward);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, forward);
      };
    },
    onJob(listener: (update: unknown) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('onJob needs a function');
      const forward = (_e: IpcRendererEvent, update: unknown): void => listener(update);
      ipcRenderer.on(JOB_CHANNEL, forward);
      return () => {
        ipcRenderer.removeListener(JOB_CHANNEL, forward);
      };
    },
  };
}

contextBridge.exposeInMainWorld('harvest', buildBridge());
