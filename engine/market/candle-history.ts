import type { Clock } from '../kernel/clock';
import type { Logger } from '../kernel/logger';
import type { CandlesRepo, StoredCandle } from '../store';
import { CandleBuilder, type ClosedCandleEvent } from './candles';
import { HISTORY_TIMEFRAME, resampleHistory, type CandleHistorySource, type HistoryCandle } from './history-source';
import type { MarketClock } from './market-clock';
import { tokenByMint } from './tokens';
import { TIMEFRAME_MS, type Timeframe } from './types';

const HOUR_MS = TIMEFRAME_MS['1h'];
const DAY_MS = 24 * HOUR_MS;

export interface SeedFailure {
  mint: string;
  token: string;
  source: string;
  message: string;
}

export interface CandleHistoryOptions {
  /** Candles are kept per network: the sandbox's 2021 replay and mainnet never share a series. */
  network: string;
  repo: CandlesRepo;
  /** The time candles are bucketed on (the replay's market time on the sandbox). */
  market: MarketClock;
  /** The engine's clock (its sleep only; times come from `market`). */
  clock: Clock;
  /** Where history comes from; null: live ticks only. */
  source: CandleHistorySource | null;
  log: Logger;
  /** Closed candles kept per series, in memory and on disk. Default 2000. */
  maxCandles?: number;
  /** Stored candles older than this (market time) are dropped. Default 30 days. */
  maxAgeMs?: number;
  /**
   * How far back a token is seeded. Default 7 days: 168 one-hour candles, more than any built-in
   * strategy's warm-up at its default 1h timeframe (trend needs 78).
   */
  seedWindowMs?: number;
  onSeedFailed?: (f: SeedFailure) => void;
  /** Aborted when the engine stops: a seeding in flight ends. */
  signal?: AbortSignal;
}

/**
 * The candle store: the shared CandleBuilder, persisted as it goes. Every
 * candle that closes is written (source 'live'); at start the stored candles
 * are put back, so a restart continues where it stopped; each token is then
 * seeded from the history source for what is missing (the whole window on a
 * fresh data folder, the downtime after a restart), and so is a token seen
 * for the first time later. Seeding failures are reported and never stop
 * anything: warm-up then continues from live ticks.
 */
export class CandleHistory {
  readonly builder: CandleBuilder;
  private readonly maxCandles: number;
  private readonly maxAgeMs: number;
  private readonly seedWindowMs: number;
  private readonly seeded = new Map<string, Promise<void>>();
  private readonly closesSincePrune = new Map<string, number>();
  private lastMarketNow = Number.NEGATIVE_INFINITY;
  private started: Promise<void> | null = null;
  /** Bumped by a reset, so a seeding that began before it does not write stale history after it. */
  private epoch = 0;

  constructor(private readonly o: CandleHistoryOptions) {
    this.maxCandles = o.maxCandles ?? 2000;
    this.maxAgeMs = o.maxAgeMs ?? 30 * DAY_MS;
    this.seedWindowMs = o.seedWindowMs ?? 7 * DAY_MS;
    this.builder = new CandleBuilder({
      clock: { now: () => o.market.now(), sleep: (ms, signal) => o.clock.sleep(ms, signal) },
      maxCandles: this.maxCandles,
      onClose: (e) => this.persist(e),
    });
  }

  get network(): string {
    return this.o.network;
  }

  /** What the candle times are: 'replay' (sandbox market time) or 'wall'. */
  get timeKind(): 'replay' | 'wall' {
    return this.o.market.kind;
  }

  /** Market ms per clock ms: maps a wall-clock time (a trade's) onto the candles' time line. */
  get marketSpeed(): number {
    return this.o.market.speed();
  }

  /**
   * Restores and seeds once, on first need (the trading loop's first cycle, a chart's first
   * request), not when the network connects: a one-shot command such as `harvest order` pays
   * nothing for candles. With `waitForSeed` the promise also waits for the seeding (the sandbox,
   * where it is local and quick); otherwise seeding goes on in the background.
   */
  start(mints: readonly string[], waitForSeed: boolean): Promise<void> {
    this.started ??= (async () => {
      try {
        this.load(mints);
      } catch (e) {
        // Stored candles that cannot be read are rebuilt from history and live ticks; trading goes on.
        this.o.log.error({ err: (e as Error).message }, 'stored candles could not be restored');
      }
      const seeding = this.seed(mints);
      if (waitForSeed) await seeding;
    })();
    return this.started;
  }

  /** Puts the stored candles of these tokens back into the builder (each timeframe from its own record). */
  load(mints: Iterable<string>): void {
    for (const mint of mints) {
      for (const tf of this.builder.timeframes) {
        const rows = this.o.repo.recent(this.o.network, mint, tf, this.maxCandles);
        if (rows.length === 0) continue;
        this.builder.restore(mint, tf, rows.map(plain));
        // What the market's clock had reached: the first cycle sees a jump back made while stopped.
        this.lastMarketNow = Math.max(this.lastMarketNow, rows[rows.length - 1]!.time);
      }
    }
  }

