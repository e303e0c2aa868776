import { HarvestError } from '../kernel/errors';
import { DEFAULT_INDICATOR_WINDOW } from '../market/indicator-cache';
import { specKey, type IndicatorSpec } from '../market/indicator-spec';
import { parseUnits } from '../market/amounts';
import { tokenBySymbol, type TokenInfo } from '../market/tokens';
import { TIMEFRAME_MS, type Candle } from '../market/types';
import { effectiveLimits, parseGlobalLimits, userRiskLimits } from '../risk/presets';
import { checkSignal } from '../strategy/evaluate';
import { getStrategy, parseParams } from '../strategy/registry';
import type { Signal, Strategy, StrategyContext } from '../strategy/types';
import { UserSettingsSchema } from '../users/settings';
import { BacktestLedger, PAPER_FILL_MODEL, type FillModel, type LedgerTrade, type PriceCell } from './ledger';
import type { BacktestMarket, TokenSeries } from './market';

export interface BacktestSpec {
  strategy: string;
  /** Raw parameters (validated against the strategy's zod schema once). */
  params?: Record<string, unknown>;
  /** Symbols traded, in the friend's settings order; every token of the market by default. */
  tokens?: readonly string[];
  fromMs: number;
  toMs: number;
  /** Starting capital in USDC (whole dollars, cents allowed). */
  capitalUsd: number;
  /** Other holdings in the book at the start, by symbol (decimal amounts), e.g. { SOL: '0.1' }. */
  extraBook?: Readonly<Record<string, string>>;
  /** The friend's settings (risk preset or custom limits, maxOrderUsd, maxPriceImpactBps…), as stored. */
  settings?: Readonly<Record<string, unknown>>;
  fill?: FillModel;
}

export interface BacktestHooks {
  /** Called now and then with the share done (0..1). */
  onProgress?(done: number): void;
  signal?: AbortSignal;
  /** Keep an equity point every this many cycles (1: every cycle). */
  equityEvery?: number;
}

export interface BacktestRun {
  params: Record<string, unknown>;
  cycles: number;
  /** Strategy evaluations: one per (token, closed candle of the strategy's timeframe) after warm-up. */
  evaluations: number;
  /** Candles stepped through (cycles × tokens with a candle closing then). */
  candles: number;
  trades: LedgerTrade[];
  /** Equity curve: time (ms), equity (USD), buy-and-hold (USD) of the same capital. */
  equity: { time: Float64Array; equity: Float64Array; hold: Float64Array };
  /** Cycles with at least one open position. */
  exposedCycles: number;
  rejected: Record<string, number>;
  /**
   * When the drawdown limit stopped new entries for the rest of the run (live, the friend stays paused
   * until the operator resumes them; a backtest has no operator), with the drawdown then; else null.
   */
  entriesStopped: { time: number; drawdownPct: number } | null;
  skipped: number;
  errors: number;
  startEquityUsd: number;
  endEquityUsd: number;
}

/** A cheap key for a spec (the live cache's specKey normalises and validates, which a hot loop cannot afford per call). */
function quickKey(s: IndicatorSpec): string {
  switch (s.kind) {
    case 'sma':
    case 'ema':
    case 'rsi':
      return `${s.kind}:${s.period}:${s.source ?? 'close'}`;
    case 'atr':
      return `atr:${s.period}`;
    case 'bollinger':
      return `bb:${s.period}:${s.stdDev}:${s.source ?? 'close'}`;
    case 'macd':
      return `macd:${s.fast}:${s.slow}:${s.signal}:${s.source ?? 'close'}`;
    default:
      return specKey(s);
  }
}

interface TokenRun {
  series: TokenSeries;
  token: TokenInfo;
  mint: string;
  baseCandles: readonly Readonly<Candle>[];
  baseCloses: Float64Array;
  bi: number;
  candles: readonly Readonly<Candle>[];
  closes: Float64Array;
  k: number;
  evaluated: number;
  price: PriceCell;
  ctx: StrategyContext<unknown>;
}

/**
 * One friend's strategy over recorded candles, on arrays: indicators come
 * precomputed from the market (once per series and parameters), the strategy
 * is called through its public onCandle with a context that shows exactly the
 * candles closed so far, and orders go through the in-memory ledger, which
 * applies the live sizing, risk rules and fill model. The cycle is the live
 * one (engine/runtime/backtest.ts): at each candle close, exits first, then
 * the strategy for each token in order.
 */
