import { computeIndicator, specKey, type IndicatorSpec, type IndicatorValue } from './indicator-spec';
import type { Candle, Timeframe } from './types';

/** Where the cache reads closed candles from (the CandleBuilder is one). */
export interface CandleSource {
  /** Closed candles of (token, timeframe), oldest first. */
  closed(token: string, timeframe: Timeframe): readonly Candle[];
  /**
   * A number that changes whenever the closed candles of (token, timeframe)
   * change (a candle closed, history was seeded). Without it the cache can
   * only be invalidated per cycle (`beginCycle`).
   */
  revision?(token: string, timeframe: Timeframe): number;
}

export interface IndicatorCacheOptions {
  /**
   * Indicators are computed over at most the last `window` closed candles, so
   * a value depends only on those candles, not on when the engine started
   * (same history -> same values in a backtest and live). Default 1000.
   */
  window?: number;
}

export interface IndicatorCacheStats {
  /** Indicator computations since the last reset (misses). */
  computations: number;
  /** Lookups answered from the cache. */
  hits: number;
  /** Entries held now. */
  entries: number;
  /** Computations by canonical spec key. */
  byKey: Record<string, number>;
}

/** Default number of most recent closed candles indicators are computed over. */
export const DEFAULT_INDICATOR_WINDOW = 1000;

interface Entry {
  revision: number;
  cycle: number;
  value: unknown;
}

/**
 * One (token, timeframe) series as of one revision: its candle window and the indicators asked of it,
 * by spec object. A strategy evaluation takes the view once (one revision check) and then reads each
 * indicator with one lookup by identity (specs from `ind` are interned), not a spec key, an entry key
 * and a revision check per indicator: with 10,000 friends this runs 100,000 times a cycle.
 */
export class SeriesView {
  private readonly bySpec = new Map<IndicatorSpec, unknown>();

  constructor(
    private readonly cache: IndicatorCache,
    readonly token: string,
    readonly timeframe: Timeframe,
    /** The source's revision (or, for a source without one, the cache's cycle) this view is valid for. */
    readonly revision: number,
    readonly cycle: number,
    /** The candles indicators are computed over (the cache's window), frozen and shared. */
    readonly candles: readonly Readonly<Candle>[],
  ) {}

  /** The indicator over this view's candles (the same frozen value `IndicatorCache.get` gives). */
  indicator<S extends IndicatorSpec>(spec: S): IndicatorValue<S> {
    const known = this.bySpec.get(spec);
    if (known !== undefined) {
      this.cache.countHit();
      return known as IndicatorValue<S>;
    }
    // A view kept past a candle close computes over its own candles (never another revision's values).
    const value =
      this.cache.series(this.token, this.timeframe) === this
        ? this.cache.get(this.token, this.timeframe, spec)
        : computeIndicator(spec, this.candles);
    // Only a frozen spec can key by identity: a plain object could be changed, or be new on every call.
    if (Object.isFrozen(spec)) this.bySpec.set(spec, value);
    return value;
  }
}

/**
 * Computes each indicator once per (token, timeframe, indicator, params) and
 * shares the result with every caller until that series changes: a new candle
 * closes (the source's revision moves) or, for a source without revisions, a
 * new cycle begins. Results are frozen arrays; callers never get a copy they
 * could corrupt for another user.
 */
export class IndicatorCache {
  private readonly entries = new Map<string, Entry>();
  private readonly windows = new Map<string, Entry>();
  readonly window: number;
  private cycle = 0;
  private computations = 0;
  private hits = 0;
  private byKey = new Map<string, number>();
  private readonly keys = new Map<string, Map<Timeframe, Map<string, string>>>();
  private views = new Map<string, Map<Timeframe, SeriesView>>();

  constructor(
    private readonly source: CandleSource,
    opts: IndicatorCacheOptions = {},
  ) {
    const w = opts.window ?? DEFAULT_INDICATOR_WINDOW;
    if (!Number.isInteger(w) || w < 1) throw new RangeError(`window must be a positive integer (got ${w})`);
    this.window = w;
  }