  /** Seeds every token not seeded yet by this engine; resolves when all of them are done (never rejects). */
  seed(mints: Iterable<string>): Promise<void> {
    const all: Promise<void>[] = [];
    for (const mint of mints) {
      let p = this.seeded.get(mint);
      if (!p) {
        p = this.seedOne(mint, this.epoch);
        this.seeded.set(mint, p);
      }
      all.push(p);
    }
    return Promise.all(all).then(() => undefined);
  }

  /**
   * One cycle: this cycle's prices become ticks at the market's now; candles
   * whose bucket has ended close (and are stored); a token seen for the first
   * time is seeded in the background. When the market's clock went back
   * (the sandbox replay looped to its start, or was moved), the old series
   * would hide every new tick as late, so they are dropped and seeded again.
   */
  cycle(prices: readonly { mint: string; usd: number | null }[]): void {
    const now = this.o.market.now();
    if (now < this.lastMarketNow - HOUR_MS) this.reset(now);
    this.lastMarketNow = Math.max(this.lastMarketNow, now);
    void this.seed(prices.map((p) => p.mint));
    for (const p of prices) if (p.usd !== null) this.builder.addTick({ mint: p.mint, usd: p.usd, at: now });
    this.builder.advance(now);
  }

  /** Stored candles of a series (DB as truth: live and seeded, with source and gap marks), oldest first. */
  stored(mint: string, timeframe: Timeframe, limit: number): StoredCandle[] {
    return this.o.repo.recent(this.o.network, mint, timeframe, limit);
  }

  private reset(now: number): void {
    this.o.log.warn(
      { from: new Date(this.lastMarketNow).toISOString(), to: new Date(now).toISOString() },
      'market time went back: candle history starts again',
    );
    this.epoch++;
    this.o.repo.clear(this.o.network);
    this.builder.reset();
    this.seeded.clear();
    this.lastMarketNow = now;
  }

  private persist(e: ClosedCandleEvent): void {
    try {
      this.o.repo.putLive(this.o.network, e.token, e.timeframe, e.candle);
      const key = `${e.token}|${e.timeframe}`;
      const n = (this.closesSincePrune.get(key) ?? 0) + 1;
      this.closesSincePrune.set(key, n);
      if (n >= 100) {
        this.prune(e.token, e.timeframe);
        this.closesSincePrune.set(key, 0);
      }
    } catch (err) {
      // A closing database (the engine stopping) must not break the cycle; the candle is rebuilt from history.
      this.o.log.warn({ err: (err as Error).message, token: e.token }, 'candle not stored');
    }
  }

  private prune(mint: string, tf: Timeframe): void {
    this.o.repo.prune(this.o.network, mint, tf, this.maxCandles, this.o.market.now() - this.maxAgeMs);
  }

  private async seedOne(mint: string, epoch: number): Promise<void> {
    const source = this.o.source;
    if (!source) return;
    const symbol = tokenByMint(mint)?.symbol ?? mint;
    const baseMs = TIMEFRAME_MS[HISTORY_TIMEFRAME];
    let name = source.name;
    try {
      const now = this.o.market.now();
      this.lastMarketNow = Math.max(this.lastMarketNow, now);
      const windowStart = Math.floor((now - this.seedWindowMs) / HOUR_MS) * HOUR_MS;
      const latest = this.o.repo.latestTime(this.o.network, mint, HISTORY_TIMEFRAME);
      // From the hour of the last stored candle: the hour's coarser candles are then made whole.
      const from =
        latest === null ? windowStart : Math.max(windowStart, Math.floor((latest + baseMs) / HOUR_MS) * HOUR_MS);
      const to = Math.floor(now / baseMs) * baseMs;
      if (from >= to) return;
      const answer = await source.history({
        mint,
        symbol,
        from,
        to,
        ...(this.o.signal ? { signal: this.o.signal } : {}),
      });
      if (epoch !== this.epoch || this.o.signal?.aborted) return;
      if (!answer) {
        this.o.log.info({ token: symbol }, 'no history source covers this token: candles build up from live prices');
        return;
      }
      name = answer.source;
      const base = answer.candles;
      if (base.length === 0) return;
      const after = this.o.market.now();
      for (const tf of this.builder.timeframes) {
        const ms = TIMEFRAME_MS[tf];
        if (ms < baseMs) continue;
        const list = tf === HISTORY_TIMEFRAME ? base : resampleHistory(base, tf, after);
        this.o.repo.putSeed(
          this.o.network,
          mint,
          tf,
          list.map((c) => ({ ...plain(c), source: answer.source as StoredCandle['source'], gap: c.gap === true })),
        );
        this.prune(mint, tf);
      }
      this.builder.seed(mint, HISTORY_TIMEFRAME, base.map(plain));
      this.o.log.info(
        { token: symbol, source: answer.source, candles: base.length, gaps: base.filter((c) => c.gap).length },
        'candle history seeded',
      );
    } catch (e) {
      if (this.o.signal?.aborted) return;
      const message = (e as Error).message;
      this.o.log.warn(
        { token: symbol, source: name, err: message },
        'candle history unavailable; warming up from live prices',
      );
      // Tried again for this token after the next start, or after a market reset.
      this.o.onSeedFailed?.({ mint, token: symbol, source: name, message });
    }
  }
}

function plain(c: HistoryCandle | StoredCandle): {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
} {
  return { time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
}