export function runStrategyBacktest(
  market: BacktestMarket,
  spec: BacktestSpec,
  hooks: BacktestHooks = {},
): BacktestRun {
  const strategy = getStrategy(spec.strategy) as Strategy<unknown>;
  const params = parseParams(spec.strategy, spec.params ?? {}) as Record<string, unknown>;
  const settings = UserSettingsSchema.parse({ ...(spec.settings ?? {}), mode: 'paper' });
  if (settings.quoteAsset !== 'USDC')
    throw new HarvestError('UNSUPPORTED', 'Backtests trade against USDC; set the quote asset to USDC.');
  const limits = effectiveLimits(userRiskLimits(settings.risk), parseGlobalLimits(null));
  const usdc = tokenBySymbol('USDC')!;
  const tf = strategy.timeframe(params);
  const warmup = strategy.warmup(params);
  if (warmup > DEFAULT_INDICATOR_WINDOW) {
    throw new HarvestError(
      'INVALID_INPUT',
      `Strategy ${strategy.id} needs ${warmup} candles of warm-up but indicators are computed over ${DEFAULT_INDICATOR_WINDOW}: choose shorter periods.`,
    );
  }
  if (!(spec.capitalUsd > 0)) throw new HarvestError('INVALID_INPUT', 'The starting capital must be above $0.');
  const start: { token: TokenInfo; amount: bigint }[] = [
    { token: usdc, amount: parseUnits(spec.capitalUsd.toFixed(2), usdc.decimals) },
  ];
  for (const [sym, amount] of Object.entries(spec.extraBook ?? {})) {
    const t = tokenBySymbol(sym);
    if (!t) throw new HarvestError('INVALID_INPUT', `Unknown token "${sym}" in the starting book.`);
    start.push({ token: t, amount: parseUnits(amount, t.decimals) });
  }
  const ledger = new BacktestLedger(settings, limits, usdc, spec.fill ?? PAPER_FILL_MODEL, start);

  const wanted = spec.tokens ?? market.series.map((s) => s.token.symbol);
  const runs: TokenRun[] = wanted.map((sym) => {
    const series = market.series.find((s) => s.token.symbol === tokenBySymbol(sym)?.symbol);
    if (!series) throw new HarvestError('INVALID_INPUT', `No history for ${sym} in this backtest.`);
    if (series.token.mint === usdc.mint)
      throw new HarvestError('INVALID_INPUT', 'USDC is the quote asset, not a token to trade.');
    const frame = market.frame(series, tf);
    const base = market.frame(series, series.base);
    const run: TokenRun = {
      series,
      token: series.token,
      mint: series.token.mint,
      baseCandles: base.candles,
      baseCloses: base.closes,
      bi: 0,
      candles: frame.candles,
      closes: frame.closes,
      k: 0,
      evaluated: 0,
      price: ledger.priceCell(series.token.mint),
      ctx: null as unknown as StrategyContext<unknown>,
    };
    // Strategies see the whole precomputed series and an index (ctx.at) that moves along it: nothing is
    // copied or allocated per candle. Specs from `ind` are interned, so most lookups hit by identity;
    // other spec objects fall back to a key string.
    const byKey = new Map<string, unknown>();
    const bySpec = new Map<IndicatorSpec, unknown>();
    const seriesFor = (s: IndicatorSpec): unknown => {
      let v = bySpec.get(s);
      if (v !== undefined) return v;
      const key = quickKey(s);
      v = byKey.get(key);
      if (v === undefined) byKey.set(key, (v = market.indicator(series, tf, s)));
      if (Object.isFrozen(s)) bySpec.set(s, v);
      return v;
    };
    for (const s of strategy.indicators(params)) seriesFor(s);
    run.ctx = {
      token: series.token.mint,
      timeframe: tf,
      params,
      candles: frame.candles,
      at: -1,
      indicator: seriesFor as StrategyContext<unknown>['indicator'],
      position: null,
      now: 0,
    };
    return run;
  });

  const step = TIMEFRAME_MS[market.timeframe];
  const startT = Math.ceil(spec.fromMs / step) * step;
  for (const r of runs) while (r.bi < r.baseCloses.length && r.baseCloses[r.bi]! < startT) r.bi++;

  const every = Math.max(1, hooks.equityEvery ?? 1);
  const span = Math.max(1, Math.floor((spec.toMs - startT) / step) + 1);
  const cap = Math.ceil(span / every) + 1;
  let time: Float64Array<ArrayBuffer> = new Float64Array(cap);
  let equity: Float64Array<ArrayBuffer> = new Float64Array(cap);
  let hold: Float64Array<ArrayBuffer> = new Float64Array(cap);
  let points = 0;
  const holdUnits = new Float64Array(runs.length);
  const holdSet = new Uint8Array(runs.length);
  const perToken = spec.capitalUsd / runs.length;
  let cycles = 0;
  let candlesSeen = 0;
  let evaluations = 0;
  let errors = 0;
  let exposed = 0;
  const startEquity = ledger.markUsd();

  // Index loops only: a for-of over the runs allocated an iterator per loop per cycle, 65,000 cycles a run.
  const n = runs.length;
  const toMs = spec.toMs;
  for (;;) {
    let t = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const r = runs[i]!;
      if (r.bi < r.baseCloses.length && r.baseCloses[r.bi]! < t) t = r.baseCloses[r.bi]!;
    }
    if (!(t <= toMs)) break;
    for (let i = 0; i < n; i++) {
      const r = runs[i]!;
      if (r.bi < r.baseCloses.length && r.baseCloses[r.bi] === t) {
        const close = r.baseCandles[r.bi]!.close;
        r.price.usd = close;
        if (!holdSet[i]) {
          holdUnits[i] = perToken / close;
          holdSet[i] = 1;
        }
        r.bi++;
        candlesSeen++;
      }
    }
    cycles++;
    if ((cycles & 4095) === 0) {
      if (hooks.signal?.aborted) throw new HarvestError('REFUSED', 'The backtest was cancelled.');
      hooks.onProgress?.(Math.min(1, (t - startT) / Math.max(1, toMs - startT)));
    }
    ledger.runExits(t);
    for (let i = 0; i < n; i++) {
      const r = runs[i]!;
      const closes = r.closes;
      let k = r.k;
      while (k < closes.length && closes[k]! <= t) k++;
      r.k = k;
      if (k === 0 || k < warmup || k === r.evaluated) continue;
      r.evaluated = k;
      evaluations++;
      const pos = ledger.open.get(r.mint);
      const view = pos ? ledger.positionView(pos) : null;
      const ctx = r.ctx;
      ctx.position = view;
      ctx.at = k - 1;
      ctx.now = t;
      let signal: Signal | null;
      try {
        signal = strategy.onCandle(ctx);
        if (signal) checkSignal(strategy.id, signal, r.candles[k - 1]!, view);
      } catch {
        // As the live runner: one error ends this friend's cycle, counted, and the next cycle runs.
        errors++;
        break;
      }
      if (!signal) continue;
      if (signal.side === 'buy') {
        if (ledger.paused) continue;
        ledger.strategyBuy(r.token, signal, t);
      } else {
        ledger.strategySell(r.token, signal.sizeHint, signal.reason, t);
      }
    }
    if (ledger.open.size > 0) exposed++;
    if (cycles % every === 0 || points === 0) {
      if (points === time.length) {
        time = grow(time);
        equity = grow(equity);
        hold = grow(hold);
      }
      let h = 0;
      for (let i = 0; i < n; i++) {
        const p = runs[i]!.price.usd;
        h += holdSet[i] && !Number.isNaN(p) ? holdUnits[i]! * p : perToken;
      }
      time[points] = t;
      equity[points] = ledger.markUsd();
      hold[points] = h;
      points++;
    }
  }
  hooks.onProgress?.(1);
  const rejected: Record<string, number> = {};
  for (const [k, v] of ledger.rejected) rejected[k] = v;
  return {
    params,
    cycles,
    evaluations,
    candles: candlesSeen,
    trades: ledger.trades,
    equity: { time: time.subarray(0, points), equity: equity.subarray(0, points), hold: hold.subarray(0, points) },
    exposedCycles: exposed,
    rejected,
    entriesStopped: ledger.pausedAt,
    skipped: ledger.skipped,
    errors,
    startEquityUsd: startEquity,
    endEquityUsd: ledger.markUsd(),
  };
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}
