import { commands, requestsLiveMode, type CommandName } from './contract';

/**
 * What a sensitive command is about to do, in one sentence a person can
 * confirm, naming the user, amount and address where the command has them.
 */
export function describeSensitive(
  name: CommandName,
  input: unknown,
  /** The friend's name for the user reference given (an id or a name); without it, the reference as given. */
  nameOf?: (ref: string) => string,
): string {
  const i = (input ?? {}) as Record<string, unknown>;
  const ref = i['user'] === undefined ? null : String(i['user']);
  // A bare number is an id: never shown to a person; "this friend" when no name is known.
  const who = ref === null ? null : nameOf ? nameOf(ref) : /^\d+$/u.test(ref) ? 'this friend' : ref;
  switch (name) {
    case 'controls.resume':
      return who
        ? `Resume trading for ${who} (this also resets their breaker).`
        : 'Resume trading for everyone; this ends a halt.';
    case 'funds.withdraw':
      return `Withdraw ${String(i['amount'])} ${String(i['token'] ?? 'SOL')} from ${who ?? 'this user'} to ${String(i['to'])}.`;
    case 'wallet.export':
      return `Reveal the recovery phrase or secret key of ${who ?? 'this user'}'s wallet. Anyone who sees it controls the funds.`;
    case 'whitelist.add':
      return `Allow withdrawals from ${who ?? 'this user'} to ${String(i['address'])}.`;
    case 'whitelist.remove':
      return `Stop allowing withdrawals from ${who ?? 'this user'} to ${String(i['address'])}.`;
    case 'users.remove':
      return `Remove ${who ?? 'this user'}${i['force'] ? ', even though they still hold funds or positions' : ''}; their wallet's keys are deleted from Harvest.`;
    case 'positions.closeAll':
      return `Sell every open position of ${who ?? 'this user'} at the market, and pause ${who ? `${who}'s` : 'their'} strategy entries until they are resumed.`;
    case 'network.set':
      return `Switch this data directory to ${String(i['network'])}; funds then move on that network.`;
    case 'settings.set':
    case 'strategy.set':
      if (requestsLiveMode(name, input))
        return `Switch ${who ?? 'this user'} to live mode: their orders become real swaps with the funds in their wallet.`;
      return `${commands[name].summary}.`;
    default:
      return `${commands[name].summary}.`;
  }
}
