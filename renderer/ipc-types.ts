/**
 * The global the Electron preload exposes to the renderer (contextBridge.exposeInMainWorld('harvest', …)).
 * The preload is built from the same contract: one function per command and nothing else.
 *
 * Each command function resolves to the same result envelope as the headless host's
 * HTTP/WebSocket answers (see engine/api/client.ts), so a typed error with its code and
 * confirmationId survives the IPC hop (a thrown Error would lose them in ipcRenderer.invoke).
 */
import type { CommandInput, CommandName, CommandOutput } from '../engine/api/contract';
import type { EngineEvent } from '../engine/api/events';

export type CommandResult<K extends CommandName> =
  | { ok: true; result: CommandOutput<K> }
  | { ok: false; error: { code: string; message: string; confirmationId?: string | null } };

export type HarvestCommandFn<K extends CommandName> = (
  input: CommandInput<K>,
  opts?: { confirmation?: string },
) => Promise<CommandResult<K>>;

export interface HarvestBridge {
  /** One function per command in engine/api/contract.ts `commands`. */
  readonly commands: { readonly [K in CommandName]: HarvestCommandFn<K> };
  /** Live engine events; returns an unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** Pushed progress of background jobs (validated by the client: see renderer/client/job-hub.ts). */
  onJob?(listener: (update: unknown) => void): () => void;
}

declare global {
  interface Window {
    harvest?: HarvestBridge;
  }
}
