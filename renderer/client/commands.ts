import type { EngineClient } from '../../engine/api/client';
import { commands, type CommandName } from '../../engine/api/contract';

/** Whether this engine's contract has a command (panels for commands still being built hide themselves). */
export function hasCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(commands, name);
}

export function isSensitive(name: string): boolean {
  return hasCommand(name) && (commands[name] as { sensitive?: boolean }).sensitive === true;
}

/** Calls a command that may not exist in this contract yet; undefined when it does not. */
export async function callOptional<T>(client: EngineClient, name: string, input: unknown): Promise<T | undefined> {
  if (!hasCommand(name)) return undefined;
  const call = client.call as unknown as (n: string, i: unknown) => Promise<unknown>;
  return (await call.call(client, name, input)) as T;
}
