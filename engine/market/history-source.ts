import type { Candle } from './types';
import { TIMEFRAME_MS, type Timeframe } from './types';

/** The timeframe history is fetched in: fine enough for 5m, 15m and 1h, and every source has it. */
export const HISTORY_TIMEFRAME: Timeframe = '5m';

/** A history candle; `gap` marks a bucket the source had no data for (filled flat at the previous close). */
export interface HistoryCandle extends Candle {
  gap?: boolean;
}

export interface HistoryRequest {
  mint: string;
  /** Token symbol, for sources keyed by symbol (an exchange's pairs). */
  symbol: string;
  /** Open times in [from, to), in the source's (market) time; both aligned to HISTORY_TIMEFRAME. */
  from: number;
  to: number;
  signal?: AbortSignal;
}

export interface HistoryAnswer {
  /** What the candles are stored as: 'seed:replay', 'seed:binance', 'seed:geckoterminal'. */
  source: string;
  /** Closed HISTORY_TIMEFRAME candles, oldest first, aligned, gaps filled and marked. */
  candles: HistoryCandle[];
}

/**
 * Where candle history comes from before this engine saw any price: the
 * sandbox's replay, or real market data on mainnet. `null` means this source
 * does not cover the token (another source may); a failure throws.
 */
export interface CandleHistorySource {
  readonly name: string;
  history(req: HistoryRequest): Promise<HistoryAnswer | null>;
}

/** Tries each source in turn: the first that covers the token answers. */
export class FirstCoveringSource implements CandleHistorySource {
  readonly name: string;
  constructor(private readonly sources: readonly CandleHistorySource[]) {
    this.name = sources.map((s) => s.name).join('+');
  }
  async history(req: HistoryRequest): Promise<HistoryAnswer | null> {
    for (const s of this.sources) {
      const a = await s.history(req);
      if (a) return a;
    }
    return null;
  }
}

/**
 * Sorts, de-duplicates and keeps only closed candles of [from, to) (closed by
 * `now`), then fills every missing bucket after the first candle with a flat
 * candle at the previous close and no volume, marked `gap`, up to the last
 * closed bucket before `to`. A quiet pool or an exchange's maintenance window
 * thus never shortens the series a strategy counts for its warm-up, and the
 * filled buckets stay visible as such.
 */
export function closedWithGapsFilled(
  raw: readonly Candle[],
  tf: Timeframe,
  from: number,
  to: number,
  now: number,
): HistoryCandle[] {
  const ms = TIMEFRAME_MS[tf];
  const end = Math.min(to, Math.floor(now / ms) * ms);
  const byTime = new Map<number, Candle>();
  for (const c of raw) {
    if (c.time % ms !== 0 || c.time < from || c.time >= end) continue;
    if (![c.open, c.high, c.low, c.close].every((v) => Number.isFinite(v) && v > 0)) continue;
    byTime.set(c.time, c);
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const out: HistoryCandle[] = [];
  if (times.length === 0) return out;
  let prevClose = 0;
  for (let t = times[0]!; t < end; t += ms) {
    const c = byTime.get(t);
    if (c) {
      out.push({
        time: c.time,
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: Number.isFinite(c.volume) ? c.volume : 0,
      });
      prevClose = c.close;
    } else {
      out.push({ time: t, open: prevClose, high: prevClose, low: prevClose, close: prevClose, volume: 0, gap: true });
    }
  }
  return out;
}

/**
 * Buckets of a coarser timeframe from HISTORY_TIMEFRAME candles (as
 * `resample`), keeping the gap mark only when every part was a gap; only
 * buckets fully covered and closed by `now` are returned.
 */
export function resampleHistory(candles: readonly HistoryCandle[], tf: Timeframe, now: number): HistoryCandle[] {
  const ms = TIMEFRAME_MS[tf];
  const baseMs = TIMEFRAME_MS[HISTORY_TIMEFRAME];
  const parts = ms / baseMs;
  const out: HistoryCandle[] = [];
  let cur: (HistoryCandle & { n: number; gaps: number }) | null = null;
  const flush = (): void => {
    if (cur && cur.n === parts && cur.time + ms <= now) {
      const { n: _n, gaps, ...c } = cur;
      out.push(gaps === parts ? { ...c, gap: true } : c);
    }
  };
  for (const c of candles) {
    const b = Math.floor(c.time / ms) * ms;
    if (cur && cur.time === b) {
      if (c.high > cur.high) cur.high = c.high;
      if (c.low < cur.low) cur.low = c.low;
      cur.close = c.close;
      cur.volume += c.volume;
      cur.n++;
      if (c.gap) cur.gaps++;
    } else {
      flush();
      cur = {
        time: b,
        open: c.open,
        high: c.high,
        low: c.low,
        close: c.close,
        volume: c.volume,
        n: 1,
        gaps: c.gap ? 1 : 0,
      };
    }
  }
  flush();
  return out;
}
