import { z } from 'zod';
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
  /**
   * Pushed progress of background jobs (backtests, optimisations); the latest
   * update of each recent job is replayed to a new listener. Absent on a
   * transport without push; deliveries stop while the connection is down.
   */
  onJob?(listener: (update: JobUpdate) => void): () => void;
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

/**
 * A background job's progress as it is pushed to the UI (WebSocket message
 * `{type:'job', update}`, or the Electron job channel): the state and share
 * done, never the result. The result is fetched once, with backtest.job, when
 * the job ends. Pushed updates are not engine events: they are not stored,
 * and they do not touch the risk gate's cache.
 */
export const JobUpdate = z
  .object({
    job: z.number().int().positive(),
    kind: z.enum(['run', 'optimise']),
    state: z.enum(['running', 'done', 'failed', 'cancelled']),
    /** Share done, 0..1. */
    progress: z.number().min(0).max(1),
    error: z.string().nullable(),
  })
  .strict();
export type JobUpdate = z.infer<typeof JobUpdate>;

export const JobUpdateMessage = z.object({ type: z.literal('job'), update: JobUpdate }).strict();

/** A pushed update from an untrusted hop (socket, IPC), or null when it is not one. */
export function parseJobUpdate(raw: unknown): JobUpdate | null {
  const r = JobUpdate.safeParse(raw);
  return r.success ? r.data : null;
}

/** The WebSocket protocol of the headless host (one JSON object per message). */
export type ClientMessage = { type: 'call'; id: number; command: string; input: unknown; confirmation?: string };
export type ServerMessage =
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: { code: string; message: string; confirmationId?: string } }
  | { type: 'event'; event: EngineEvent }
  | { type: 'hello'; version: string }
  | { type: 'job'; update: JobUpdate };

/** HTTP: POST /api/command/:name with {input, confirmation?} answers with the same result shape (without id). */
export const HOST_PATHS = { command: '/api/command/', ws: '/api/ws', health: '/api/health' } as const;
