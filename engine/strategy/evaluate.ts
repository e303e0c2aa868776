import { HarvestError } from '../kernel/errors';
import type { IndicatorCache, SeriesView } from '../market/indicator-cache';
import { specKey, type IndicatorSpec, type IndicatorValue } from '../market/indicator-spec';
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
 * What a strategy sees, as a class: one object per evaluation with `indicator` on its prototype, not a
 * closure made for every (friend, token) of every cycle.
 */
class EvalContext<P> implements StrategyContext<P> {
  constructor(
    readonly token: string,
    readonly timeframe: Timeframe,
    readonly params: P,
    readonly candles: readonly Readonly<Candle>[],
    readonly at: number,
    readonly position: Readonly<PositionView> | null,
    readonly now: number,
    private readonly view: SeriesView,
    /** The prefix length when evaluating an earlier candle; -1 for the whole window. */
    private readonly upTo: number,
  ) {}

  indicator<S extends IndicatorSpec>(spec: S): IndicatorValue<S> {
    const whole = this.view.indicator(spec);
    const n = this.upTo;
    return n === -1 ? whole : (prefixOf(whole, n, () => slicedIndicator(whole, n)) as typeof whole);
  }
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
  return evaluateWith(strategy, params, strategy.timeframe(params), strategy.warmup(params), input);
}

/** evaluateStrategy with the timeframe and warm-up already worked out (a bound strategy knows them). */
export function evaluateWith<P>(
  strategy: Strategy<P>,
  params: P,
  tf: Timeframe,
  warmup: number,
  input: EvaluateInput,
): Evaluation {
  if (warmup > input.cache.window) {
    throw new HarvestError(
      'INVALID_INPUT',
      `Strategy ${strategy.id} needs ${warmup} candles of warm-up but indicators are computed over ${input.cache.window}: choose shorter periods.`,
    );
  }
  const view = input.cache.series(input.token, tf);
  const all = view.candles;
  const n = input.upTo === undefined ? all.length : Math.max(0, Math.min(all.length, input.upTo));
  const candles = n === all.length ? all : prefixOf(all, n, () => Object.freeze(all.slice(0, n)));
  const last = candles[candles.length - 1];
  const progress = { have: Math.min(candles.length, warmup), needed: warmup };
  if (!last || candles.length < warmup) {
    return { signal: null, candleTime: last?.time ?? null, skipped: 'warmup', warmup: progress, indicators: null };
  }
  const ctx = new EvalContext(
    input.token,
    tf,
    params,
    candles,
    n - 1,
    input.position,
    input.now,
    view,
    n === all.length ? -1 : n,
  );
  const signal = strategy.onCandle(ctx);
  if (signal) checkSignal(strategy.id, signal, last, input.position);
  return { signal, candleTime: last.time, skipped: null, warmup: progress, indicators: explained(strategy, ctx) };
}

/** The strategy's named values, NaN and infinities as null (JSON-safe). */
function explained<P>(strategy: Strategy<P>, ctx: StrategyContext<P>): Record<string, number | null> | null {
  if (!strategy.explain) return null;
  const values = strategy.explain(ctx);
  // The strategy's own fresh object, kept when every value is finite (the usual case); a copy otherwise.
  let finite = true;
  for (const k in values) if (!Number.isFinite(values[k])) finite = false;
  if (finite) return values;
  const out: Record<string, number | null> = {};
  for (const k in values) out[k] = Number.isFinite(values[k]) ? values[k]! : null;
  return out;
}

function badSignal(strategyId: string, why: string): never {
  throw new HarvestError('INTERNAL', `Strategy ${strategyId} produced an invalid signal: ${why}.`);
}

export function checkSignal(
  strategyId: string,
  s: Signal,
  last: Readonly<Candle>,
  position: PositionView | null,
): void {
  if (!(s.sizeHint > 0 && s.sizeHint <= 1)) badSignal(strategyId, `sizeHint ${s.sizeHint} is outside (0, 1]`);
  if (typeof s.reason !== 'string' || s.reason.length === 0) badSignal(strategyId, 'no reason');
  if (s.side === 'buy') {
    if (!(s.stopLossPrice > 0) || !Number.isFinite(s.stopLossPrice))
      badSignal(strategyId, 'an entry needs a positive stop-loss price');
    if (!(s.stopLossPrice < last.close))
      badSignal(strategyId, `stop ${s.stopLossPrice} is not below the close ${last.close}`);
    if (s.takeProfitPrice !== undefined && !(s.takeProfitPrice > last.close)) {
      badSignal(strategyId, `take-profit ${s.takeProfitPrice} is not above the close ${last.close}`);
    }
    if (s.quoteAmount !== undefined && !(s.quoteAmount > 0n)) badSignal(strategyId, 'quoteAmount must be positive');
  } else if (s.side === 'sell') {
    if (!position) badSignal(strategyId, 'a sell without a position');
  } else {
    badSignal(strategyId, `unknown side ${String((s as { side?: unknown }).side)}`);
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
