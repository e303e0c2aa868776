/**
 * Handlers of the backtest commands (backtest.*): run a report over recorded
 * candles (engine/backtest), keep it in <data dir>/backtests/, list, show and
 * export saved runs. Spread into handlers.ts.
 */
import { readFileSync } from 'node:fs';
import type { CommandName, CommandOutput, ParsedInput } from '../api';
import { isoTime } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import {
  historyFor,
  optimise,
  parameterSets,
  parseDate,
  sortRows,
  equityCsv,
  parseKlinesCsv,
  runBacktestReport,
  SavedRuns,
  tradedSymbol,
  BacktestJobs,
  runReportInWorker,
  type BacktestReport,
  type BacktestRequest,
  type Job,
  type JobHooks,
  tradesCsv,
  type SavedRun,
} from '../backtest';
import { TIMEFRAME_MS, type Candle } from '../market';
import type { Engine } from './engine';

type BacktestCommand =
  | 'backtest.run'
  | 'backtest.list'
  | 'backtest.show'
  | 'backtest.export'
  | 'backtest.optimise'
  | 'backtest.start'
  | 'backtest.optimiseStart'
  | 'backtest.job'
  | 'backtest.cancel';
export type BacktestHandlers = {
  [K in BacktestCommand & CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>> | CommandOutput<K>;
};

function readKlines(path: string): Candle[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new HarvestError('INVALID_INPUT', `Cannot read the kline file ${path}: ${(e as Error).message}`);
  }
  return parseKlinesCsv(text);
}

const summary = (r: SavedRun) => ({
  id: r.id,
  name: r.name,
  savedAt: r.savedAt,
  strategy: r.report.strategy,
  tokens: r.report.tokens,
  timeframe: r.report.timeframe,
  from: r.report.from,
  to: r.report.to,
  params: r.report.params,
  metrics: r.report.metrics,
});

export function buildBacktestHandlers(engine: Engine): BacktestHandlers {
  const saved = new SavedRuns(engine.layout.root);
  const jobs = new BacktestJobs((update) => engine.jobFeed.publish(update));
  const request = (input: ParsedInput<'backtest.run'>): BacktestRequest => {
    const candles: Record<string, Candle[]> = {};
    for (const [sym, path] of Object.entries(input.csv ?? {})) candles[tradedSymbol(sym)] = readKlines(path);
    return {
      strategy: input.strategy,
      params: input.params,
      tokens: input.tokens,
      ...(input.timeframe ? { timeframe: input.timeframe } : {}),
      from: input.from,
      to: input.to,
      capitalUsd: input.capitalUsd,
      riskPreset: input.riskPreset,
      feeBps: input.feeBps,
      slippageBps: input.slippageBps,
      candles,
    };
  };
  /** Saves a finished report when asked (the default), under the name given or one made of its settings. */
  const keep = (input: ParsedInput<'backtest.run'>, report: BacktestReport) => {
    if (!input.save) return { id: null, report };
    const name =
      input.name ??
      `${report.strategy} ${report.tokens.join('+')} ${report.from.slice(0, 10)}..${report.to.slice(0, 10)}`;
    const run = saved.save(name, isoTime(engine.clock), report);
    return { id: run.id, report };
  };
  const runOptimise = async (input: ParsedInput<'backtest.optimise'>, hooks?: JobHooks) => {
    const fromMs = parseDate(input.from, 'from');
    const toMs = parseDate(input.to, 'to');
    if (!(toMs > fromMs)) throw new HarvestError('INVALID_INPUT', 'The period must end after it starts.');
    const { symbols, dataTf, sliced } = historyFor(input.tokens, fromMs, toMs);
    const step = TIMEFRAME_MS[dataTf];
    const splitMs = Math.round((fromMs + ((toMs - fromMs) * input.trainPct) / 100) / step) * step;
    const sets = parameterSets({
      strategy: input.strategy,
      method: input.method,
      ...(input.vary ? { vary: input.vary } : {}),
      fixed: { ...input.params, ...(input.timeframe ? { timeframe: input.timeframe } : {}) },
      steps: input.steps,
      samples: input.samples,
      seed: input.seed,
    });
    const rows = await optimise(
      {
        strategy: input.strategy,
        tokens: symbols,
        timeframe: dataTf,
        candles: Object.fromEntries(sliced.map((s) => [s.symbol, s.candles])),
        fromMs,
        splitMs,
        toMs,
        capitalUsd: input.capitalUsd,
        settings: { risk: { preset: input.riskPreset } },
        fill: { feeBps: input.feeBps, slippageBps: input.slippageBps },
      },
      sets,
      input.workers,
      hooks ? { onProgress: (d, t) => hooks.onProgress(d / t), signal: hooks.signal } : {},
    );
    return {
      strategy: input.strategy,
      tokens: symbols,
      from: new Date(fromMs).toISOString(),
      split: new Date(splitMs).toISOString(),
      to: new Date(toMs).toISOString(),
      tried: sets.length,
      sortedBy: input.sort,
      rows: sortRows(rows, input.sort).slice(0, input.top),
    };
  };
  const jobOut = (j: Job<unknown>): CommandOutput<'backtest.job'> => ({
    job: j.id,
    kind: j.kind,
    state: j.state,
    progress: j.progress,
    error: j.error,
    run: j.kind === 'run' ? (j.result as CommandOutput<'backtest.run'> | null) : null,
    optimise: j.kind === 'optimise' ? (j.result as CommandOutput<'backtest.optimise'> | null) : null,
  });
  return {
    'backtest.run': (input) => keep(input, runBacktestReport(request(input))),
    'backtest.start': (input) => {
      const req = request(input);
      return { job: jobs.start('run', async (hooks) => keep(input, await runReportInWorker(req, hooks))) };
    },
    'backtest.optimiseStart': (input) => ({ job: jobs.start('optimise', (hooks) => runOptimise(input, hooks)) }),
    'backtest.job': ({ job }) => jobOut(jobs.get(job)),
    'backtest.cancel': ({ job }) => jobOut(jobs.cancel(job)),
    'backtest.optimise': (input) => runOptimise(input),
    'backtest.list': () => ({ runs: saved.list().map(summary) }),
    'backtest.show': ({ id }) => saved.get(id),
    'backtest.export': ({ id, format, what }) => {
      const run = saved.get(id);
      if (format === 'json')
        return {
          filename: `backtest-${id}.json`,
          mediaType: 'application/json',
          content: JSON.stringify(run, null, 2),
        };
      return {
        filename: `backtest-${id}-${what}.csv`,
        mediaType: 'text/csv',
        content: what === 'trades' ? tradesCsv(run.report) : equityCsv(run.report),
      };
    },
  };
}
