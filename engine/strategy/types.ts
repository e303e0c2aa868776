import type { z } from 'zod';
import type { IndicatorSpec, IndicatorValue } from '../market/indicator-spec';
import type { Candle, Timeframe } from '../market/types';

/** The user's open position in the token, as a strategy sees it. */
export interface PositionView {
  /** Token base units held; always > 0 (no position is `null`). */
  quantity: bigint;
  /** Average entry price in USD. */
  entryPrice: number;
  /** Clock ms of the first fill. */
  openedAt: number;
  stopLossPrice?: number | null;
  takeProfitPrice?: number | null;
}

/** Open or add to a long position. Every entry carries a stop-loss below the current price. */
export interface EntrySignal {
  side: 'buy';
  /** Fraction (0, 1] of the user's maximum position size. */
  sizeHint: number;
  /**
   * Exact amount of the quote asset to spend, in USD micro-units (6 decimals,
   * the base units of USDC and PYUSD). When set it is the order size and
   * `sizeHint` only caps it; the risk gate's limits still apply. DCA uses it.
   */
  quoteAmount?: bigint;
  /** Absolute USD price; always > 0 and below the candle's close. */
  stopLossPrice: number;
  /** Absolute USD price above the close, when the strategy sets a target. */
  takeProfitPrice?: number;
  /** One sentence a person can read in the journal. */
  reason: string;
}

/** Reduce or close the position. */
export interface ExitSignal {
  side: 'sell';
  /** Fraction (0, 1] of the current position to sell (1 = close it). */
  sizeHint: number;
  reason: string;
}

export type Signal = EntrySignal | ExitSignal;

/** What a strategy sees when a candle of its timeframe closes. */
export interface StrategyContext<P> {
  token: string;
  timeframe: Timeframe;
  params: Readonly<P>;
  /** Closed candles, oldest first; `candles[at]` is the candle that just closed. */
  candles: readonly Readonly<Candle>[];
  /**
   * Index of the candle that just closed, in `candles` and in every indicator
   * series. Read at or before it, never after: a backtest hands every strategy
   * the whole precomputed history (no copy per candle) and moves `at` along it;
   * live, `at` is the last index. Read through `valueAt(series, ctx.at - back)`.
   */
  at: number;
  /**
   * A shared indicator over the same candles (index i belongs to candles[i]);
   * computed once per token and candle for every user.
   */
  indicator<S extends IndicatorSpec>(spec: S): IndicatorValue<S>;
  position: Readonly<PositionView> | null;
  /** Clock time of the evaluation (ms). */
  now: number;
}

/**
 * A trading strategy: pure and deterministic (same candles, params and
 * position -> same signal). It never reads the wall clock, never does I/O and
 * keeps no state between calls: everything it needs is in the context.
 */
export interface Strategy<P> {
  /** Stable id used in settings and on the CLI (e.g. 'trend'). */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Parameter schema: every field has a default and bounds; unknown fields are refused. */
  readonly params: z.ZodType<P>;
  /** Closed candles needed before the first signal (indicator warm-up included). */
  warmup(params: P): number;
  timeframe(params: P): Timeframe;
  /** The indicators it will ask for (so the loop can compute them once up front). */
  indicators(params: P): IndicatorSpec[];
  /** Called once per closed candle of its timeframe. */
  onCandle(ctx: StrategyContext<P>): Signal | null;
  /**
   * Optional: the named indicator values it decides on at this candle (e.g.
   * `{ 'EMA(12)': 101.2 }`), for the operator's status view. Pure like
   * onCandle; NaN means not defined yet. Never changes the signal.
   */
  explain?(ctx: StrategyContext<P>): Record<string, number>;
}
