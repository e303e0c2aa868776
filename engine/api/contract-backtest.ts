import { z } from 'zod';
import { command } from './command-spec';

/**
 * Backtest commands (issue 13): run a strategy over recorded candles, keep
 * the report, compare and export saved runs. Spread into the contract's table.
 */

const DateText = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}([T ][\d:.]+Z?)?$/u, 'a date such as 2021-03-01');
const Symbol = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{2,10}$/u, 'a token symbol such as SOL');

const MetricsOut = z.object({
  startEquityUsd: z.number(),
  endEquityUsd: z.number(),
  totalReturnPct: z.number(),
  cagrPct: z.number().nullable(),
  maxDrawdownPct: z.number(),
  sharpe: z.number().nullable(),
  sortino: z.number().nullable(),
  winRatePct: z.number().nullable(),
  profitFactor: z.number().nullable(),
  exposurePct: z.number(),
  tradeCount: z.number().int(),
  buyHoldReturnPct: z.number(),
});

export const BacktestReportOut = z.object({
  strategy: z.string(),
  params: z.record(z.string(), z.unknown()),
  tokens: z.array(z.string()),
  timeframe: z.string(),
  dataTimeframe: z.string(),
  from: z.string(),
  to: z.string(),
  capitalUsd: z.number(),
  riskPreset: z.string(),
  feeBps: z.number(),
  slippageBps: z.number(),
  metrics: MetricsOut,
  trades: z.array(
    z.object({
      time: z.string(),
      token: z.string(),
      side: z.enum(['buy', 'sell']),
      context: z.enum(['strategy', 'exit']),
      amount: z.string(),
      valueUsd: z.number(),
      price: z.number(),
      pnlUsd: z.number().nullable(),
      reason: z.string(),
    }),
  ),
  equity: z.array(z.object({ time: z.number(), equity: z.number(), hold: z.number() })),
  prices: z.record(z.string(), z.array(z.object({ time: z.number(), close: z.number() }))),
  gaps: z.array(z.object({ token: z.string(), fromMs: z.number(), toMs: z.number(), missing: z.number().int() })),
  cycles: z.number().int(),
  evaluations: z.number().int(),
  candles: z.number().int(),
  skipped: z.number().int(),
  rejected: z.record(z.string(), z.number().int()),
  /** The drawdown limit stopped new entries from then on (live, until the operator resumes the friend). */
  entriesStopped: z
    .object({ time: z.string(), drawdownPct: z.number(), limitPct: z.number().nullable() })
    .nullable()
    .default(null),
});

const SavedSummaryOut = z.object({
  id: z.number().int(),
  name: z.string(),
  savedAt: z.string(),
  strategy: z.string(),
  tokens: z.array(z.string()),
  timeframe: z.string(),
  from: z.string(),
  to: z.string(),
  params: z.record(z.string(), z.unknown()),
  metrics: MetricsOut,
});

export const BacktestRunIn = z
  .object({
    strategy: z.string().trim().min(1, 'Name a strategy.'),
    params: z.record(z.string(), z.unknown()).default({}),
    tokens: z.array(Symbol).min(1, 'Name at least one token.').max(10),
    timeframe: z.enum(['1m', '5m', '15m', '1h']).optional(),
    from: DateText,
    to: DateText,
    capitalUsd: z.number().positive().max(100_000_000).default(1_000),
    riskPreset: z.enum(['conservative', 'moderate', 'aggressive']).default('moderate'),
    feeBps: z.number().min(0).max(1_000).default(25),
    slippageBps: z.number().min(0).max(1_000).default(0),
    /** Exchange kline CSV files to use instead of the bundled history, by token symbol. */
    csv: z.record(Symbol, z.string().min(1)).optional(),
    save: z.boolean().default(true),
    name: z.string().trim().min(1).max(80).optional(),
  })
  .strict();

const FiguresOut = z.object({
  totalReturnPct: z.number(),
  maxDrawdownPct: z.number(),
  sharpe: z.number().nullable(),
  sortino: z.number().nullable(),
  winRatePct: z.number().nullable(),
  profitFactor: z.number().nullable(),
  tradeCount: z.number().int(),
});

