import { HarvestError } from '../kernel/errors';
import type { IndicatorCache } from '../market/indicator-cache';
import { specKey, type IndicatorSpec } from '../market/indicator-spec';
import type { Candle, Timeframe } from '../market/types';
import type { PositionView, Signal, Strategy, StrategyContext } from './types';

export interface EvaluateInput {
  token: string;
  /** Shared by every user; supplies both the candles and the indicators. */
  cache: IndicatorCache;
  position: PositionView | null;
  now: number;
  /**
   * Evaluate as of an earlier closed candle: the strategy sees only the first
   * `upTo` candles of the cache's window (and the indicators over them), as it
   * would have when that candle had just closed. Default: all of them.
   */
  upTo?: number;
}

export interface Evaluation {
  signal: Signal | null;
  /** Open time of the candle evaluated (the last closed one), or null when there were none. */
  candleTime: number | null;
  /** Why there is no signal when the strategy was not asked: 'warmup' (not enough candles). */
  skipped: 'warmup' | null;
  /** Warm-up progress: closed candles seen (capped at what is needed) and candles needed. */
  warmup: { have: number; needed: number };
  /** The named values the strategy decided on (its `explain`), null when it has none or is warming up. */
  indicators: Record<string, number | null> | null;
}

// Prefixes of the shared (frozen) candle windows and indicator series, so a catch-up over several
// candles slices each series once per length for every user, and the memo goes with the series.
const prefixes = new WeakMap<object, Map<number, unknown>>();

function prefixOf<T>(whole: object, length: number, cut: () => T): T {
  let byLength = prefixes.get(whole);
  if (!byLength) prefixes.set(whole, (byLength = new Map()));
  let v = byLength.get(length) as T | undefined;
  if (v === undefined) byLength.set(length, (v = cut()));
  return v;
}

function slicedIndicator(value: unknown, length: number): unknown {
  if (Array.isArray(value)) return Object.freeze(value.slice(0, length));
  const o = value as Record<string, readonly number[]>;
  return Object.freeze(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Object.freeze(v.slice(0, length))])));
}

/**
 * Runs a strategy on the latest closed candle of its timeframe for one token.
 * Evaluate once per closed candle (compare `candleTime` with the last one
 * evaluated): a crossover stays on the last candle until the next one closes.
 * A signal that breaks the Signal contract (entry without a stop below the
 * close, size outside (0, 1], a sell with no position) is a strategy bug and
 * throws, so the loop logs it for that user and moves on.
 */
export function evaluateStrategy<P>(strategy: Strategy<P>, params: P, input: EvaluateInput): Evaluation {
  const tf = strategy.timeframe(params);
  const warmup = strategy.warmup(params);
  if (warmup > input.cache.window) {
    throw new HarvestError(
      'INVALID_INPUT',
      `Strategy ${strategy.id} needs ${warmup} candles of warm-up but indicators are computed over ${input.cache.window}: choose shorter periods.`,
    );
  }
  const all = input.cache.candles(input.token, tf);
  const n = input.upTo === undefined ? all.length : Math.max(0, Math.min(all.length, input.upTo));
  const candles = n === all.length ? all : prefixOf(all, n, () => Object.freeze(all.slice(0, n)));
  const last = candles[candles.length - 1];
  const progress = { have: Math.min(candles.length, warmup), needed: warmup };
  if (!last || candles.length < warmup) {
    return { signal: null, candleTime: last?.time ?? null, skipped: 'warmup', warmup: progress, indicators: null };
  }
  const ctx: StrategyContext<P> = {
    token: input.token,
    timeframe: tf,
    params,
    candles,
    at: n - 1,
    indicator: (spec) => {
      const whole = input.cache.get(input.token, tf, spec);
      return n === all.length ? whole : (prefixOf(whole, n, () => slicedIndicator(whole, n)) as typeof whole);
    },
    position: input.position,
    now: input.now,
  };
  const signal = strategy.onCandle(ctx);
  if (signal) checkSignal(strategy.id, signal, last, input.position);
  return { signal, candleTime: last.time, skipped: null, warmup: progress, indicators: explained(strategy, ctx) };
}

/** The strategy's named values, NaN and infinities as null (JSON-safe). */
function explained<P>(strategy: Strategy<P>, ctx: StrategyContext<P>): Record<string, number | null> | null {
  if (!strategy.explain) return null;
  const out: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(strategy.explain(ctx))) out[k] = Number.isFinite(v) ? v : null;
  return out;
}

export function checkSignal(
  strategyId: string,
  s: Signal,
  last: Readonly<Candle>,
  position: PositionView | null,
): void {
  const bad = (why: string): never => {
    throw new HarvestError('INTERNAL', `Strategy ${strategyId} produced an invalid signal: ${why}.`);
  };
  if (!(s.sizeHint > 0 && s.sizeHint <= 1)) bad(`sizeHint ${s.sizeHint} is outside (0, 1]`);
  if (typeof s.reason !== 'string' || s.reason.length === 0) bad('no reason');
  if (s.side === 'buy') {
    if (!(s.stopLossPrice > 0) || !Number.isFinite(s.stopLossPrice)) bad('an entry needs a positive stop-loss price');
    if (!(s.stopLossPrice < last.close)) bad(`stop ${s.stopLossPrice} is not below the close ${last.close}`);
    if (s.takeProfitPrice !== undefined && !(s.takeProfitPrice > last.close)) {
      bad(`take-profit ${s.takeProfitPrice} is not above the close ${last.close}`);
    }
    if (s.quoteAmount !== undefined && !(s.quoteAmount > 0n)) bad('quoteAmount must be positive');
  } else if (s.side === 'sell') {
    if (!position) bad('a sell without a position');
  } else {
    bad(`unknown side ${String((s as { side?: unknown }).side)}`);
  }
}

/** The indicators to precompute for a set of (strategy, params): deduplicated by cache key. */
export function neededIndicators(
  items: Iterable<{ timeframe: Timeframe; indicators: readonly IndicatorSpec[] }>,
): { timeframe: Timeframe; spec: IndicatorSpec }[] {
  const seen = new Map<string, { timeframe: Timeframe; spec: IndicatorSpec }>();
  for (const it of items) {
    for (const spec of it.indicators) seen.set(`${it.timeframe}|${specKey(spec)}`, { timeframe: it.timeframe, spec });
  }
  return [...seen.values()];
}
