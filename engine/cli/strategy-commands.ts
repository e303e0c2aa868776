/**
 * `harvest strategy status [USER]` and `harvest strategy log USER`: what each
 * friend's strategy is doing and why (issue #11, item 3).
 */
import type { Command } from 'commander';
import type { CommandName, CommandOutput } from '../api';
import { systemClock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';

type Run = <K extends CommandName>(cmd: Command, name: K, input: unknown) => Promise<CommandOutput<K>>;

/** "30m", "6h", "7d" back from now, or a date / ISO time as given. */
export function sinceToTime(since: string, now: number): string {
  const m = /^(\d+)\s*([mhd])$/u.exec(since.trim());
  if (!m) return since;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
  return new Date(now - Number(m[1]) * unit).toISOString();
}

export function registerStrategyStatusCommands(strategy: Command, run: Run): void {
  strategy
    .command('status [user]')
    .description(
      "what each friend's strategy is doing per token: warm-up, indicator values, last signal, last decision and why",
    )
    .action(
      async (u: string | undefined, _o, cmd: Command) =>
        void (await run(cmd, 'strategy.status', u === undefined ? {} : { user: u })),
    );
  strategy
    .command('log <user>')
    .description("a friend's strategy decision log, newest first: every signal acted on or skipped, with its reason")
    .option('--since <when>', 'from this date or time, or this long ago (30m, 6h, 7d)')
    .option('--until <when>', 'up to this date or time')
    .option('--limit <n>', 'at most this many decisions', '100')
    .action(async (u: string, o: { since?: string; until?: string; limit: string }, cmd: Command) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit))
        throw new HarvestError('INVALID_INPUT', `--limit takes a whole number, not "${o.limit}".`);
      const now = systemClock.now(); // the operator's clock: "7d" means seven days before they typed it
      await run(cmd, 'strategy.decisions', {
        user: u,
        limit,
        ...(o.since ? { from: sinceToTime(o.since, now) } : {}),
        ...(o.until ? { to: sinceToTime(o.until, now) } : {}),
      });
    });
}
