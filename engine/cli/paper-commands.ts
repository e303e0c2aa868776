/**
 * `harvest paper ...`: a paper friend's virtual account (issue #9, item 3):
 * show it, reset it to a starting capital, top it up. Amounts are per token;
 * --capital is a USD amount held as USDC.
 */
import { Option, type Command } from 'commander';
import type { CommandName, CommandOutput } from '../api';
import { HarvestError } from '../kernel/errors';

type Run = <K extends CommandName>(cmd: Command, name: K, input: unknown) => Promise<CommandOutput<K>>;

interface AmountOptions {
  capital?: string;
  sol?: string;
  token: string[];
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** The amounts the options name, as symbol → decimal (validated by the API). */
function amountsOf(o: AmountOptions): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (o.capital !== undefined) out['USDC'] = o.capital;
  if (o.sol !== undefined) out['SOL'] = o.sol;
  for (const t of o.token) {
    const [symbol, amount, ...rest] = t.split('=');
    if (!symbol || !amount || rest.length > 0)
      throw new HarvestError('INVALID_INPUT', `--token takes SYMBOL=AMOUNT (e.g. WETH=0.5), not "${t}".`);
    out[symbol.toUpperCase()] = amount;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function amountOptions(c: Command): Command {
  return c
    .option('--capital <usd>', 'an amount in USD, held as USDC')
    .option('--sol <amount>', 'an amount of SOL')
    .addOption(new Option('--token <symbol=amount>', 'another token (repeatable)').argParser(collect).default([]));
}

export function registerPaperCommands(program: Command, run: Run): void {
  const paper = program
    .command('paper')
    .description("a paper friend's virtual account: its own book and starting capital, never the on-chain wallet");
  paper
    .command('show <user>', { isDefault: true })
    .description("the paper account's book, starting capital and equity")
    .action(async (u: string, _o, cmd: Command) => void (await run(cmd, 'paper.account', { user: u })));
  amountOptions(
    paper
      .command('reset <user>')
      .description(
        'reset the paper account to a starting capital (default: the stored one; given amounts become the stored one). The old book leaves as a paper withdrawal, the capital arrives as a paper deposit: neither is profit',
      ),
  ).action(async (u: string, o: AmountOptions, cmd: Command) => {
    const capital = amountsOf(o);
    await run(cmd, 'paper.reset', { user: u, ...(capital ? { capital } : {}), confirm: true });
  });
  amountOptions(
    paper.command('top-up <user>').description('add virtual funds to the paper account (a paper deposit, not profit)'),
  ).action(async (u: string, o: AmountOptions, cmd: Command) => {
    const amounts = amountsOf(o);
    if (!amounts)
      throw new HarvestError('INVALID_INPUT', 'Say what to add: --capital USD, --sol AMOUNT or --token SYMBOL=AMOUNT.');
    await run(cmd, 'paper.topUp', { user: u, amounts });
  });
}
