import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import { resample } from './candles';
import type { CandleSource } from './indicator-cache';
import { TIMEFRAME_MS, TIMEFRAMES, type Candle, type Timeframe } from './types';

export interface ReplayCandleSourceOptions {
  /** Virtual (or any) clock: a candle is visible once its close time is at or before clock.now(). */
  clock: Clock;
  /** At most this many most recent closed candles are returned per series. Default 2000. */
  maxCandles?: number;
}

/**
 * Closed candles from recorded history, revealed as the clock passes each
 * candle's close: the candle source of a backtest. Load each token's history
 * once with `add()` (any of 1m/5m/15m/1h; coarser timeframes that are whole
 * multiples are resampled from it); `closed()` never shows a candle that has
 * not closed by clock.now(), so a strategy cannot see the future.
 */
export class ReplayCandleSource implements CandleSource {
  private readonly clock: Clock;
  private readonly maxCandles: number;
  private readonly series = new Map<string, Map<Timeframe, { candles: Candle[]; closes: Float64Array }>>();

  constructor(opts: ReplayCandleSourceOptions) {
    this.clock = opts.clock;
    this.maxCandles = opts.maxCandles ?? 2000;
  }

  /** Adds a token's history (sorted, aligned candles of `timeframe`). */
  add(token: string, timeframe: Timeframe, candles: readonly Candle[]): void {
    const baseMs = TIMEFRAME_MS[timeframe];
    for (let i = 0; i < candles.length; i++) {
      const c = candles[i]!;
      if (c.time % baseMs !== 0 || (i > 0 && !(c.time > candles[i - 1]!.time))) {
        throw new HarvestError(
          'INVALID_INPUT',
          `History for ${token} must be sorted ${timeframe} candles aligned to ${timeframe}.`,
        );
      }
    }
    let byTf = this.series.get(token);
    if (!byTf) {
      byTf = new Map();
      this.series.set(token, byTf);
    }
    for (const tf of TIMEFRAMES) {
      const ms = TIMEFRAME_MS[tf];
      if (ms < baseMs || ms % baseMs !== 0) continue;
      const list = (tf === timeframe ? candles.map((c) => ({ ...c })) : resample(candles, tf)).map((c) =>
        Object.freeze(c),
      );
      byTf.set(tf, { candles: list, closes: Float64Array.from(list, (c) => c.time + ms) });
    }
  }

  /** Number of candles of (token, timeframe) closed by `now`. */
  private visible(token: string, tf: Timeframe, now: number): number {
    const s = this.series.get(token)?.get(tf);
    if (!s) return 0;
    let lo = 0;
    let hi = s.closes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.closes[mid]! <= now) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  closed(token: string, timeframe: Timeframe): readonly Readonly<Candle>[] {
    const s = this.series.get(token)?.get(timeframe);
    if (!s) return [];
    const k = this.visible(token, timeframe, this.clock.now());
    return s.candles.slice(Math.max(0, k - this.maxCandles), k);
  }

  /** The number of closed candles: it moves exactly when a candle closes. */
  revision(token: string, timeframe: Timeframe): number {
    return this.visible(token, timeframe, this.clock.now());
  }

  /** Close times of every candle of (token, timeframe): the instants a backtest needs to visit. */
  closeTimes(token: string, timeframe: Timeframe): readonly number[] {
    return Array.from(this.series.get(token)?.get(timeframe)?.closes ?? []);
  }
}