  /** The indicator over the closed candles of (token, timeframe), computed at most once per series change. */
  get<S extends IndicatorSpec>(token: string, timeframe: Timeframe, spec: S): IndicatorValue<S> {
    const sk = specKey(spec);
    const key = this.entryKey(token, timeframe, sk);
    const rev = this.source.revision ? this.source.revision(token, timeframe) : -1;
    const hit = this.entries.get(key);
    if (hit && hit.revision === rev && (rev !== -1 || hit.cycle === this.cycle)) {
      this.hits++;
      return hit.value as IndicatorValue<S>;
    }
    const value = computeIndicator(spec, this.candles(token, timeframe));
    this.computations++;
    this.byKey.set(sk, (this.byKey.get(sk) ?? 0) + 1);
    this.entries.set(key, { revision: rev, cycle: this.cycle, value });
    return value;
  }

  /**
   * The series (token, timeframe) now: its candles and its indicators, checked against the source's
   * revision once here. Take a new view for each evaluation (a candle may close between two).
   */
  series(token: string, timeframe: Timeframe): SeriesView {
    const rev = this.source.revision ? this.source.revision(token, timeframe) : -1;
    let byTf = this.views.get(token);
    if (byTf === undefined) this.views.set(token, (byTf = new Map()));
    const hit = byTf.get(timeframe);
    if (hit !== undefined && hit.revision === rev && (rev !== -1 || hit.cycle === this.cycle)) return hit;
    const view = new SeriesView(this, token, timeframe, rev, this.cycle, this.candles(token, timeframe));
    byTf.set(timeframe, view);
    return view;
  }

  /** A lookup a series view answered from what it holds (counted like one answered here). */
  countHit(): void {
    this.hits++;
  }

  /**
   * The entries' key of (token, timeframe, spec key), built once: every user asks for the same few
   * indicators every cycle, and a fresh concatenated key would be hashed again on each call.
   */
  private entryKey(token: string, timeframe: Timeframe, sk: string): string {
    let byTf = this.keys.get(token);
    if (byTf === undefined) this.keys.set(token, (byTf = new Map()));
    let bySpec = byTf.get(timeframe);
    if (bySpec === undefined) byTf.set(timeframe, (bySpec = new Map()));
    let key = bySpec.get(sk);
    if (key === undefined) bySpec.set(sk, (key = `${token}\u0000${timeframe}\u0000${sk}`));
    return key;
  }

  /**
   * The closed candles indicators are computed over: the last `window` closed
   * candles of (token, timeframe), oldest first, frozen and shared like the
   * indicator values (index i of an indicator belongs to candle i of this).
   */
  candles(token: string, timeframe: Timeframe): readonly Readonly<Candle>[] {
    const key = `${token}\u0000${timeframe}`;
    const rev = this.source.revision ? this.source.revision(token, timeframe) : -1;
    const hit = this.windows.get(key);
    if (hit && hit.revision === rev && (rev !== -1 || hit.cycle === this.cycle)) {
      return hit.value as readonly Readonly<Candle>[];
    }
    const all = this.source.closed(token, timeframe);
    const value = Object.freeze(all.length > this.window ? all.slice(all.length - this.window) : all.slice());
    this.windows.set(key, { revision: rev, cycle: this.cycle, value });
    return value;
  }

  /**
   * Starts a new evaluation cycle. For a source with revisions nothing needs
   * recomputing unless a candle closed; for one without, every entry is stale.
   */
  beginCycle(): void {
    this.cycle++;
    if (!this.source.revision) {
      this.entries.clear();
      this.windows.clear();
      this.views.clear();
    }
  }

  /** Drops cached entries: all of them, those of one token, or of one (token, timeframe). */
  invalidate(token?: string, timeframe?: Timeframe): void {
    // A view holds values of the entries dropped here: every view goes (the next evaluation makes one).
    this.views = new Map();
    if (token === undefined) {
      this.entries.clear();
      this.windows.clear();
      return;
    }
    const series = `${token}\u0000${timeframe ?? ''}`;
    const matches = (k: string): boolean =>
      timeframe === undefined ? k.startsWith(`${token}\u0000`) : k === series || k.startsWith(`${series}\u0000`);
    for (const map of [this.entries, this.windows]) {
      for (const k of [...map.keys()]) if (matches(k)) map.delete(k);
    }
  }

  stats(): IndicatorCacheStats {
    return {
      computations: this.computations,
      hits: this.hits,
      entries: this.entries.size,
      byKey: Object.fromEntries(this.byKey),
    };
  }

  resetStats(): void {
    this.computations = 0;
    this.hits = 0;
    this.byKey = new Map();
  }
}