export const OptimiseIn = z
  .object({
    strategy: z.string().trim().min(1, 'Name a strategy.'),
    tokens: z.array(Symbol).min(1).max(10),
    timeframe: z.enum(['1m', '5m', '15m', '1h']).optional(),
    from: DateText,
    to: DateText,
    /** Share of the period to train on (in-sample); the rest is the out-of-sample test. */
    trainPct: z.number().min(10).max(90).default(70),
    method: z.enum(['grid', 'random']).default('random'),
    samples: z.number().int().min(1).max(5_000).default(100),
    steps: z.number().int().min(1).max(20).default(4),
    /** Parameters to vary (default: every numeric and boolean one). */
    vary: z.array(z.string().min(1)).optional(),
    /** Parameters held fixed. */
    params: z.record(z.string(), z.unknown()).default({}),
    capitalUsd: z.number().positive().max(100_000_000).default(1_000),
    riskPreset: z.enum(['conservative', 'moderate', 'aggressive']).default('moderate'),
    feeBps: z.number().min(0).max(1_000).default(25),
    slippageBps: z.number().min(0).max(1_000).default(0),
    workers: z.number().int().min(1).max(64).default(2),
    sort: z.enum(['is-sharpe', 'oos-sharpe', 'is-return', 'oos-return', 'oos-drawdown']).default('oos-sharpe'),
    top: z.number().int().min(1).max(5_000).default(20),
    seed: z.number().int().default(1),
  })
  .strict();

const OptimiseOut = z.object({
  strategy: z.string(),
  tokens: z.array(z.string()),
  from: z.string(),
  split: z.string(),
  to: z.string(),
  tried: z.number().int(),
  sortedBy: z.string(),
  rows: z.array(z.object({ params: z.record(z.string(), z.unknown()), inSample: FiguresOut, outOfSample: FiguresOut })),
});

const RunOut = z.object({ id: z.number().int().nullable(), report: BacktestReportOut });

/** A backtest or optimisation started from the UI: its progress, then its result. */
const JobOut = z.object({
  job: z.number().int(),
  kind: z.enum(['run', 'optimise']),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  /** Share done, 0..1. */
  progress: z.number(),
  error: z.string().nullable(),
  run: RunOut.nullable(),
  optimise: OptimiseOut.nullable(),
});

const JobIn = z.object({ job: z.number().int().positive() }).strict();

export const backtestCommands = {
  'backtest.optimise': command({
    summary:
      'Search strategy parameters (grid or random, within their bounds): each set trained in-sample and tested out-of-sample, on worker threads',
    mutates: false,
    input: OptimiseIn,
    output: OptimiseOut,
  }),
  'backtest.run': command({
    summary: 'Run a strategy over recorded candles (bundled or imported) with a paper ledger; saves the report',
    mutates: true,
    input: BacktestRunIn,
    output: RunOut,
  }),
  'backtest.list': command({
    summary: 'Saved backtest runs with their figures',
    mutates: false,
    input: z.object({}).strict(),
    output: z.object({ runs: z.array(SavedSummaryOut) }),
  }),
  'backtest.show': command({
    summary: 'One saved backtest run in full',
    mutates: false,
    input: z.object({ id: z.number().int().positive() }).strict(),
    output: z.object({ id: z.number().int(), name: z.string(), savedAt: z.string(), report: BacktestReportOut }),
  }),
  'backtest.export': command({
    summary: 'A saved backtest run as a file: the whole report as JSON, or its trades or equity curve as CSV',
    mutates: false,
    input: z
      .object({
        id: z.number().int().positive(),
        format: z.enum(['json', 'csv']).default('json'),
        what: z.enum(['trades', 'equity']).default('trades'),
      })
      .strict(),
    output: z.object({ filename: z.string(), mediaType: z.string(), content: z.string() }),
  }),
  'backtest.start': command({
    summary: 'Start a backtest in the background (as backtest.run); returns a job to follow with backtest.job',
    mutates: true,
    input: BacktestRunIn,
    output: z.object({ job: z.number().int() }),
  }),
  'backtest.optimiseStart': command({
    summary: 'Start an optimisation in the background (as backtest.optimise); returns a job to follow',
    mutates: false,
    input: OptimiseIn,
    output: z.object({ job: z.number().int() }),
  }),
  'backtest.job': command({
    summary: 'A background backtest or optimisation: its progress, and its result once done',
    mutates: false,
    input: JobIn,
    output: JobOut,
  }),
  'backtest.cancel': command({
    summary: 'Stop a background backtest or optimisation',
    mutates: false,
    input: JobIn,
    output: JobOut,
  }),
} as const;
