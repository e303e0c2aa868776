/**
 * `harvest position USER TOKEN --stop ... --take-profit ... --trailing ...` (issue 14, point 5) and the
 * parsing the limit and stop forms of `harvest order` share.
 */
import type { Command } from 'commander';
import type { CommandName, CommandOutput } from '../api';
import { HarvestError } from '../kernel/errors';

type Run = <K extends CommandName>(cmd: Command, name: K, input: unknown) => Promise<CommandOutput<K>>;

const UNIT_SEC: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "90m", "1h", "7d", "2w" → seconds. */
export function parseExpiry(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([mhdw])$/iu.exec(text.trim());
  if (!m) throw new HarvestError('INVALID_INPUT', `--expires takes a duration like 30m, 1h, 7d or 2w, not "${text}".`);
  return Math.round(Number(m[1]) * UNIT_SEC[m[2]!.toLowerCase()]!);
}

/** A price option: a number, or "none" to remove the level. */
function levelOf(name: string, text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined;
  if (text.trim().toLowerCase() === 'none') return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new HarvestError('INVALID_INPUT', `--${name} takes a price above zero, or none to remove it; not "${text}".`);
  return n;
}

/** A price for --limit / --stop: a positive number. */
export function priceOf(name: string, text: string): number {
  const n = levelOf(name, text);
  if (n === null || n === undefined)
    throw new HarvestError('INVALID_INPUT', `--${name} takes a price above zero, not "${text}".`);
  return n;
}

export function registerOrderCommands(program: Command, run: Run): void {
  program
    .command('position <user> <token>')
    .description(
      "set, move or remove an open position's exits: prices in the friend's quote asset (USDC by default), or none",
    )
    .option('--stop <price|none>', 'sell when the price falls to this')
    .option('--take-profit <price|none>', 'sell when the price rises to this')
    .option('--trailing <pct|none>', 'sell when the price falls this many percent below its high')
    .action(
      async (u: string, token: string, o: { stop?: string; takeProfit?: string; trailing?: string }, cmd: Command) => {
        const stopLoss = levelOf('stop', o.stop);
        const takeProfit = levelOf('take-profit', o.takeProfit);
        const trailingPct = levelOf('trailing', o.trailing?.replace(/%$/u, ''));
        await run(cmd, 'positions.setExits', {
          user: u,
          token,
          ...(stopLoss !== undefined ? { stopLoss } : {}),
          ...(takeProfit !== undefined ? { takeProfit } : {}),
          ...(trailingPct !== undefined ? { trailingPct } : {}),
        });
      },
    );
}
