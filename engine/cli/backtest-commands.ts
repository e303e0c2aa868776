/**
 * `harvest backtest ...` (issue 13): run a strategy over recorded candles and
 * see the report; list, show, compare and export saved runs.
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { CommandName, CommandOutput } from '../api';
import { HarvestError } from '../kernel/errors';
import { formatComparison } from './backtest-format';
import type { JobStart } from './job-progress';

type Run = <K extends CommandName>(cmd: Command, name: K, input: unknown) => Promise<CommandOutput<K>>;
type Call = <K extends CommandName>(cmd: Command, name: K, input: unknown) => Promise<CommandOutput<K>>;
type Print = (cmd: Command, out: unknown, human: string) => void;
/** Runs the command as a background job, drawing its progress, and returns its end; null when progress is not shown (not a terminal, or --json). */
type Follow = (cmd: Command, start: JobStart, input: unknown) => Promise<CommandOutput<'backtest.job'> | null>;

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** `k=v` pairs; a value that reads as JSON (12, 2.5, true, null) is that, anything else a string. */
export function parseParamPairs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new HarvestError('INVALID_INPUT', `--param takes NAME=VALUE (e.g. fastPeriod=9), not "${p}".`);
    const raw = p.slice(eq + 1).trim();
    let v: unknown = raw;
    try {
      v = JSON.parse(raw);
    } catch {
      // a bare word stays a string (e.g. timeframe=4h)
    }
    out[p.slice(0, eq).trim()] = v;
  }
  return out;
}

function pairsOf(list: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new HarvestError('INVALID_INPUT', `${what} takes SYMBOL=FILE, not "${p}".`);
    out[p.slice(0, eq).trim().toUpperCase()] = p.slice(eq + 1);
  }
  return out;
}

function positiveId(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new HarvestError('INVALID_INPUT', `"${s}" is not a saved backtest number.`);
  return n;
}

interface RunOptions {
  strategy: string;
  tokens: string;
  timeframe?: string;
  from: string;
  to: string;
  param: string[];
  capital: string;
  risk: string;
  feeBps: string;
  slippageBps: string;
  csv: string[];
  save: boolean;
  name?: string;
}

interface OptimiseOptions {
  strategy: string;
  tokens: string;
  timeframe?: string;
  from: string;
  to: string;
  param: string[];
  vary?: string;
  method: string;
  samples: string;
  steps: string;
  trainPct: string;
  workers: string;
  sort: string;
  top: string;
  capital: string;
  risk: string;
  feeBps: string;
  slippageBps: string;
  applyTo?: string;
  confirm: boolean;
}

function registerOptimise(program: Command, call: Call, print: Print, follow: Follow): void {
  program
    .command('optimise')
    .alias('optimize')
    .description(
      'search strategy parameters (grid or random within their bounds): trained in-sample, tested out-of-sample, on worker threads',
    )
    .requiredOption('--strategy <id>', 'the strategy')
    .requiredOption('--tokens <list>', 'tokens, comma-separated')
    .addOption(new Option('--timeframe <tf>', "the strategy's candle timeframe").choices(['1m', '5m', '15m', '1h']))
    .requiredOption('--from <date>', 'start (UTC)')
    .requiredOption('--to <date>', 'end (UTC)')
    .addOption(new Option('--param <name=value>', 'hold a parameter fixed (repeatable)').argParser(collect).default([]))
    .option('--vary <names>', 'the parameters to vary, comma-separated (default: every numeric and boolean one)')
    .addOption(new Option('--method <m>', 'search method').choices(['grid', 'random']).default('random'))
    .option('--samples <n>', 'parameter sets to try', '100')
    .option('--steps <n>', 'grid: values per parameter', '4')
    .option('--train-pct <n>', 'share of the period to train on; the rest tests out-of-sample', '70')
    .option('--workers <n>', 'worker threads', '2')
    .addOption(
      new Option('--sort <key>', 'sort the results by')
        .choices(['is-sharpe', 'oos-sharpe', 'is-return', 'oos-return', 'oos-drawdown'])
        .default('oos-sharpe'),
    )
    .option('--top <n>', 'rows to show', '20')
    .option('--capital <usd>', 'starting capital in USD', '1000')
    .addOption(
      new Option('--risk <preset>', 'risk preset')
        .choices(['conservative', 'moderate', 'aggressive'])
        .default('moderate'),
    )
    .option('--fee-bps <n>', 'fee per fill, basis points', '25')
    .option('--slippage-bps <n>', 'extra slippage per fill, basis points', '0')
    .option('--apply-to <user>', "set the best row's parameters as this friend's strategy (needs --confirm)")
    .option('--confirm', 'confirm --apply-to', false)
    .action(async (o: OptimiseOptions, cmd: Command) => {
      const tokens = o.tokens
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const input = {
        strategy: o.strategy,
        tokens,
        ...(o.timeframe ? { timeframe: o.timeframe } : {}),
        from: o.from,
        to: o.to,
        params: parseParamPairs(o.param),
        ...(o.vary ? { vary: o.vary.split(',').map((v) => v.trim()) } : {}),
        method: o.method,
        samples: Number(o.samples),
        steps: Number(o.steps),
        trainPct: Number(o.trainPct),
        workers: Number(o.workers),
        sort: o.sort,
        top: Number(o.top),
        capitalUsd: Number(o.capital),
        riskPreset: o.risk,
        feeBps: Number(o.feeBps),
        slippageBps: Number(o.slippageBps),
      };
      const out =
        (await follow(cmd, 'backtest.optimiseStart', input))?.optimise ?? (await call(cmd, 'backtest.optimise', input));
      const { backtestFormatters } = await import('./backtest-format');
      print(cmd, out, backtestFormatters['backtest.optimise'](out));
      if (!o.applyTo) return;
      const best = out.rows[0];
      if (!best) throw new HarvestError('NOT_FOUND', 'No parameter set to apply.');
      const words = Object.entries(best.params)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ');
      if (!o.confirm)
        throw new HarvestError(
          'CONFIRMATION_REQUIRED',
          `This would set ${o.applyTo}'s strategy to ${o.strategy} on ${tokens.join(', ')} with ${words} (from the next cycle). Run it again with --confirm.`,
        );
      const settings = await call(cmd, 'strategy.set', {
        user: o.applyTo,
        strategy: o.strategy,
        params: best.params,
        tokens: out.tokens.map((t) => t),
      });
      print(
        cmd,
        settings,
        `Applied to ${o.applyTo}: ${o.strategy} with ${words} (settings version ${settings.version}); it runs from the next cycle.`,
      );
    });
}

