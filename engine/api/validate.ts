import type { z } from 'zod';
import { HarvestError } from '../kernel/errors';
import { commands, isCommandName, type CommandName, type ParsedInput } from './contract';

/** Turns zod issues into one sentence a person can act on. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const where = i.path.length > 0 ? `${i.path.join('.')}: ` : '';
      return `${where}${i.message}`;
    })
    .join('; ');
}

export function parseCommandInput<K extends CommandName>(name: K, input: unknown): ParsedInput<K> {
  const r = commands[name].input.safeParse(input ?? {});
  if (!r.success) {
    throw new HarvestError('INVALID_INPUT', `Invalid input for ${name}: ${describeIssues(r.error)}`);
  }
  return r.data as ParsedInput<K>;
}

export function requireCommandName(name: string): CommandName {
  if (!isCommandName(name)) throw new HarvestError('NOT_FOUND', `Unknown command "${name}".`);
  return name;
}
