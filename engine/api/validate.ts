import { HarvestError } from '../kernel/errors';
import { commands, isCommandName, type CommandName, type ParsedInput } from './contract';
import { parseInputWith } from './input-issues';

export { describeIssues, humanKey } from './input-issues';

export function parseCommandInput<K extends CommandName>(name: K, input: unknown): ParsedInput<K> {
  return parseInputWith(commands[name].input, name, input) as ParsedInput<K>;
}

export function requireCommandName(name: string): CommandName {
  if (!isCommandName(name)) throw new HarvestError('NOT_FOUND', `Unknown command "${name}".`);
  return name;
}
