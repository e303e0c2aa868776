import type { CommandInput, CommandName, CommandOutput } from './contract';
import type { EngineEvent } from './events';

/**
 * What the UI sees of the engine, whatever carries it (Electron IPC or the
 * headless host's WebSocket). Nothing here depends on Node: the renderer
 * imports it as is.
 */
export interface EngineClient {
  /**
   * Runs a command. Sensitive commands (export, withdraw, whitelist changes,
   * resume after halt, …) first fail with code CONFIRMATION_REQUIRED and a
   * `confirmationId`; calling again with that id within two minutes runs it.
   */
  call<K extends CommandName>(
    name: K,
    input: CommandInput<K>,
    opts?: { confirmation?: string },
  ): Promise<CommandOutput<K>>;
  /** Live engine events; returns an unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** Connection state, for the UI's status indicator. */
  onStatus?(listener: (status: 'connecting' | 'open' | 'closed') => void): () => void;
}

/** A command failure as the UI receives it. */
export class EngineCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly confirmationId: string | null = null,
  ) {
    super(message);
    this.name = 'EngineCallError';
  }
}

/** The WebSocket protocol of the headless host (one JSON object per message). */
export type ClientMessage = { type: 'call'; id: number; command: string; input: unknown; confirmation?: string };
export type ServerMessage =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: { code: string; message: string; confirmationId?: string } }
  | { type: 'event'; event: EngineEvent }
  | { type: 'hello'; version: string };

/** HTTP: POST /api/command/:name with {input, confirmation?} answers with the same result shape (without id). */
export const HOST_PATHS = { command: '/api/command/', ws: '/api/ws', health: '/api/health' } as const;
