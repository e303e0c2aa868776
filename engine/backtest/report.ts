import { HarvestError } from '../kernel/errors';
import { formatUnits } from '../market/amounts';
import { tokenBySymbol } from '../market/tokens';
import { TIMEFRAME_MS, type Candle, type Timeframe } from '../market/types';
import { RISK_PRESETS, type RiskPresetChoice } from '../risk/presets';
import { bundledCandles, detectTimeframe, findGaps, tradedSymbol, type Gap } from './data';
import type { FillModel } from './ledger';
import { BacktestMarket } from './market';
import { runMetrics, type BacktestMetrics } from './metrics';
import { runStrategyBacktest, type BacktestHooks } from './run';

/** What a person asks for (CLI, UI): the API's backtest.run input once validated. */
export interface BacktestRequest {
  strategy: string;
  params: Record<string, unknown>;
  tokens: string[];
  /** The strategy's candle timeframe (sets its `timeframe` parameter). */
  timeframe?: Timeframe;
  /** ISO dates or date-times (UTC). */
  from: string;
  to: string;
  capitalUsd: number;
  riskPreset: Exclude<RiskPresetChoice, 'custom'>;
  feeBps: number;
  slippageBps: number;
  /** Imported exchange klines per token, instead of the bundled history. */
  candles?: Record<string, Candle[]>;
}

export interface BacktestTradeOut {
  time: string;
  token: string;
  side: 'buy' | 'sell';
  context: 'strategy' | 'exit';
  /** Token amount, decimal. */
  amount: string;
  valueUsd: number;
  price: number;
  /** What a sell realized, USD; null for a buy. */
  pnlUsd: number | null;
  reason: string;
}

export interface BacktestReport {
  strategy: string;
  params: Record<string, unknown>;
  tokens: string[];
  timeframe: Timeframe;
  dataTimeframe: Timeframe;
  from: string;
  to: string;
  capitalUsd: number;
  riskPreset: string;
  feeBps: number;
  slippageBps: number;
  metrics: BacktestMetrics;
  trades: BacktestTradeOut[];
  /** Equity and buy-and-hold, at most ~1000 points. */
  equity: { time: number; equity: number; hold: number }[];
  /** Closes of each token at the equity points (for the price chart). */
  prices: Record<string, { time: number; close: number }[]>;
  gaps: (Gap & { token: string })[];
  cycles: number;
  evaluations: number;
  candles: number;
  skipped: number;
  rejected: Record<string, number>;
  /** When the drawdown limit stopped new entries for the rest of the period (live: until resumed). */
  entriesStopped: { time: string; drawdownPct: number; limitPct: number | null } | null;
}

export function parseDate(s: string, what: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/u.test(s) ? `${s}T00:00:00Z` : s);
  if (!Number.isFinite(ms)) throw new HarvestError('INVALID_INPUT', `${what} must be a date such as 2021-03-01.`);
  return ms;
}