export function registerBacktestCommands(program: Command, run: Run, call: Call, print: Print, follow: Follow): void {
  registerOptimise(program, call, print, follow);
  const bt = program
    .command('backtest')
    .description('run a strategy over recorded candles with a paper ledger; list, compare and export saved runs');
  bt.command('run', { isDefault: true })
    .description('run a backtest and print its report (saved unless --no-save)')
    .requiredOption('--strategy <id>', 'the strategy (trend, mean-reversion, dca, …)')
    .requiredOption('--tokens <list>', 'tokens, comma-separated (SOL, ETH, BTC)')
    .addOption(new Option('--timeframe <tf>', "the strategy's candle timeframe").choices(['1m', '5m', '15m', '1h']))
    .requiredOption('--from <date>', 'start (UTC), e.g. 2021-01-01')
    .requiredOption('--to <date>', 'end (UTC), e.g. 2021-03-01')
    .addOption(new Option('--param <name=value>', 'a strategy parameter (repeatable)').argParser(collect).default([]))
    .option('--capital <usd>', 'starting capital in USD (held as USDC)', '1000')
    .addOption(
      new Option('--risk <preset>', 'risk preset')
        .choices(['conservative', 'moderate', 'aggressive'])
        .default('moderate'),
    )
    .option('--fee-bps <n>', 'fee per fill, basis points', '25')
    .option('--slippage-bps <n>', 'extra adverse slippage per fill, basis points', '0')
    .addOption(
      new Option('--csv <symbol=file>', 'exchange klines (CSV) to use instead of the bundled history (repeatable)')
        .argParser(collect)
        .default([]),
    )
    .option('--no-save', 'do not keep the report')
    .option('--name <text>', 'a name for the saved run')
    .action(async (o: RunOptions, cmd: Command) => {
      const csv = pairsOf(o.csv, '--csv');
      const input = {
        strategy: o.strategy,
        tokens: o.tokens
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        ...(o.timeframe ? { timeframe: o.timeframe } : {}),
        from: o.from,
        to: o.to,
        params: parseParamPairs(o.param),
        capitalUsd: Number(o.capital),
        riskPreset: o.risk,
        feeBps: Number(o.feeBps),
        slippageBps: Number(o.slippageBps),
        ...(Object.keys(csv).length > 0 ? { csv } : {}),
        save: o.save,
        ...(o.name ? { name: o.name } : {}),
      };
      const done = (await follow(cmd, 'backtest.start', input))?.run;
      if (!done) return void (await run(cmd, 'backtest.run', input));
      const { backtestFormatters } = await import('./backtest-format');
      print(cmd, done, backtestFormatters['backtest.run'](done));
    });
  bt.command('list')
    .description('saved backtest runs with their figures')
    .action(async (_o, cmd: Command) => void (await run(cmd, 'backtest.list', {})));
  bt.command('show <id>')
    .description('one saved run in full')
    .action(async (id: string, _o, cmd: Command) => void (await run(cmd, 'backtest.show', { id: positiveId(id) })));
  bt.command('compare <ids...>')
    .description('saved runs side by side')
    .action(async (ids: string[], _o, cmd: Command) => {
      if (ids.length < 2) throw new HarvestError('INVALID_INPUT', 'Name two or more saved runs to compare.');
      const runs: CommandOutput<'backtest.show'>[] = [];
      for (const id of ids) runs.push(await call(cmd, 'backtest.show', { id: positiveId(id) }));
      print(cmd, { runs }, formatComparison(runs));
    });
  bt.command('export <id>')
    .description('a saved run as JSON (the whole report) or CSV (its trades or equity curve)')
    .addOption(new Option('--format <f>', 'file format').choices(['json', 'csv']).default('json'))
    .addOption(new Option('--what <w>', 'for CSV: trades or equity').choices(['trades', 'equity']).default('trades'))
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (id: string, o: { format: string; what: string; out?: string }, cmd: Command) => {
      const input = { id: positiveId(id), format: o.format, what: o.what };
      if (!o.out) return void (await run(cmd, 'backtest.export', input));
      const file = await call(cmd, 'backtest.export', input);
      writeFileSync(o.out, file.content, { mode: 0o600 });
      print(cmd, { file: o.out, mediaType: file.mediaType }, `Wrote ${o.out}`);
    });
}
