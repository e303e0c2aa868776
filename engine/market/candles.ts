import type { Clock } from '../kernel/clock';
import { HarvestError } from '../kernel/errors';
import type { CandleSource } from './indicator-cache';
import { TIMEFRAME_MS, TIMEFRAMES, bucketStart, type Candle, type PriceTick, type Timeframe } from './types';

/**
 * Aggregates candles into a coarser timeframe: open of the first, max high,
 * min low, close of the last, summed volume, one candle per bucket that has at
 * least one input candle (buckets with no data are skipped, as exchanges do).
 * Input must be sorted by time; `to` must be a whole multiple of the input's
 * timeframe for the result to be meaningful.
 */
export function resample(candles: readonly Candle[], to: Timeframe): Candle[] {
  const out: Candle[] = [];
  let cur: Candle | null = null;
  for (const c of candles) {
    const b = bucketStart(c.time, to);
    if (cur && cur.time === b) {
      if (c.high > cur.high) cur.high = c.high;
      if (c.low < cur.low) cur.low = c.low;
      cur.close = c.close;
      cur.volume += c.volume;
    } else {
      if (cur) out.push(cur);
      cur = { time: b, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
    }
  }
  if (cur) out.push(cur);
  return out;
}

export interface ClosedCandleEvent {
  token: string;
  timeframe: Timeframe;
  candle: Readonly<Candle>;
}

export interface CandleBuilderOptions {
  clock: Clock;
  /** Timeframes to build. Default: all (1m, 5m, 15m, 1h). */
  timeframes?: readonly Timeframe[];
  /** Closed candles kept per (token, timeframe); older ones are dropped. Default 2000. */
  maxCandles?: number;
  /** Called once for every candle that closes live (not for seeded history). */
  onClose?: (event: ClosedCandleEvent) => void;
}

interface SeriesState {
  closed: Candle[];
  open: Candle | null;
  revision: number;
}

export interface CandleBuilderStats {
  ticks: number;
  /** Ticks older than the candle they would belong to (out of order); ignored. */
  lateTicks: number;
  /** Ticks with a price that is not a positive finite number; ignored. */
  badTicks: number;
  closedCandles: number;
}

/**
 * Builds OHLC candles for several timeframes from price ticks, bucketed on the
 * ticks' clock times (buckets aligned to UTC). A candle closes when a tick of a
 * later bucket arrives or when `advance()` sees the clock past its end; each
 * closed candle is reported exactly once (return value and `onClose`). The
 * candle still forming is visible separately through `current()`.
 *
 * History warms the builder up: `seed()` takes closed candles of one
 * timeframe and fills that timeframe and every coarser one that is a whole
 * multiple of it (5m history gives 5m, 15m and 1h; nothing finer can be made,
 * so 1m only ever comes from ticks). A seeded bucket that is not over yet
 * becomes the forming candle, and ticks carry on from it.
 */
export class CandleBuilder implements CandleSource {
  readonly timeframes: readonly Timeframe[];
  private readonly clock: Clock;
  private readonly maxCandles: number;
  private readonly onClose: ((e: ClosedCandleEvent) => void) | undefined;
  private readonly series = new Map<string, Map<Timeframe, SeriesState>>();
  private readonly counters: CandleBuilderStats = { ticks: 0, lateTicks: 0, badTicks: 0, closedCandles: 0 };

  constructor(opts: CandleBuilderOptions) {
    this.clock = opts.clock;
    const tfs = opts.timeframes ?? TIMEFRAMES;
    for (const tf of tfs) {
      if (!(TIMEFRAMES as readonly string[]).includes(tf)) {
        throw new HarvestError('INVALID_INPUT', `Unknown timeframe ${tf} (use ${TIMEFRAMES.join(', ')}).`);
      }
    }
    this.timeframes = TIMEFRAMES.filter((tf) => tfs.includes(tf));
    this.maxCandles = opts.maxCandles ?? 2000;
    if (!Number.isInteger(this.maxCandles) || this.maxCandles < 1) throw new RangeError('maxCandles must be >= 1');
    this.onClose = opts.onClose;
  }

  private state(token: string, tf: Timeframe): SeriesState {
    let byTf = this.series.get(token);
    if (!byTf) {
      byTf = new Map();
      this.series.set(token, byTf);
    }
    let s = byTf.get(tf);
    if (!s) {
      s = { closed: [], open: null, revision: 0 };
      byTf.set(tf, s);
    }
    return s;
  }

  /**
   * Warms up from history: `candles` are candles of `timeframe`, oldest first,
   * aligned to their timeframe. Candles already present (same open time) win
   * over seeded ones, so seeding after live ticks never rewrites what was seen.
   */
  seed(token: string, timeframe: Timeframe, candles: readonly Candle[]): void {
    const baseMs = TIMEFRAME_MS[timeframe];
    let prev = Number.NEGATIVE_INFINITY;
    for (const c of candles) {
      if (c.time % baseMs !== 0) {
        throw new HarvestError('INVALID_INPUT', `History candle at ${c.time} is not aligned to ${timeframe}.`);
      }
      if (!(c.time > prev))
        throw new HarvestError('INVALID_INPUT', 'History candles must be sorted by time, without duplicates.');
      prev = c.time;
    }
    if (candles.length === 0) return;
    const knownUntil = Math.max(this.clock.now(), candles[candles.length - 1]!.time + baseMs);
    for (const tf of this.timeframes) {
      const ms = TIMEFRAME_MS[tf];
      if (ms < baseMs || ms % baseMs !== 0) continue;
      const buckets = tf === timeframe ? candles.map((c) => ({ ...c })) : resample(candles, tf);
      const s = this.state(token, tf);
      const last = buckets[buckets.length - 1]!;
      const lastIsOpen = last.time + ms > knownUntil;
      const closedSeed = lastIsOpen ? buckets.slice(0, -1) : buckets;
      if (lastIsOpen && (!s.open || s.open.time < last.time) && !s.closed.some((c) => c.time === last.time)) {
        if (s.open && s.open.time < last.time) this.pushClosed(token, tf, s, s.open);
        s.open = last;
      }
      const merged = new Map<number, Candle>();
      for (const c of closedSeed) if (!s.open || c.time < s.open.time) merged.set(c.time, Object.freeze(c));
      for (const c of s.closed) merged.set(c.time, c);
      const sorted = [...merged.values()].sort((a, b) => a.time - b.time);
      s.closed = sorted.length > this.maxCandles ? sorted.slice(sorted.length - this.maxCandles) : sorted;
      s.revision++;
    }
  }

  /**
   * Puts back stored closed candles of one timeframe only (a restart), oldest
   * first; candles already present win. Unlike `seed()`, nothing is derived
   * for coarser timeframes: each timeframe is restored from its own record.
   */
  restore(token: string, timeframe: Timeframe, candles: readonly Candle[]): void {
    if (!this.timeframes.includes(timeframe) || candles.length === 0) return;
    const s = this.state(token, timeframe);
    const merged = new Map<number, Candle>();
    for (const c of candles) {
      if (!s.open || c.time < s.open.time) merged.set(c.time, Object.freeze({ ...c }));
    }
    for (const c of s.closed) merged.set(c.time, c);
    const sorted = [...merged.values()].sort((a, b) => a.time - b.time);
    s.closed = sorted.length > this.maxCandles ? sorted.slice(sorted.length - this.maxCandles) : sorted;
    s.revision++;
  }

  /** Forgets every series (the market's clock jumped back: the sandbox's replay looped or was moved). */
  reset(): void {
    for (const byTf of this.series.values()) {
      for (const s of byTf.values()) {
        s.closed = [];
        s.open = null;
        s.revision++;
      }
    }
  }

  /** Adds one price tick; returns the candles it closed (in timeframe order). */
  addTick(tick: Pick<PriceTick, 'mint' | 'usd' | 'at'>): ClosedCandleEvent[] {
    this.counters.ticks++;
    const p = tick.usd;
    if (!(p > 0) || !Number.isFinite(p) || !Number.isFinite(tick.at)) {
      this.counters.badTicks++;
      return [];
    }
    const events: ClosedCandleEvent[] = [];
    let late = false;
    for (const tf of this.timeframes) {
      const s = this.state(tick.mint, tf);
      const b = bucketStart(tick.at, tf);
      if (s.open && s.open.time < b) {
        events.push(this.pushClosed(tick.mint, tf, s, s.open));
        s.open = null;
      }
      if (s.open === null) {
        const lastClosed = s.closed[s.closed.length - 1];
        if (lastClosed && b <= lastClosed.time) {
          late = true;
          continue;
        }
        s.open = { time: b, open: p, high: p, low: p, close: p, volume: 0 };
      } else if (s.open.time === b) {
        if (p > s.open.high) s.open.high = p;
        if (p < s.open.low) s.open.low = p;
        s.open.close = p;
      } else {
        late = true;
      }
    }
    if (late) this.counters.lateTicks++;
    return events;
  }

  /** Adds every tick of a feed answer; returns the candles that closed. */
  addTicks(ticks: Iterable<Pick<PriceTick, 'mint' | 'usd' | 'at'>>): ClosedCandleEvent[] {
    const out: ClosedCandleEvent[] = [];
    for (const t of ticks) out.push(...this.addTick(t));
    return out;
  }

  /**
   * Closes every forming candle whose bucket has ended by `now` (default: the
   * clock), even if no later tick came. Call once per cycle before reading
   * candles, so a quiet market still closes its candles on time.
   */
  advance(now: number = this.clock.now()): ClosedCandleEvent[] {
    const events: ClosedCandleEvent[] = [];
    for (const [token, byTf] of this.series) {
      for (const [tf, s] of byTf) {
        if (s.open && s.open.time + TIMEFRAME_MS[tf] <= now) {
          events.push(this.pushClosed(token, tf, s, s.open));
          s.open = null;
        }
      }
    }
    return events;
  }

  private pushClosed(token: string, tf: Timeframe, s: SeriesState, c: Candle): ClosedCandleEvent {
    const candle = Object.freeze({ ...c });
    s.closed.push(candle);
    if (s.closed.length > this.maxCandles) s.closed.splice(0, s.closed.length - this.maxCandles);
    s.revision++;
    const event: ClosedCandleEvent = { token, timeframe: tf, candle };
    this.counters.closedCandles++;
    this.onClose?.(event);
    return event;
  }

  /** Closed candles of (token, timeframe), oldest first (a live view: do not keep it across ticks). */
  closed(token: string, timeframe: Timeframe): readonly Readonly<Candle>[] {
    return this.series.get(token)?.get(timeframe)?.closed ?? [];
  }

  /** The candle still forming for (token, timeframe), as a copy, or null. */
  current(token: string, timeframe: Timeframe): Candle | null {
    const o = this.series.get(token)?.get(timeframe)?.open;
    return o ? { ...o } : null;
  }

  /** Changes whenever the closed candles of (token, timeframe) change. */
  revision(token: string, timeframe: Timeframe): number {
    return this.series.get(token)?.get(timeframe)?.revision ?? 0;
  }

  tokens(): string[] {
    return [...this.series.keys()];
  }

  stats(): CandleBuilderStats {
    return { ...this.counters };
  }
}