/** Runs a backtest request over the bundled (or imported) history and builds its report. */
export function runBacktestReport(req: BacktestRequest, hooks: BacktestHooks = {}): BacktestReport {
  const fromMs = parseDate(req.from, '--from');
  const toMs = parseDate(req.to, '--to');
  if (!(toMs > fromMs)) throw new HarvestError('INVALID_INPUT', 'The period must end after it starts.');
  const { symbols, dataTf, series, sliced } = historyFor(req.tokens, fromMs, toMs, req.candles);
  const market = new BacktestMarket(dataTf, sliced);
  const params = { ...req.params, ...(req.timeframe ? { timeframe: req.timeframe } : {}) };
  const stepMs = TIMEFRAME_MS[dataTf];
  const span = Math.ceil((toMs - fromMs) / stepMs);
  const every = Math.max(1, Math.ceil(span / 1000));
  const run = runStrategyBacktest(
    market,
    {
      strategy: req.strategy,
      params,
      tokens: symbols,
      fromMs,
      toMs,
      capitalUsd: req.capitalUsd,
      settings: { risk: { preset: req.riskPreset } },
      fill: { feeBps: req.feeBps, slippageBps: req.slippageBps } satisfies FillModel,
    },
    { ...hooks, equityEvery: 1 },
  );
  const metrics = runMetrics(run, { fromMs, toMs, stepMs });
  const equity: BacktestReport['equity'] = [];
  const prices: BacktestReport['prices'] = Object.fromEntries(symbols.map((s) => [s, []]));
  const closeAt = sliced.map((s) => new Map(s.candles.map((c) => [c.time + stepMs, c.close])));
  const n = run.equity.time.length;
  // Every `every`-th point, and always the last one (the figures end there).
  for (let i = 0; i < n; i = i + every < n || i === n - 1 ? i + every : n - 1) {
    const t = run.equity.time[i]!;
    equity.push({ time: t, equity: round2(run.equity.equity[i]!), hold: round2(run.equity.hold[i]!) });
    symbols.forEach((s, j) => {
      const c = closeAt[j]!.get(t);
      if (c !== undefined) prices[s]!.push({ time: t, close: c });
    });
  }
  const usdc = tokenBySymbol('USDC')!;
  const trades = run.trades.map((t) => {
    const tok = tokenBySymbol(t.symbol)!;
    return {
      time: new Date(t.time).toISOString(),
      token: t.symbol,
      side: t.side,
      context: t.context,
      amount: formatUnits(t.baseAmount, tok.decimals),
      valueUsd: round2(Number(t.quoteAmount) / 10 ** usdc.decimals),
      price: t.price,
      pnlUsd: t.side === 'sell' ? round2(Number(t.realizedPnl) / 10 ** usdc.decimals) : null,
      reason: t.reason,
    };
  });
  return {
    strategy: req.strategy,
    params: run.params,
    tokens: symbols,
    timeframe: (run.params['timeframe'] as Timeframe | undefined) ?? dataTf,
    dataTimeframe: dataTf,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    capitalUsd: req.capitalUsd,
    riskPreset: req.riskPreset,
    feeBps: req.feeBps,
    slippageBps: req.slippageBps,
    metrics,
    trades,
    equity,
    prices,
    gaps: series.flatMap((s) =>
      findGaps(
        s.candles.filter((c) => c.time >= fromMs && c.time < toMs),
        s.timeframe,
      ).map((g) => ({ token: s.symbol, ...g })),
    ),
    cycles: run.cycles,
    evaluations: run.evaluations,
    candles: run.candles,
    skipped: run.skipped,
    rejected: run.rejected,
    entriesStopped: run.entriesStopped
      ? {
          time: new Date(run.entriesStopped.time).toISOString(),
          drawdownPct: run.entriesStopped.drawdownPct,
          limitPct: RISK_PRESETS[req.riskPreset].maxDrawdownPct,
        }
      : null,
  };
}

/** The history of the tokens (bundled, or imported klines) up to `toMs`, checked to cover the period. */
export function historyFor(
  tokens: readonly string[],
  fromMs: number,
  toMs: number,
  imported?: Record<string, Candle[]>,
) {
  const req = { tokens, candles: imported };
  const symbols = req.tokens.map(tradedSymbol);
  if (symbols.length === 0) throw new HarvestError('INVALID_INPUT', 'Name at least one token.');
  const series = symbols.map((sym) => {
    const imported = req.candles?.[sym];
    if (imported) return { symbol: sym, timeframe: detectTimeframe(imported), candles: imported };
    const b = bundledCandles(sym);
    return { symbol: sym, timeframe: b.timeframe, candles: b.candles };
  });
  const dataTf = series[0]!.timeframe;
  if (series.some((s) => s.timeframe !== dataTf))
    throw new HarvestError('INVALID_INPUT', 'Every token needs history of the same timeframe.');
  const avail = series.map((s) => ({
    first: s.candles[0]?.time ?? 0,
    last: s.candles[s.candles.length - 1]?.time ?? 0,
  }));
  const first = Math.max(...avail.map((a) => a.first));
  const last = Math.min(...avail.map((a) => a.last)) + TIMEFRAME_MS[dataTf];
  if (fromMs >= last || toMs <= first) {
    throw new HarvestError(
      'INVALID_INPUT',
      `The history covers ${new Date(first).toISOString().slice(0, 10)} to ${new Date(last).toISOString().slice(0, 10)}; choose a period inside it.`,
    );
  }
  const sliced = series.map((s) => ({ symbol: s.symbol, candles: s.candles.filter((c) => c.time < toMs) }));
  return { symbols, dataTf, series, sliced };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The trades of a report as CSV (one row per fill). */
export function tradesCsv(r: Pick<BacktestReport, 'trades'>): string {
  const head = 'time,token,side,context,amount,value_usd,price,pnl_usd,reason';
  const esc = (s: string): string => (/[",\n]/u.test(s) ? `"${s.replace(/"/gu, '""')}"` : s);
  const rows = r.trades.map((t) =>
    [t.time, t.token, t.side, t.context, t.amount, t.valueUsd, t.price, t.pnlUsd ?? '', esc(t.reason)].join(','),
  );
  return [head, ...rows].join('\n') + '\n';
}

/** The equity curve of a report as CSV. */
export function equityCsv(r: Pick<BacktestReport, 'equity'>): string {
  return (
    [
      'time,equity_usd,buy_and_hold_usd',
      ...r.equity.map((p) => `${new Date(p.time).toISOString()},${p.equity},${p.hold}`),
    ].join('\n') + '\n'
  );
}
