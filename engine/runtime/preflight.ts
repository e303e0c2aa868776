import { describeSensitive, type CommandName, type ParsedInput } from '../api';
import { HarvestError } from '../kernel/errors';
import { parseUnits, tokenBySymbol, KNOWN_TOKENS } from '../market';
import { parseAddress } from '../funds/whitelist';
import type { Engine } from './engine';
import { assertCanSwitchNetwork } from './handlers';
import { readNetworkConfig } from './network';
import { refuseOnPaperSandbox } from './paper-sandbox-info';
import { parseGlobalLimitChange } from './risk-handlers';

/**
 * Checks a sensitive command's preconditions before anyone is asked to
 * confirm it, and returns the sentence to confirm, naming the friend rather
 * than their id. Nothing is written: each check is the one the command itself
 * runs, so what was confirmed is what can run.
 */
export async function preflight<K extends CommandName>(
  engine: Engine,
  name: K,
  input: ParsedInput<K>,
): Promise<string> {
  const i = input as Record<string, unknown>;
  const user = i['user'] === undefined ? null : engine.users.resolve(i['user'] as string | number);
  switch (name) {
    case 'whitelist.add':
      parseAddress(String(i['address']));
      break;
    case 'funds.withdraw': {
      refuseOnPaperSandbox(readNetworkConfig(engine.store.meta).network, 'Withdrawing to an address');
      const token = tokenBySymbol(String(i['token'] ?? 'SOL'));
      if (!token)
        throw new HarvestError(
          'INVALID_INPUT',
          `Unknown token "${String(i['token'])}". Known: ${KNOWN_TOKENS.map((k) => k.symbol).join(', ')}.`,
        );
      const f = await engine.funds();
      await f.withdrawals.check({
        userId: user!.id,
        to: String(i['to']),
        token,
        amount: parseUnits(String(i['amount']), token.decimals),
      });
      break;
    }
    case 'risk.setGlobal':
      parseGlobalLimitChange(engine.store, String(i['key']), String(i['value']));
      break;
    case 'network.set':
      assertCanSwitchNetwork(engine, String(i['network']), (i['rpcUrls'] as string[] | undefined) ?? []);
      break;
    default:
      break;
  }
  return describeSensitive(name, input, user ? () => user.name : undefined);
}
