import type { EngineClient } from '../../engine/api/client';
import { commands, needsConfirmation, type CommandName } from '../../engine/api/contract';

/** Whether this engine's contract has a command (panels for commands still being built hide themselves). */
export function hasCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(commands, name);
}

/** Whether the engine's transports ask the operator before this call (see engine/api/confirmations.ts). */
export function isSensitive(name: string, input?: unknown): boolean {
  return hasCommand(name) && needsConfirmation(name, input);
}

/** Calls a command that may not exist in this contract yet; undefined when it does not. */
export async function callOptional<T>(client: EngineClient, name: string, input: unknown): Promise<T | undefined> {
  if (!hasCommand(name)) return undefined;
  const call = client.call as unknown as (n: string, i: unknown) => Promise<unknown>;
  return (await call.call(client, name, input)) as T;
}
