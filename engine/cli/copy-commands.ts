/**
 * `harvest copy ...` (issue 16): follow a friend or any Solana wallet, stop,
 * list follows and the leader trades they saw; and `harvest sandbox whale`.
 */
import { Option, type Command } from 'commander';
import type { CommandName, CommandOutput } from '../api';
import { HarvestError } from '../kernel/errors';

type Run = <K extends CommandName>(cmd: Command, name: K, input: unknown) => Promise<CommandOutput<K>>;

interface FollowOptions {
  fixedUsd?: string;
  proportional?: boolean;
  multiplier?: string;
  maxUsd?: string;
  sells: boolean;
  allow?: string;
  deny?: string;
  maxAge?: string;
}

const num = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new HarvestError('INVALID_INPUT', `${flag} takes a number, not "${v}".`);
  return n;
};
const list = (v: string | undefined): string[] | undefined =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

export function registerCopyCommands(program: Command, run: Run): void {
  const copy = program.command('copy').description('copy trading: follow a friend or any Solana wallet');
  copy
    .command('follow <user> <leader>')
    .description("copy LEADER's swaps (a friend's name or a Solana address) within USER's own risk limits")
    .addOption(new Option('--fixed-usd <n>', 'spend N USD per copied buy').conflicts(['proportional', 'multiplier']))
    .addOption(
      new Option('--proportional', "spend the same share of USER's equity as the leader did of its own").conflicts([
        'multiplier',
      ]),
    )
    .option('--multiplier <x>', "spend X times the leader's USD amount")
    .option('--max-usd <n>', 'at most N USD per copied buy')
    .option('--no-sells', 'copy buys only (by default a leader sell sells the same share of the copy)')
    .option('--allow <symbols>', 'copy only these tokens (comma-separated)')
    .option('--deny <symbols>', 'never copy these tokens (comma-separated)')
    .option('--max-age <seconds>', 'skip leader trades older than this when found (default 120)')
    .action(async (u: string, leader: string, o: FollowOptions, cmd: Command) => {
      const sizing =
        o.fixedUsd !== undefined
          ? 'fixed'
          : o.multiplier !== undefined
            ? 'multiplier'
            : o.proportional
              ? 'proportional'
              : null;
      if (!sizing)
        throw new HarvestError(
          'INVALID_INPUT',
          'Choose how to size copies: --fixed-usd N, --proportional or --multiplier X.',
        );
      const input = {
        user: u,
        leader,
        sizing,
        copySells: o.sells,
        fixedUsd: num(o.fixedUsd, '--fixed-usd'),
        multiplier: num(o.multiplier, '--multiplier'),
        maxUsd: num(o.maxUsd, '--max-usd'),
        allow: list(o.allow),
        deny: list(o.deny),
        maxAgeSec: num(o.maxAge, '--max-age'),
      };
      await run(cmd, 'copy.follow', Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
    });
  copy
    .command('unfollow <user> <leader>')
    .description('stop copying LEADER (what was copied stays)')
    .action(
      async (u: string, leader: string, _o, cmd: Command) =>
        void (await run(cmd, 'copy.unfollow', { user: u, leader })),
    );
  copy
    .command('list [user]')
    .description('follows with their settings and counts')
    .action(
      async (u: string | undefined, _o, cmd: Command) => void (await run(cmd, 'copy.list', u ? { user: u } : {})),
    );
  copy
    .command('trades [user]')
    .description('leader trades seen, newest first: copied, skipped or refused, with the reason')
    .option('--limit <n>', 'how many', '50')
    .action(
      async (u: string | undefined, o: { limit: string }, cmd: Command) =>
        void (await run(cmd, 'copy.trades', { ...(u ? { user: u } : {}), limit: Number(o.limit) })),
    );
}

/** `harvest sandbox whale [status|start|stop|trade]`: the simulated whale to follow offline. */
export function registerWhaleCommand(sandbox: Command, run: Run): void {
  sandbox
    .command('whale [action]')
    .description('a simulated whale wallet that swaps on its own schedule (status, start, stop, trade = one swap now)')
    .option('--every <seconds>', 'seconds between its trades')
    .option('--usd <n>', 'USDC per buy')
    .option('--tokens <symbols>', 'what it trades (comma-separated: SOL, WETH, WBTC)')
    .action(async (action: string | undefined, o: { every?: string; usd?: string; tokens?: string }, cmd: Command) => {
      const input = {
        action: action ?? 'status',
        everySec: num(o.every, '--every'),
        usd: num(o.usd, '--usd'),
        tokens: list(o.tokens),
      };
      await run(cmd, 'sandbox.whale', Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
    });
}
