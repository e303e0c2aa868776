/**
 * `harvest token list|show|add|allow` (tokens by mint, with their safety checks)
 * and `harvest sandbox token create|list` (test tokens, hostile ones included).
 */
import type { Command } from 'commander';
import type { CommandName, CommandOutput } from '../api';
import { HarvestError } from '../kernel/errors';

type Run = <K extends CommandName>(cmd: Command, name: K, input: unknown) => Promise<CommandOutput<K>>;

const positive = (v: string, flag: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new HarvestError('INVALID_INPUT', `${flag} takes a number above zero, not "${v}".`);
  return n;
};

/** Adds list/show/add/allow to the existing `harvest token` group. */
export function registerTokenCommands(token: Command, run: Run): void {
  token
    .command('list')
    .description('every token Harvest knows, with its safety checks')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'tokens.list', {})));
  token
    .command('show <token>')
    .description('one token (a symbol or a mint) with its safety checks')
    .action(async (t: string, _o, cmd: Command) => void (await run(cmd, 'tokens.show', { token: t })));
  token
    .command('add <mint>')
    .description('add a token by its mint: reads it from the chain and runs the safety checks (again, if known)')
    .option('--size-usd <n>', 'check the route and price impact at a buy of N USD (default 100)')
    .action(async (mint: string, o: { sizeUsd?: string }, cmd: Command) => {
      await run(cmd, 'tokens.add', { mint, ...(o.sizeUsd ? { sizeUsd: positive(o.sizeUsd, '--size-usd') } : {}) });
    });
  token
    .command('allow <mint>')
    .description(
      "accept a token's warnings once, so it may be bought (also accepts a single price source when it has no oracle)",
    )
    .option('--single-source-price', 'accept a single price source for this token (needed alone for an unchecked mint)')
    .action(
      async (mint: string, o: { singleSourcePrice?: boolean }, cmd: Command) =>
        void (await run(cmd, 'tokens.allow', { mint, singleSourcePrice: o.singleSourcePrice === true })),
    );
}

interface CreateOptions {
  price: string;
  liquidity: string;
  freezeAuthority?: boolean;
  mintAuthority?: boolean;
  transferFee?: string;
  transferHook?: boolean;
  permanentDelegate?: boolean;
  nonTransferable?: boolean;
  defaultFrozen?: boolean;
}

export function registerSandboxTokenCommands(sandbox: Command, run: Run): void {
  const t = sandbox.command('token').description('test tokens on the sandbox, hostile ones included');
  t.command('create <symbol>')
    .description('make a test token the market maker quotes at a fixed price')
    .requiredOption('--price <usd>', 'its price in USD')
    .requiredOption('--liquidity <usd>', 'market depth in USD (price impact = size / (size + depth))')
    .option('--freeze-authority', 'the issuer can freeze holders')
    .option('--mint-authority', 'the issuer can mint more')
    .option('--transfer-fee <bps>', 'a Token-2022 transfer fee in basis points')
    .option('--transfer-hook', 'a Token-2022 transfer hook')
    .option('--permanent-delegate', 'a Token-2022 permanent delegate')
    .option('--non-transferable', 'a Token-2022 non-transferable mint')
    .option('--default-frozen', 'new accounts start frozen (Token-2022)')
    .action(async (symbol: string, o: CreateOptions, cmd: Command) => {
      const fee = o.transferFee === undefined ? undefined : Number(o.transferFee);
      if (fee !== undefined && !Number.isInteger(fee))
        throw new HarvestError('INVALID_INPUT', `--transfer-fee takes whole basis points, not "${o.transferFee}".`);
      await run(cmd, 'sandbox.tokenCreate', {
        symbol,
        priceUsd: positive(o.price, '--price'),
        liquidityUsd: positive(o.liquidity, '--liquidity'),
        ...(o.freezeAuthority ? { freezeAuthority: true } : {}),
        ...(o.mintAuthority ? { mintAuthority: true } : {}),
        ...(fee !== undefined ? { transferFeeBps: fee } : {}),
        ...(o.transferHook ? { transferHook: true } : {}),
        ...(o.permanentDelegate ? { permanentDelegate: true } : {}),
        ...(o.nonTransferable ? { nonTransferable: true } : {}),
        ...(o.defaultFrozen ? { defaultFrozen: true } : {}),
      });
    });
  t.command('list')
    .description('the test tokens of this sandbox, with their hostile traits')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'sandbox.tokens', {})));
}
