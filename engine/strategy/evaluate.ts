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
}

export interface Evaluation {
  signal: Signal | null;
  /** Open time of the candle evaluated (the last closed one), or null when there were none. */
  candleTime: number | null;
  /** Why there is no signal when the strategy was not asked: 'warmup' (not enough candles). */
  skipped: 'warmup' | null;
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
  const candles = input.cache.candles(input.token, tf);
  const last = candles[candles.length - 1];
  if (!last || candles.length < warmup) {
    return { signal: null, candleTime: last?.time ?? null, skipped: 'warmup' };
  }
  const ctx: StrategyContext<P> = {
    token: input.token,
    timeframe: tf,
    params,
    candles,
    indicator: (spec) => input.cache.get(input.token, tf, spec),
    position: input.position,
    now: input.now,
  };
  const signal = strategy.onCandle(ctx);
  if (signal) checkSignal(strategy.id, signal, last, input.position);
  return { signal, candleTime: last.time, skipped: null };
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
