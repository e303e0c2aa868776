/**
 * The USD price of a flow AT ITS TIME (issue #9, item 1). A flow found in the
 * cycle it landed in is valued at the price now (it is the price then); one
 * found later (the engine was off, a catch-up at start) is valued from the
 * stored candle that covers its block time, the shortest timeframe stored;
 * only when no candle covers it is the price now used, and the flow says so.
 */
import { TIMEFRAME_MS, isTimeframe, type MarketClock, type Timeframe } from '../../market';
import type { CandlesRepo } from '../../store';

/** A flow this close to now is valued at the price now: within a scan or two of the cycle that saw it. */
export const FLOW_PRICE_NOW_WINDOW_MS = 120_000;

/** How a flow's USD value was found. */
export type FlowValuation =
  /** The price now, for a flow found within FLOW_PRICE_NOW_WINDOW_MS of its block time. */
  | 'now'
  /** The stored candle covering its block time. */
  | 'candle'
  /** No candle covers its block time: the price when it was found (flagged to the friend). */
  | 'found';

export interface FlowPrice {
  usd: number;
  valuation: FlowValuation;
}

/**
 * The close of the stored candle that covers `marketMs` (open ≤ t < open +
 * timeframe), from the shortest timeframe stored for the mint; null when none
 * covers it. A gap candle (filled flat at the previous close) still counts:
 * it is the last price known then.
 */
export function candlePriceAt(candles: CandlesRepo, network: string, mint: string, marketMs: number): number | null {
  const timeframes = candles
    .series(network)
    .map((s) => (s.mint === mint && isTimeframe(s.timeframe) ? s.timeframe : null))
    .filter((tf): tf is Timeframe => tf !== null)
    .sort((a, b) => TIMEFRAME_MS[a] - TIMEFRAME_MS[b]);
  for (const tf of timeframes) {
    const ms = TIMEFRAME_MS[tf];
    const covering = candles.range(network, mint, tf, marketMs - ms + 1, marketMs + 1).at(-1);
    if (covering && covering.close > 0) return covering.close;
  }
  return null;
}

/**
 * The market time of a past engine-clock time: candles are bucketed on the
 * market clock (the sandbox replay runs `speed` times faster than the engine
 * clock; elsewhere the two are one clock).
 */
export function marketTimeAt(market: MarketClock, nowMs: number, atMs: number): number {
  return market.kind === 'wall' ? atMs : market.now() - (nowMs - atMs) * market.speed();
}

/** Values a flow at its block time: the price now when it is recent, else the covering candle, else the price now (flagged). */
export function flowPriceAt(
  o: {
    nowMs: number;
    /** The price now (a fresh trusted price), or null. */
    priceNow: number | null;
    /** The candle price at an engine-clock time, or null when no candle covers it. */
    priceAt: ((atMs: number) => number | null) | null;
  },
  atMs: number,
): FlowPrice | null {
  if (o.nowMs - atMs > FLOW_PRICE_NOW_WINDOW_MS) {
    const then = o.priceAt?.(atMs) ?? null;
    if (then !== null) return { usd: then, valuation: 'candle' };
    return o.priceNow === null ? null : { usd: o.priceNow, valuation: 'found' };
  }
  return o.priceNow === null ? null : { usd: o.priceNow, valuation: 'now' };
}
