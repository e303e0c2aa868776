/**
 * Market data shapes shared by price feeds, the candle builder, the indicator
 * cache and strategies. Prices are plain numbers here: they feed signal maths
 * and display only (DESIGN.md, principle 5). Amounts that move money are bigint
 * and never live in this module.
 */

/** One OHLCV candle. `time` is the candle's OPEN time (Unix ms, UTC). */
export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base-asset volume; 0 for candles built from price ticks (a price feed has no volume). */
  volume: number;
}

export const TIMEFRAMES = ['1m', '5m', '15m', '1h'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = {
  '1m': 60_000,
  '5m': 5 * 60_000,
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
};

export function isTimeframe(v: unknown): v is Timeframe {
  return typeof v === 'string' && (TIMEFRAMES as readonly string[]).includes(v);
}

/** Open time of the bucket of `tf` that contains `t` (buckets are aligned to the Unix epoch, so to UTC). */
export function bucketStart(t: number, tf: Timeframe): number {
  const ms = TIMEFRAME_MS[tf];
  return Math.floor(t / ms) * ms;
}

/** One observed USD price of a token. */
export interface PriceTick {
  mint: string;
  usd: number;
  /** Clock time (ms) at which the price was observed or published. Staleness is measured from here. */
  at: number;
  /** Name of the feed that answered (set by every feed in this module). */
  source?: string;
}
